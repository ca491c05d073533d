"""Target forms: a level and a date, for the organisation's rules and for a team's or a
project's own target (with its reason). Validation only; the service
(improvement.services.targets) checks the same rules again, with the stored value in hand."""

from django import forms

from improvement.models import LEVEL_CHOICES
from teams.models import Project

OVERALL_CHOICE = ("", "Overall level")
UNKNOWN_DIMENSION = "There is no dimension “%(value)s” in the framework: choose one from the list."


class TargetForm(forms.Form):
    level = forms.TypedChoiceField(
        choices=LEVEL_CHOICES,
        coerce=int,
        error_messages={
            "required": "Choose a level.",
            "invalid_choice": "Choose level 0, 1 or 2.",
        },
    )
    due_on = forms.DateField(
        label="Reached by",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": "Give the date to reach it by.",
            "invalid": "Enter the date as YYYY-MM-DD.",
        },
    )


class TargetRuleForm(TargetForm):
    """A rule of the organisation's policy; stage and dimension are chosen on the page (a
    cell of the table), or in the form (a new dimension row)."""

    stage = forms.ChoiceField(
        choices=Project.Stage.choices,
        error_messages={"invalid_choice": "Choose one of the project stages."},
    )
    dimension_key = forms.ChoiceField(
        label="Dimension",
        required=False,
        error_messages={"invalid_choice": UNKNOWN_DIMENSION},
    )
    field_order = ["stage", "dimension_key", "level", "due_on"]

    def __init__(self, *args: object, dimensions: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["dimension_key"].choices = [OVERALL_CHOICE, *dimensions]  # type: ignore[attr-defined]


class TargetOverrideForm(TargetForm):
    """A team's or a project's own target, for its overall level or one dimension."""

    dimension_key = forms.ChoiceField(
        label="Target for",
        required=False,
        error_messages={"invalid_choice": UNKNOWN_DIMENSION},
    )
    reason = forms.CharField(
        max_length=500,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        help_text="Shown with the target wherever it appears, and kept in the audit log.",
        error_messages={
            "required": "Say why this target differs from the one it replaces.",
            "max_length": "Keep the reason to 500 characters.",
        },
    )
    field_order = ["dimension_key", "level", "due_on", "reason"]

    def __init__(self, *args: object, dimensions: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["dimension_key"].choices = [OVERALL_CHOICE, *dimensions]  # type: ignore[attr-defined]
