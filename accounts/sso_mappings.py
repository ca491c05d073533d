"""Writes for single sign-on's group mappings: add one, remove one. Each is audited in the
same transaction as its change.

A mapping says what one IdP group grants: an organisation-wide role (management, reviewer,
org admin) on its own, the management of one unit, or a role (lead, member) in one team.
The service refuses what does not fit, field by field, with a message an admin can act on,
and refuses a mapping that already exists; the database's constraints back both rules.
"""

from typing import Final

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.models import SsoGroupMapping
from core.audit import audit_record
from core.text import normalise_line
from teams.models import Team, Unit

GROUP_MAX_LENGTH: Final = 200
Grant = SsoGroupMapping.Grant
ORGANISATION_WIDE: Final = frozenset({Grant.MANAGEMENT, Grant.REVIEWER, Grant.ORG_ADMIN})
IN_A_TEAM: Final = frozenset({Grant.TEAM_LEAD, Grant.TEAM_MEMBER})


def sso_mapping_add(
    *,
    group: str,
    grant: str,
    actor: User,
    unit: Unit | None = None,
    team: Team | None = None,
) -> SsoGroupMapping:
    """Map the IdP group `group` to `grant` (with its unit or team)."""
    group = normalise_line(group)
    _check(group=group, grant=grant, unit=unit, team=team)
    mapping = SsoGroupMapping(group=group, grant=grant, unit=unit, team=team)
    try:
        with transaction.atomic():
            mapping.save()
            audit_record(
                actor=actor,
                action="sso_mapping.add",
                target=mapping,
                after=_fields(mapping),
            )
    except IntegrityError as error:  # the same mapping added a moment ago
        raise ValidationError({"group": _duplicate(mapping)}) from error
    return mapping


def sso_mapping_remove(*, mapping: SsoGroupMapping, actor: User) -> None:
    """Remove the mapping: from the next log-in on, the group no longer grants it (what the
    last log-ins granted is taken back then, for the people who log in)."""
    with transaction.atomic():
        locked = SsoGroupMapping.objects.select_for_update().filter(pk=mapping.pk).first()
        if locked is None:  # removed a moment ago
            return
        audit_record(
            actor=actor, action="sso_mapping.remove", target=locked, before=_fields(locked)
        )
        locked.delete()


def _check(*, group: str, grant: str, unit: Unit | None, team: Team | None) -> None:
    errors: dict[str, str] = {}
    if not group:
        errors["group"] = "Give the group's name exactly as the provider sends it."
    elif len(group) > GROUP_MAX_LENGTH:
        errors["group"] = f"Keep the group's name to {GROUP_MAX_LENGTH} characters."
    if grant not in Grant.values:
        errors["grant"] = "Choose what the group grants."
    elif grant in ORGANISATION_WIDE:
        label = Grant(grant).label
        if unit is not None:
            errors["unit"] = f"{label} applies to the whole organisation: leave the unit empty."
        if team is not None:
            errors["team"] = f"{label} applies to the whole organisation: leave the team empty."
    elif grant == Grant.UNIT_MANAGER:
        if unit is None:
            errors["unit"] = "Choose the unit the group's members manage."
        elif unit.archived_at is not None:
            errors["unit"] = f"{unit.name} is archived: choose an active unit."
        if team is not None:
            errors["team"] = "A unit manager manages a unit, not a team: leave the team empty."
    else:  # a role in a team
        if team is None:
            errors["team"] = (
                "Choose the team the group's members lead."
                if grant == Grant.TEAM_LEAD
                else "Choose the team the group's members belong to."
            )
        elif team.archived_at is not None:
            errors["team"] = f"{team.name} is archived: it takes no new members."
        if unit is not None:
            errors["unit"] = "A team role is for one team: leave the unit empty."
    if errors:
        raise ValidationError(errors)
    mapping = SsoGroupMapping(group=group, grant=grant, unit=unit, team=team)
    if SsoGroupMapping.objects.filter(group=group, grant=grant, unit=unit, team=team).exists():
        raise ValidationError({"group": _duplicate(mapping)})


def _duplicate(mapping: SsoGroupMapping) -> str:
    return f"This mapping exists already: {_grants(mapping)}."


def _grants(mapping: SsoGroupMapping) -> str:
    target = mapping.team or mapping.unit
    label = Grant(mapping.grant).label
    what = f"{label} of {target.name}" if target is not None else label
    return f"“{mapping.group}” grants {what}"


def _fields(mapping: SsoGroupMapping) -> dict[str, object]:
    return {
        "group": mapping.group,
        "grant": mapping.grant,
        "unit": mapping.unit.name if mapping.unit else None,
        "team": mapping.team.name if mapping.team else None,
    }
