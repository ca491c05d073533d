from django import forms
from django.core.validators import URLValidator

from assessments.models import Answer
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
