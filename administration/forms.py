"""Validation only. The rules (names unique by look, no unit under itself, the last org
admin stays) live in the services, which check them under locks when they write; a
service's ValidationError is shown beside the field it names (`add_service_error`).

Unit and team choices validate against every row but list only the sensible ones, so a
stale form (a unit archived or moved since the page loaded) reaches the service and gets
its message rather than a bare "Select a valid choice".
"""

from django import forms
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError

from administration.selectors import AuditFilters, Tree, audit_actors, audit_vocabulary
from assessments.rules.review import POLICIES
from assessments.services.review_policy import EXEMPTION_QUARTERS_MAX, EXEMPTION_QUARTERS_MIN
from teams.models import Membership, Team, Unit
from teams.people import ORG_ROLES

GONE = "That unit no longer exists: reload the page to see the organisation as it is now."
NO_ROLE = ""
NOWHERE = "none"


def add_service_error(form: forms.Form, error: ValidationError) -> None:
    """Show a service's error beside the field it names, or above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        form.add_error(name if name in form.fields else None, errors)


def _name_field(what: str) -> forms.CharField:
    return forms.CharField(
        label=f"{what} name",
        error_messages={"required": f"Give the {what.lower()} a name."},
        widget=forms.TextInput(attrs={"autocomplete": "off", "autofocus": True}),
    )


class PlaceField(forms.ModelChoiceField):
    """Where a unit or team goes: a unit, or NOWHERE (the top level; no unit for a team).

    NOWHERE is a choice of its own rather than the empty value, so a form whose choice has
    gone (the unit was archived, or moved below the one being moved) comes back with
    "Choose …" selected, never with the top level quietly chosen in its place.
    """

    def __init__(self, *, label: str) -> None:
        super().__init__(
            queryset=Unit.objects.all(),
            label=label,
            error_messages={"invalid_choice": GONE, "required": "Choose where it goes."},
        )

    def to_python(self, value: object) -> object:
        return NOWHERE if value == NOWHERE else super().to_python(value)

    def clean(self, value: object) -> Unit | None:
        place = super().clean(value)
        return None if place == NOWHERE else place


class _TreeForm(forms.Form):
    place_field = ""
    nowhere_label = ""

    def __init__(self, *args, tree: Tree, outside: Unit | None = None, **kwargs) -> None:
        place = kwargs.get("initial", {}).get(self.place_field, NOWHERE)
        kwargs["initial"] = {**kwargs.get("initial", {}), self.place_field: place or NOWHERE}
        super().__init__(*args, **kwargs)
        self.fields[self.place_field].choices = [  # type: ignore[attr-defined]
            ("", "— Choose —"),
            (NOWHERE, self.nowhere_label),
            *tree.choices(outside=outside),
        ]


class UnitCreateForm(_TreeForm):
    place_field, nowhere_label = "parent", "— Top level —"
    name = _name_field("Unit")
    parent = PlaceField(label="Where")


class RenameForm(forms.Form):
    name = forms.CharField(
        label="New name",
        error_messages={"required": "Give it a name."},
        widget=forms.TextInput(attrs={"autocomplete": "off", "autofocus": True}),
    )


class UnitMoveForm(_TreeForm):
    place_field, nowhere_label = "parent", "— Top level —"
    parent = PlaceField(label="Where to")


class TeamCreateForm(_TreeForm):
    place_field, nowhere_label = "unit", "— No unit —"
    name = _name_field("Team")
    unit = PlaceField(label="Unit")


class TeamMoveForm(_TreeForm):
    place_field, nowhere_label = "unit", "— No unit —"
    unit = PlaceField(label="Move to")


class PeopleSearchForm(forms.Form):
    q = forms.CharField(
        label="Search people",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Name, e-mail or username"}),
    )


class OrgRolesForm(forms.Form):
    roles = forms.MultipleChoiceField(
        label="Organisation roles",
        choices=list(ORG_ROLES.items()),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class TeamRoleForm(forms.Form):
    team = forms.ModelChoiceField(
        queryset=Team.objects.all(),
        error_messages={
            "required": "Choose a team.",
            "invalid_choice": "That team no longer exists: reload the page.",
        },
    )
    role = forms.ChoiceField(
        choices=[*Membership.Role.choices, (NO_ROLE, "No role: take out of the team")],
        required=False,
        initial=Membership.Role.MEMBER,
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        active = Team.objects.filter(archived_at__isnull=True).order_by("name")
        self.fields["team"].choices = [  # type: ignore[attr-defined]
            ("", "— Choose a team —"),
            *((team.pk, team.name) for team in active),
        ]


class UnitManagerForm(forms.Form):
    units = forms.ModelMultipleChoiceField(
        queryset=Unit.objects.all(),
        required=False,
        label="Manages",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": GONE, "invalid_pk_value": GONE},
    )

    def __init__(self, *args, tree: Tree, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["units"].choices = tree.labels()  # type: ignore[attr-defined]


class UnitReviewerForm(UnitManagerForm):
    """The units a person reviews; on the same page as the units they manage, so its
    checkboxes get ids of their own."""

    def __init__(self, *args, tree: Tree, **kwargs) -> None:
        kwargs.setdefault("auto_id", "id_reviews_%s")
        super().__init__(*args, tree=tree, **kwargs)
        self.fields["units"].label = "Reviews"


QUARTERS_RANGE = (
    f"Give a whole number of quarters from {EXEMPTION_QUARTERS_MIN} to {EXEMPTION_QUARTERS_MAX}."
)


class ReviewPolicyForm(forms.Form):
    rule = forms.ChoiceField(
        label="Which submissions wait for review",
        choices=list(POLICIES.items()),
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose which submissions wait for review.",
            "invalid_choice": "Choose which submissions wait for review: one of the four options.",
        },
    )
    count_awaiting_review = forms.BooleanField(
        label="Count submissions awaiting review in the figures", required=False
    )
    exemption_quarters = forms.IntegerField(
        label="An approved exemption lasts",
        min_value=EXEMPTION_QUARTERS_MIN,
        max_value=EXEMPTION_QUARTERS_MAX,
        widget=forms.NumberInput(attrs={"class": "quarters-input"}),
        error_messages={
            "required": QUARTERS_RANGE,
            "invalid": QUARTERS_RANGE,
            "min_value": QUARTERS_RANGE,
            "max_value": QUARTERS_RANGE,
        },
    )


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(required=False)
    actor = forms.ModelChoiceField(
        queryset=User.objects.none(), required=False, empty_label="Anyone"
    )
    target_type = forms.ChoiceField(required=False, label="Target type")
    since = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        vocabulary = audit_vocabulary()
        self.fields["action"].choices = [  # type: ignore[attr-defined]
            ("", "Any action"),
            *((action, action) for action in vocabulary["actions"]),
        ]
        self.fields["target_type"].choices = [  # type: ignore[attr-defined]
            ("", "Any target"),
            *((kind, kind) for kind in vocabulary["target_types"]),
        ]
        actor_field = self.fields["actor"]
        actor_field.queryset = audit_actors()  # type: ignore[attr-defined]
        actor_field.label_from_instance = lambda user: user.get_full_name() or user.username  # type: ignore[attr-defined]

    def clean(self) -> dict:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", "The end date comes before the start date.")
        return data

    def filters(self) -> AuditFilters:
        """The filters that are valid; an invalid one is shown as an error and left out."""
        data = getattr(self, "cleaned_data", {})
        return AuditFilters(
            action=data.get("action") or "",
            actor=data.get("actor"),
            target_type=data.get("target_type") or "",
            since=data.get("since"),
            until=data.get("until") if "until" not in self.errors else None,
        )
