from django import forms

from teams.models import Project, Team
from teams.services import project_name_clean


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
        # Normalised, and unique in the team by skeleton (core.text): the rule lives in the
        # services, which check it again under a lock when they write.
        return project_name_clean(
            team=self.team, name=self.cleaned_data["name"], exclude_pk=self.instance.pk
        )

    def validate_constraints(self, exclude=None) -> None:
        # The case-insensitive name constraint needs the team, which is not a form field;
        # clean_name already checks it (and look-alikes) with a friendlier message.
        return None
