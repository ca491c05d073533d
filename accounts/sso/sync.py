"""Synchronising a person's roles with the identity provider's groups, at every log-in.

The rule is `accounts.sso.mapping`; this applies it through `teams.people`, whose services
lock, check and audit each change (the actor is "the system"). Organisation-wide roles and
managed units remember what the provider granted on the identity (`SsoIdentity.granted`);
memberships carry their source on themselves. If taking the org admin role would leave the
organisation without one, the role stays (and stays the provider's, so a later log-in takes
it once someone else is an org admin), and the log-in's record says so.
"""

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError

from accounts.models import SsoGroupMapping, SsoIdentity
from accounts.sso.mapping import (
    ORG_ADMIN,
    Grants,
    GroupMapping,
    HeldMembership,
    grants_for,
    membership_changes,
    synced,
)
from teams.models import Membership, Team, Unit, UnitManager
from teams.people import membership_set, org_roles, role_set, unit_manager_set


def grants_get(*, groups: list[str]) -> Grants:
    """What `groups` grant through the mappings an org admin set (one query)."""
    rows = SsoGroupMapping.objects.filter(group__in=groups)
    mappings = [GroupMapping(row.group, row.grant, row.unit_id, row.team_id) for row in rows]
    return grants_for(groups, mappings)


def sso_roles_sync(*, user: User, identity: SsoIdentity, groups: list[str]) -> list[str]:
    """Give `user` what `groups` grant now and take away what they no longer grant; sets
    `identity.granted` (the caller saves the identity). Returns notes for the log-in's
    record: what could not be done, and why."""
    grants = grants_get(groups=groups)
    previous = identity.granted or {}
    notes: list[str] = []
    roles = _roles_sync(user, set(previous.get("roles", [])), grants, notes)
    units = _units_sync(user, set(previous.get("managed_units", [])), grants)
    _teams_sync(user, grants, notes)
    identity.granted = {"roles": sorted(roles), "managed_units": sorted(units)}
    return notes


def _roles_sync(user: User, previous: set[str], grants: Grants, notes: list[str]) -> set[str]:
    held = org_roles(user)
    plan = synced(held=held, previously_granted=previous, granted=grants.roles)
    if plan.after == held:
        return set(plan.granted)
    try:
        role_set(user=user, roles=plan.after, actor=None)
    except ValidationError as error:  # the last org admin: keep the role, say so
        role_set(user=user, roles=plan.after | {ORG_ADMIN}, actor=None)
        notes.append(f"Kept the org admin role: {' '.join(error.messages)}")
        return set(plan.granted | {ORG_ADMIN})
    return set(plan.granted)


def _units_sync(user: User, previous: set[int], grants: Grants) -> set[int]:
    held = set(UnitManager.objects.filter(user=user).values_list("unit_id", flat=True))
    plan = synced(held=held, previously_granted=previous, granted=grants.managed_units)
    if plan.after != held:
        unit_manager_set(user=user, units=Unit.objects.filter(pk__in=plan.after), actor=None)
    return set(plan.granted)


def _teams_sync(user: User, grants: Grants, notes: list[str]) -> None:
    held = {
        row.team_id: HeldMembership(role=row.role, source=row.source)
        for row in Membership.objects.filter(user=user)
    }
    changes = membership_changes(held=held, granted=grants.teams)
    if not changes:
        return
    teams = Team.objects.in_bulk(list(changes))
    for team_id, role in sorted(changes.items()):
        try:
            membership_set(
                user=user, team=teams[team_id], role=role, actor=None, source=Membership.Source.IDP
            )
        except ValidationError as error:  # an archived team takes no new members
            notes.append(f"Not added to {teams[team_id].name}: {' '.join(error.messages)}")
