"""The MLflow connection form. Validation only: the service (evidence.services.connections)
checks every rule, with clear messages beside the fields.

The token field never shows a token: it is a password input that renders no value, not
when the page opens and not when a refused form comes back. Left blank it keeps the stored
token; "Remove the stored token" removes it.
"""

from typing import Any

from django import forms

from evidence.models import MlflowConnection

NAMES_HELP = "One per line, exactly as MLflow spells it."
TOKEN_STORED = "A token is stored: leave blank to keep it."
NO_TOKEN = "Only if the server asks for one. It is stored encrypted and never shown again."
BOTH = "Either enter a new token or remove the stored one, not both."


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


class MlflowConnectionForm(forms.Form):
    tracking_url = forms.CharField(
        label="Tracking server address",
        widget=forms.URLInput(attrs={"placeholder": "https://mlflow.example.com"}),
        error_messages={"required": "Give the address of the MLflow tracking server."},
    )
    experiment_names = forms.CharField(
        label="Experiment names",
        required=False,
        strip=False,
        help_text=NAMES_HELP,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    model_names = forms.CharField(
        label="Registered model names",
        required=False,
        strip=False,
        help_text=NAMES_HELP,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    production_alias = forms.CharField(
        label="Production alias",
        initial="production",
        help_text="The registered models' alias that marks the version in production.",
        error_messages={"required": "Give the alias that marks production, e.g. production."},
    )
    token = forms.CharField(
        label="Token",
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )
    remove_token = forms.BooleanField(label="Remove the stored token", required=False)

    def __init__(
        self, *args: Any, connection: MlflowConnection | None = None, **kwargs: Any
    ) -> None:
        if connection is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "tracking_url": connection.tracking_url,
                "experiment_names": "\n".join(connection.experiment_names),
                "model_names": "\n".join(connection.model_names),
                "production_alias": connection.production_alias,
            }
        super().__init__(*args, **kwargs)
        self.has_token = connection is not None and connection.has_token
        self.fields["token"].help_text = TOKEN_STORED if self.has_token else NO_TOKEN
        if not self.has_token:
            del self.fields["remove_token"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("token") and cleaned.get("remove_token"):
            self.add_error("token", BOTH)
        return cleaned

    def connection_fields(self) -> dict[str, Any]:
        """The service's arguments: names as lists; the token None (keep), "" (remove) or
        the new one."""
        data = self.cleaned_data
        token: str | None = data.get("token") or None
        if data.get("remove_token"):
            token = ""
        return {
            "tracking_url": data["tracking_url"],
            "experiment_names": _lines(data.get("experiment_names", "")),
            "model_names": _lines(data.get("model_names", "")),
            "production_alias": data["production_alias"],
            "token": token,
        }
