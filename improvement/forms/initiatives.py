"""The initiative form: what to put in place, where, and by when. Validation only; the
service (improvement.services.initiatives) checks the same rules again before saving."""

from typing import Any

from django import forms
from django.utils import timezone

from core.text import normalise_line
from improvement.models import Initiative
from improvement.selectors.initiatives import practice_choices
from teams.models import Project, Team, Unit

EARLIER_VERSIONS = "From earlier framework versions"


class UnitChoiceField(forms.ModelMultipleChoiceField):
    """Units named with the units above them ("Retail / Stores"), in tree order."""

    names: dict[int, str] = {}

    def label_from_instance(self, obj: Unit) -> str:
        ids = [int(part) for part in obj.path.strip("/").split("/") if part.isdigit()]
        return " / ".join(self.names.get(pk, "") for pk in ids) or obj.name


class InitiativeForm(forms.Form):
    title = forms.CharField(
        max_length=200,
        error_messages={"required": "Give the initiative a title."},
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    why = forms.CharField(
        label="Why it matters",
        max_length=4000,
        error_messages={"required": "Say why it matters: the leads read this in the reminder."},
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One or two sentences for the teams: what goes wrong without these practices.",
    )
    practice_keys = forms.MultipleChoiceField(
        label="Practices",
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Pick at least one practice.",
            "invalid_choice": "Unknown practice: %(value)s. Pick practices from the list.",
        },
        help_text="A project is complete when every one of these is fully in place.",
    )
    stages = forms.MultipleChoiceField(
        choices=[(value, label) for value, label in Project.Stage.choices],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Unknown stage: %(value)s."},
        help_text="None ticked: projects of every stage.",
    )
    units = UnitChoiceField(
        queryset=Unit.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": "Unknown unit: %(value)s.",
            "invalid_pk_value": "Unknown unit: %(pk)s.",
        },
        help_text="Each with every unit and team below it.",
    )
    teams = forms.ModelMultipleChoiceField(
        queryset=Team.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": "Unknown team: %(value)s.",
            "invalid_pk_value": "Unknown team: %(pk)s.",
        },
        help_text="No unit and no team ticked: the whole organisation.",
    )
    starts_on = forms.DateField(
        label="Start date",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": "Give a start date.", "invalid": "Enter a date."},
    )
    target_on = forms.DateField(
        label="Target date",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": "Give a target date.", "invalid": "Enter a date."},
        help_text="Every project in scope complete by this date.",
    )

    def __init__(self, *args: Any, initiative: Initiative | None = None, **kwargs: Any) -> None:
        if initiative is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "title": initiative.title,
                "why": initiative.why,
                "practice_keys": list(initiative.practice_keys),
                "stages": list(initiative.stages),
                "units": list(initiative.units.all()),
                "teams": list(initiative.teams.all()),
                "starts_on": initiative.starts_on,
                "target_on": initiative.target_on,
            }
        kwargs.setdefault("initial", {"starts_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        groups = practice_choices()
        offered = {key for _, choices in groups for key, _ in choices}
        saved = initiative.practice_keys if initiative else []
        kept = [key for key in saved if key not in offered]
        if kept:  # an initiative keeps the keys it was made with, even from an older version
            groups.append((EARLIER_VERSIONS, [(key, key) for key in kept]))
        self.fields["practice_keys"].choices = groups  # type: ignore[attr-defined]
        self.practice_groups = groups
        units = Unit.objects.filter(archived_at__isnull=True).order_by("path")
        self.fields["units"].queryset = units  # type: ignore[attr-defined]
        self.fields["units"].names = dict(  # type: ignore[attr-defined]
            Unit.objects.values_list("pk", "name")
        )
        self.fields["teams"].queryset = Team.objects.filter(  # type: ignore[attr-defined]
            archived_at__isnull=True
        ).order_by("name")

    def practice_rows(self) -> list[tuple[str, list[tuple[str, str, bool]]]]:
        """The practices by dimension, each (key, question, ticked), for the template."""
        ticked = {str(key) for key in self["practice_keys"].value() or ()}
        return [
            (dimension, [(key, question, key in ticked) for key, question in choices])
            for dimension, choices in self.practice_groups
        ]

    def clean_title(self) -> str:
        title = normalise_line(self.cleaned_data["title"])
        if not title:
            raise forms.ValidationError("Give the initiative a title.")
        return title

    def clean(self) -> dict:
        cleaned = super().clean() or {}
        starts_on, target_on = cleaned.get("starts_on"), cleaned.get("target_on")
        if starts_on and target_on and target_on <= starts_on:
            self.add_error("target_on", "The target date must be after the start date.")
        return cleaned
