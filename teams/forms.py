from django import forms

from teams.models import Project, Team


class ProjectForm(forms.ModelForm):
    class Meta:
        model = Project
        fields = ["name", "stage", "description", "business_goal", "kpi"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "business_goal": "What the model is for, in business terms.",
            "kpi": "The business number that tells whether it works.",
        }

    def __init__(self, *args, team: Team, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.team = team
        self.fields["name"].widget.attrs["autofocus"] = True

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("Give the project a name.")
        clashes = Project.objects.filter(team=self.team, name__iexact=name)
        if self.instance.pk:
            clashes = clashes.exclude(pk=self.instance.pk)
        if clashes.exists():
            raise forms.ValidationError(f"This team already has a project called “{name}”.")
        return name

    def validate_constraints(self, exclude=None) -> None:
        # The case-insensitive name constraint needs the team, which is not a form field;
        # clean_name already checks it with a friendlier message.
        return None
