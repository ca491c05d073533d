"""Forms of the token pages and of the single sign-on settings page. They parse what was
typed; the rules (a name, an expiry within a year, scopes and their project or team, what a
group mapping needs) are the services' (`accounts.api_tokens`, `accounts.sso_mappings`),
whose errors the views show beside the field they name."""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils.formats import date_format

from accounts.api_tokens import NAME_MAX_LENGTH
from accounts.models import ApiToken, SsoGroupMapping
from accounts.sso_mappings import GROUP_MAX_LENGTH
from accounts.token_selectors import active_teams, active_units, expiry_bounds, token_projects
from teams.models import Project, Unit

DATE_FORMAT = "%Y-%m-%d"


def add_service_error(form: forms.Form, error: ValidationError) -> None:
    """Show a service's error beside the field it names, or above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        form.add_error(name if name in form.fields else None, errors)


class PersonalTokenForm(forms.Form):
    name = forms.CharField(
        label="Name",
        required=False,  # the service says what a name needs
        help_text="Where it is used, such as “Quarterly figures notebook”.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "maxlength": NAME_MAX_LENGTH}),
    )
    expires_on = forms.DateField(
        label="Expires on",
        input_formats=[DATE_FORMAT],
        error_messages={
            "required": "Choose an expiry date.",
            "invalid": "Give the date as year-month-day, such as 2031-03-31.",
        },
        widget=forms.DateInput(attrs={"type": "date"}, format=DATE_FORMAT),
    )

    def __init__(self, *args: object, today: datetime.date | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        default, latest = expiry_bounds(today)
        field = self.fields["expires_on"]
        field.initial = default
        field.widget.attrs.update({"max": latest.strftime(DATE_FORMAT)})
        field.help_text = f"At most one year: {date_format(latest, 'j F Y')} at the latest."
        self.latest = latest


class ProjectChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Project) -> str:
        return f"{obj.name} ({obj.team.name})"


class ServiceTokenForm(PersonalTokenForm):
    scopes = forms.MultipleChoiceField(
        label="Scopes",
        choices=ApiToken.Scope.choices,
        required=False,  # the service says which scopes it needs
        widget=forms.CheckboxSelectMultiple,
    )
    project = ProjectChoiceField(
        label="Project (for writing CI events)",
        queryset=token_projects(),
        required=False,
        empty_label="No project",
        error_messages={"invalid_choice": "That project no longer exists: reload the page."},
    )
    team = forms.ModelChoiceField(
        label="Or a team (all its projects)",
        queryset=active_teams(),
        required=False,
        empty_label="No team",
        error_messages={"invalid_choice": "That team no longer exists: reload the page."},
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["name"].help_text = "Where it is used, such as “Power BI dashboards”."


class UnitChoiceField(forms.ModelChoiceField):
    """Units labelled with the names from the top ("Data division / Platform")."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(queryset=active_units(), **kwargs)  # type: ignore[arg-type]
        self.labels: dict[int, str] = {}

    def label_from_instance(self, obj: Unit) -> str:
        return self.labels.get(obj.pk, obj.name)


class SsoMappingForm(forms.Form):
    group = forms.CharField(
        label="Group at the provider",
        required=False,  # the service says what a group needs
        help_text="Exactly as the provider sends it in the groups claim.",
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "maxlength": GROUP_MAX_LENGTH}
        ),
    )
    grant = forms.ChoiceField(
        label="Grants",
        choices=[("", "Choose…"), *SsoGroupMapping.Grant.choices],
        required=False,
    )
    unit = UnitChoiceField(
        label="Unit",
        help_text="For a unit manager.",
        required=False,
        empty_label="No unit",
        error_messages={"invalid_choice": "That unit no longer exists: reload the page."},
    )
    team = forms.ModelChoiceField(
        label="Team",
        help_text="For a team lead or member.",
        queryset=active_teams(),
        required=False,
        empty_label="No team",
        error_messages={"invalid_choice": "That team no longer exists: reload the page."},
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["unit"].labels = unit_labels()  # type: ignore[attr-defined]


def unit_labels() -> dict[int, str]:
    """Every unit's names from the top, in one query."""
    labels: dict[int, str] = {}
    for pk, parent, name in Unit.objects.order_by("depth").values_list("pk", "parent", "name"):
        labels[pk] = f"{labels[parent]} / {name}" if parent in labels else name
    return labels
