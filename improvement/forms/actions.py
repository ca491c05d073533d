"""Forms for improvement actions: validation and choices only; the rules are the services'."""

from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.core.validators import URLValidator

from assessments.models import Practice
from assessments.services.frameworks import framework_latest
from improvement.models import Action
from improvement.services.actions import NOTES_MAX_LENGTH, REASON_MAX_LENGTH, TITLE_MAX_LENGTH
from teams.models import Project, Team

VERSION_FIELD = forms.IntegerField(min_value=0, max_value=2_000_000_000, widget=forms.HiddenInput)


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.get_full_name() or obj.get_username()


class DateField(forms.DateField):
    widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("error_messages", {"invalid": "Enter a date such as 2027-03-31."})
        super().__init__(**kwargs)


def _ticket_field() -> forms.CharField:
    # A plain CharField: URLField would accept ftp: links and add a second message.
    return forms.CharField(
        label="Ticket link",
        max_length=500,
        required=False,
        strip=True,
        validators=[
            URLValidator(
                schemes=["http", "https"],
                message="Enter a ticket link that starts with http:// or https://.",
            )
        ],
        widget=forms.URLInput(attrs={"placeholder": "https://…"}),
    )


class _TeamForm(forms.Form):
    def __init__(self, *args: Any, team: Team, owners: list[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.team = team
        if "owner" in self.fields:
            field = self.fields["owner"]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = User.objects.filter(pk__in=[user.pk for user in owners])
            # The choices in the order given (leads first), without a second query.
            field.choices = [("", "Choose a team member")] + [
                (user.pk, user.get_full_name() or user.get_username()) for user in owners
            ]


class ActionForm(_TeamForm):
    """A lead adds an action by hand or edits one: every field but the status."""

    title = forms.CharField(max_length=TITLE_MAX_LENGTH, required=False, strip=True)
    project = forms.ModelChoiceField(
        queryset=Project.objects.none(), required=False, empty_label="The whole team"
    )
    owner = PersonChoiceField(queryset=User.objects.none(), required=True)
    due_on = DateField(label="Due date")
    practice = forms.ChoiceField(required=False, label="Practice (optional)")
    ticket_url = _ticket_field()
    notes = forms.CharField(
        max_length=NOTES_MAX_LENGTH, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    version = VERSION_FIELD
    field_order = ["practice", "title", "project", "owner", "due_on", "ticket_url", "notes"]

    def __init__(self, *args: Any, action: Action | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.action = action
        projects = self.fields["project"]
        assert isinstance(projects, forms.ModelChoiceField)
        projects.queryset = self.team.projects.filter(archived_at__isnull=True).order_by("name")
        self.fields["owner"].error_messages["required"] = "Choose who owns the action."
        self.fields["due_on"].error_messages["required"] = "Choose a due date."
        if action is None:
            del self.fields["version"]
            practice = self.fields["practice"]
            assert isinstance(practice, forms.ChoiceField)
            practice.choices = _practice_choices()
        else:
            # The practice stays what the action was made for.
            del self.fields["practice"]

    def clean(self) -> dict:
        cleaned = super().clean() or {}
        key = cleaned.get("practice")
        practice = _practice(key) if key else None
        cleaned["practice"] = practice
        if not cleaned.get("title") and practice is None and "title" not in self.errors:
            choose = "" if self.action is not None else ", or choose a practice"
            self.add_error("title", f"Give the action a title{choose}.")
        return cleaned


def _practice_choices() -> list:
    """The newest framework's practices, by dimension (two queries)."""
    framework = framework_latest()
    if framework is None:
        return [("", "None")]
    groups: dict[str, list[tuple[str, str]]] = {}
    for practice in framework.practices.select_related("dimension").order_by("order"):
        label = f"L{practice.level} · {practice.question}"
        if len(label) > 110:
            label = label[:109].rsplit(" ", 1)[0] + "…"
        groups.setdefault(practice.dimension.name, []).append((practice.key, label))
    return [("", "None: a team action"), *list(groups.items())]


def _practice(key: str) -> Practice | None:
    return (
        Practice.objects.filter(key=key)
        .select_related("dimension")
        .order_by("-framework__version")
        .first()
    )


class ActionNotesForm(forms.Form):
    """What the owner of an action may change besides its status: the notes."""

    notes = forms.CharField(
        max_length=NOTES_MAX_LENGTH, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    version = VERSION_FIELD


class ActionStatusForm(forms.Form):
    status = forms.ChoiceField(
        choices=Action.Status.choices,
        error_messages={"invalid_choice": "Choose planned, in progress, done or dropped."},
    )
    dropped_reason = forms.CharField(
        label="Why is it dropped?", max_length=REASON_MAX_LENGTH, required=False, strip=True
    )
    version = VERSION_FIELD

    def clean(self) -> dict:
        cleaned = super().clean() or {}
        if cleaned.get("status") == Action.Status.DROPPED and not cleaned.get("dropped_reason"):
            self.add_error("dropped_reason", "Say why the action is dropped.")
        return cleaned


class StepToActionForm(_TeamForm):
    """One recommended next step into the plan: whose it is and by when."""

    practice_key = forms.SlugField(max_length=80, widget=forms.HiddenInput)
    owner = PersonChoiceField(
        queryset=User.objects.none(), error_messages={"required": "Choose who owns it."}
    )
    due_on = DateField(label="Due", error_messages={"required": "Choose a due date."})


class PlanFilterForm(_TeamForm):
    """The plan of one project, or of one owner: unknown values are ignored."""

    project = forms.ModelChoiceField(
        queryset=Project.objects.none(), required=False, empty_label="All projects"
    )
    owner = PersonChoiceField(queryset=User.objects.none(), required=False)

    def __init__(self, *args: Any, projects: list[Project], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        project_field = self.fields["project"]
        assert isinstance(project_field, forms.ModelChoiceField)
        project_field.queryset = Project.objects.filter(pk__in=[p.pk for p in projects])
        project_field.choices = [("", "All projects")] + [(p.pk, p.name) for p in projects]
        owner_field = self.fields["owner"]
        assert isinstance(owner_field, forms.ModelChoiceField)
        owner_field.choices = [("", "Everyone"), *list(owner_field.choices)[1:]]  # type: ignore[arg-type]

    def chosen(self) -> tuple[int | None, int | None]:
        """The project's and the owner's ids asked for, if they are among the choices
        (read from the data as given, so filtering costs no query)."""
        project, owner = self.fields["project"], self.fields["owner"]
        assert isinstance(project, forms.ChoiceField) and isinstance(owner, forms.ChoiceField)
        return (
            _chosen_id(self.data.get("project"), project.choices),
            _chosen_id(self.data.get("owner"), owner.choices),
        )


def _chosen_id(raw: object, choices: Any) -> int | None:
    allowed = {str(value) for value, _ in choices if value != ""}
    return int(str(raw)) if raw is not None and str(raw) in allowed else None
