from typing import Any

from django import forms
from django.core.validators import URLValidator

from assessments.models import Answer, ProjectProfile
from assessments.rules.profiles import (
    PROFILE_FIELD_NAMES,
    PROFILE_FIELDS,
    RISK_TIER_CRITERIA,
    RISK_TIERS,
    Profile,
)
from core.text import normalise_line

NA_REASON_MAX_LENGTH = 500  # Answer.na_reason


class AnswerForm(forms.Form):
    """One practice's answer, as autosaved from the assessment page."""

    value = forms.ChoiceField(
        choices=Answer.Value.choices,
        error_messages={"invalid_choice": "Choose not in place, partly, fully in place or N/A."},
    )
    na_reason = forms.CharField(max_length=NA_REASON_MAX_LENGTH, required=False, strip=True)
    note = forms.CharField(max_length=2000, required=False, strip=True)
    # A plain CharField: URLField would add its own validator (and a second message) and
    # accept ftp: links; evidence links must be web pages.
    evidence_url = forms.CharField(
        max_length=500,
        required=False,
        strip=True,
        validators=[
            URLValidator(
                schemes=["http", "https"],
                message="Enter a link that starts with http:// or https://.",
            )
        ],
    )
    version = forms.IntegerField(min_value=0, max_value=2_000_000_000)

    def clean_na_reason(self) -> str:
        # One line, as typed but without controls or invisible characters (core.text).
        # Normalising can lengthen it ("ﷺ" is 18 letters): check the stored length again.
        reason = normalise_line(self.cleaned_data["na_reason"])
        if len(reason) > NA_REASON_MAX_LENGTH:
            raise forms.ValidationError(f"Keep the reason to {NA_REASON_MAX_LENGTH} characters.")
        return reason

    def clean(self) -> dict:
        cleaned = super().clean() or {}
        if cleaned.get("value") == Answer.Value.NA and not cleaned.get("na_reason"):
            self.add_error("na_reason", "Say why this practice does not apply to the project.")
        return cleaned


class ProjectProfileForm(forms.ModelForm):
    """What kind of system the project is: the questions a rule-2 framework asks follow it."""

    class Meta:
        model = ProjectProfile
        fields = ["kind", "serving", "label_delay", "risk_tier"]
        widgets = {
            "kind": forms.RadioSelect,
            "serving": forms.RadioSelect,
            "label_delay": forms.RadioSelect,
            "risk_tier": forms.RadioSelect,
        }
        labels = {name: label for name, label in PROFILE_FIELD_NAMES.items()}
        error_messages = {
            name: {"required": f"Choose the project's {label.lower()}."}
            for name, label in PROFILE_FIELD_NAMES.items()
        }

    def __init__(self, *args: Any, optional: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.optional = optional
        criteria = {key: f"{label}: {RISK_TIER_CRITERIA[key]}" for key, label in RISK_TIERS.items()}
        for name, field in self.fields.items():
            assert isinstance(field, forms.ChoiceField)
            # Radio buttons need no empty "---------" choice; the risk tiers show their criteria.
            field.choices = [
                (value, criteria.get(value, label)) for value, label in PROFILE_FIELDS[name].items()
            ]
            field.required = not optional

    def clean(self) -> dict:
        cleaned = super().clean() or {}
        given = [name for name in PROFILE_FIELD_NAMES if cleaned.get(name)]
        if self.optional and given and len(given) < len(PROFILE_FIELD_NAMES):
            for name, label in PROFILE_FIELD_NAMES.items():
                if not cleaned.get(name) and name not in self.errors:
                    self.add_error(
                        name, f"Choose the project's {label.lower()}, or leave all four."
                    )
        return cleaned

    def profile(self) -> Profile | None:
        """The chosen profile; None when an optional form was left empty."""
        if not all(self.cleaned_data.get(name) for name in PROFILE_FIELD_NAMES):
            return None
        return Profile(**{name: self.cleaned_data[name] for name in PROFILE_FIELD_NAMES})
