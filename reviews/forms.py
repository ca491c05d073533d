"""The review page's form: a decision, a summary, a comment per practice questioned and a
decision on each exemption requested. Its fields follow the submission's practices, so a
posted key the submission does not have is refused rather than ignored."""

from collections.abc import Sequence

from django import forms
from django.core.exceptions import ValidationError

from reviews.services.reviews import COMMENT_MAX_LENGTH, ExemptionDecision, ReviewInput

ACCEPT = "accept"
RETURN = "return"
APPROVE = "approve"
DECLINE = "decline"
NOTE_MAX_LENGTH = 1000
COMMENT_PREFIX = "comment-"
EXEMPTION_PREFIX = "exemption-"
NOTE_PREFIX = "exemption-note-"


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[(ACCEPT, "Accept"), (RETURN, "Return with comments")],
        error_messages={
            "required": "Choose Accept or Return with comments.",
            "invalid_choice": "Choose Accept or Return with comments.",
        },
    )
    summary = forms.CharField(
        required=False,
        max_length=COMMENT_MAX_LENGTH,
        error_messages={"max_length": f"Keep the summary to {COMMENT_MAX_LENGTH} characters."},
    )

    def __init__(
        self,
        data: object = None,
        *,
        practice_keys: Sequence[str],
        exemption_keys: Sequence[str],
    ) -> None:
        super().__init__(data)  # type: ignore[arg-type]
        self.practice_keys = list(practice_keys)
        self.exemption_keys = list(exemption_keys)
        too_long = f"Keep each comment to {COMMENT_MAX_LENGTH} characters."
        for key in self.practice_keys:
            self.fields[COMMENT_PREFIX + key] = forms.CharField(
                required=False,
                max_length=COMMENT_MAX_LENGTH,
                error_messages={"max_length": too_long},
            )
        for key in self.exemption_keys:
            self.fields[EXEMPTION_PREFIX + key] = forms.ChoiceField(
                choices=[(APPROVE, "Approve"), (DECLINE, "Decline")],
                error_messages={
                    "required": "Approve or decline this exemption.",
                    "invalid_choice": "Approve or decline this exemption.",
                },
            )
            self.fields[NOTE_PREFIX + key] = forms.CharField(
                required=False,
                max_length=NOTE_MAX_LENGTH,
                error_messages={"max_length": f"Keep the note to {NOTE_MAX_LENGTH} characters."},
            )

    def clean(self) -> dict:
        data = super().clean() or {}
        unknown = sorted(
            {_practice_key(name) for name in self.data if _practice_key(name)}
            - set(self.practice_keys)
        )
        if unknown:
            shown = ", ".join(key[:60] for key in unknown[:3])
            raise ValidationError(f"This assessment has no practice called {shown}.")
        requested = set(self.exemption_keys)
        stray = sorted(
            {
                _practice_key(name)
                for name in self.data
                if name.startswith(EXEMPTION_PREFIX) and _practice_key(name) not in requested
            }
        )
        if stray:
            shown = ", ".join(key[:60] for key in stray[:3])
            raise ValidationError(f"No exemption was requested for {shown} in this assessment.")
        if data.get("decision") == ACCEPT and self.comments():
            count = len(self.comments())
            raise ValidationError(
                f"You wrote {count} comment{'s' if count != 1 else ''} on practices, and "
                "accepting would not send them. Return the assessment with your comments, "
                f"or clear {'them' if count != 1 else 'it'} to accept."
            )
        return data

    def comments(self) -> dict[str, str]:
        data = getattr(self, "cleaned_data", {})
        return {
            key: data[COMMENT_PREFIX + key]
            for key in self.practice_keys
            if data.get(COMMENT_PREFIX + key, "").strip()
        }

    def review_input(self) -> ReviewInput:
        """What the reviewer decided, for `review_accept` or `review_return`."""
        data = self.cleaned_data
        return ReviewInput(
            summary=data["summary"],
            comments=self.comments(),
            exemptions={
                key: ExemptionDecision(
                    approve=data[EXEMPTION_PREFIX + key] == APPROVE,
                    note=data[NOTE_PREFIX + key],
                )
                for key in self.exemption_keys
            },
        )

    @property
    def returns(self) -> bool:
        return self.cleaned_data.get("decision") == RETURN


def _practice_key(name: str) -> str:
    """The practice a posted field is about ("" for the fields every form has)."""
    for prefix in (NOTE_PREFIX, EXEMPTION_PREFIX, COMMENT_PREFIX):
        if name.startswith(prefix):
            return name.removeprefix(prefix)
    return ""
