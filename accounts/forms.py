from django import forms
from django.core.exceptions import ValidationError

from accounts.selectors import invitation_teams
from accounts.services import EMAIL_MAX_LENGTH, NAME_MAX_LENGTH, normalise_email, normalise_name
from teams.models import Membership


class InvitationForm(forms.Form):
    email = forms.CharField(
        label="E-mail address",
        max_length=EMAIL_MAX_LENGTH,
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    name = forms.CharField(
        label="Name",
        max_length=NAME_MAX_LENGTH,
        help_text="As the portal should show it, such as “Jane Doe”.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    team = forms.ModelChoiceField(
        label="Team (optional)",
        queryset=invitation_teams(),
        required=False,
        empty_label="No team yet",
    )
    role = forms.ChoiceField(
        label="Role in the team",
        choices=Membership.Role.choices,
        initial=Membership.Role.MEMBER,
        required=False,
    )

    def clean_email(self) -> str:
        return normalise_email(self.cleaned_data["email"])

    def clean_name(self) -> str:
        return normalise_name(self.cleaned_data["name"])

    def clean(self) -> dict:
        cleaned = super().clean() or {}
        if cleaned.get("team") is None:
            cleaned["role"] = ""
        elif not cleaned.get("role"):
            cleaned["role"] = Membership.Role.MEMBER.value
        return cleaned


class AcceptForm(forms.Form):
    """The password, twice; Django's validators run in the service, against the account."""

    password1 = forms.CharField(
        label="Choose a password",
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password", "autofocus": True}),
        help_text="At least 12 characters, not a common password, not all digits, and not "
        "like your name or e-mail address.",
    )
    password2 = forms.CharField(
        label="The same password again",
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict:
        cleaned = super().clean() or {}
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            raise ValidationError({"password2": "The two passwords differ: type the same twice."})
        return cleaned
