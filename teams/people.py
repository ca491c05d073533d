"""Writes with rules for people: their roles, and whether they may log in at all.

Roles: lead or member of a team (`Membership`), manager of units (`UnitManager`), the
organisation-wide roles management and reviewer (auth groups) and org admin (`is_staff`).
Every write records an audit entry in the same transaction, with the roles before and
after (a write that changes nothing records nothing). None of them changes what a
dashboard aggregates (roles are read live on every request, never cached), so none bumps
the dashboards' generation.

Two rules keep the organisation runnable: nobody deactivates themselves, and the last
active org admin can be neither deactivated nor stripped of the role. The org admins' rows
are locked while either is checked, so two admins demoting each other at once cannot both
succeed.
"""

from collections.abc import Collection, Iterable
from importlib import import_module
from typing import Final

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import Group, User
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.access import MANAGEMENT_GROUP, REVIEWERS_GROUP, org_admin_users_q
from core.audit import audit_record
from teams.models import Membership, Team, Unit, UnitManager, UnitReviewer
from teams.units import unit_path_names

MANAGEMENT: Final = "management"
REVIEWER: Final = "reviewer"
ORG_ADMIN: Final = "org_admin"
# The organisation-wide roles, in the order pages list them, with their labels.
ORG_ROLES: Final = {MANAGEMENT: "Management", REVIEWER: "Reviewer", ORG_ADMIN: "Org admin"}
_GROUPS: Final = {MANAGEMENT: MANAGEMENT_GROUP, REVIEWER: REVIEWERS_GROUP}
# Why a membership cannot be changed from where it was asked, by where it was set.
_SOURCE_REFUSALS: Final[dict[str, str]] = {
    Membership.Source.IDP: (
        "{user}'s place in {team} comes from single sign-on (a group at the identity "
        "provider): change it there, or remove the group's mapping."
    ),
    Membership.Source.PORTAL: (
        "{user}'s place in {team} was set in the portal: single sign-on leaves it alone."
    ),
}


def person_label(user: User) -> str:
    return user.get_full_name() or user.get_username()


def org_roles(user: User) -> set[str]:
    """The organisation-wide roles `user` holds (a superuser counts as an org admin)."""
    names = set(user.groups.filter(name__in=_GROUPS.values()).values_list("name", flat=True))
    roles = {role for role, group in _GROUPS.items() if group in names}
    return roles | {ORG_ADMIN} if user.is_staff or user.is_superuser else roles


@transaction.atomic
def role_set(*, user: User, roles: Collection[str], actor: User | None) -> User:
    """Give `user` exactly the organisation-wide `roles` (management, reviewer, org_admin)."""
    unknown = set(roles) - ORG_ROLES.keys()
    if unknown:
        raise ValidationError(f"No such role: {', '.join(sorted(unknown))}.")
    user = _locked(user)
    before = org_roles(user)
    if ORG_ADMIN in before and ORG_ADMIN not in roles:
        _refuse_last_org_admin(user, "take the org admin role from")
    for role, group_name in _GROUPS.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        if role in roles:
            user.groups.add(group)
        else:
            user.groups.remove(group)
    # is_org_admin counts superusers too: taking the role away takes both flags.
    user.is_staff = ORG_ADMIN in roles
    user.is_superuser = user.is_superuser and user.is_staff
    user.save(update_fields=["is_staff", "is_superuser"])
    if set(roles) == before:
        return user
    audit_record(
        actor=actor,
        action="user.roles",
        target=user,
        before={role: role in before for role in ORG_ROLES},
        after={role: role in roles for role in ORG_ROLES},
    )
    return user


@transaction.atomic
def membership_set(
    *,
    user: User,
    team: Team,
    role: str | None,
    actor: User | None,
    source: str = Membership.Source.PORTAL,
) -> User:
    """Make `user` a lead or member of `team`, or (role None) take them out of it.

    A membership belongs to where it was set (`source`): one that comes from single sign-on
    (the identity provider's groups) is changed only by single sign-on's sync, which passes
    `source=Membership.Source.IDP`, and the sync never changes one set in the portal."""
    if role is not None and role not in Membership.Role.values:
        raise ValidationError({"role": f"No such team role: {role}."})
    user = _locked(user)
    team = Team.objects.select_for_update().get(pk=team.pk)
    held = Membership.objects.filter(user=user, team=team).first()
    if held is not None and held.source != source:
        raise ValidationError(
            {"team": _SOURCE_REFUSALS[held.source].format(user=person_label(user), team=team.name)}
        )
    if role is not None and team.archived_at is not None:
        raise ValidationError({"team": f"{team.name} is archived: it takes no new members."})
    before = _team_roles(user)
    if role is None:
        Membership.objects.filter(user=user, team=team).delete()
    else:
        Membership.objects.update_or_create(
            user=user, team=team, defaults={"role": role, "source": source}
        )
    after = _team_roles(user)
    if after != before:
        audit_record(
            actor=actor,
            action="user.team_role",
            target=user,
            before={"teams": before},
            after={"teams": after},
        )
    return user


@transaction.atomic
def unit_manager_set(*, user: User, units: Iterable[Unit], actor: User | None) -> User:
    """Make `user` the manager of exactly `units` (none: they manage no unit)."""
    return _unit_roles_set(UnitManager, "user.unit_manager", "manages", user, units, actor)


@transaction.atomic
def unit_reviewer_set(*, user: User, units: Iterable[Unit], actor: User | None) -> User:
    """Make `user` a reviewer of exactly `units` (none: they review no unit; the role
    "reviewer" makes them review the whole organisation)."""
    return _unit_roles_set(UnitReviewer, "user.unit_reviewer", "reviews", user, units, actor)


def _unit_roles_set[Role: (UnitManager, UnitReviewer)](
    role: type[Role],
    action: str,
    label: str,
    user: User,
    units: Iterable[Unit],
    actor: User | None,
) -> User:
    """Give `user` exactly `units` in a per-unit role, audited when that changes anything."""
    user = _locked(user)
    wanted = {unit.pk for unit in units}
    held = set(role.objects.filter(user=user).values_list("unit_id", flat=True))
    before = _units_held(role, user)
    role.objects.filter(user=user, unit_id__in=held - wanted).delete()
    role.objects.bulk_create([role(user=user, unit_id=pk) for pk in sorted(wanted - held)])
    after = _units_held(role, user)
    if after != before:
        audit_record(
            actor=actor, action=action, target=user, before={label: before}, after={label: after}
        )
    return user


@transaction.atomic
def user_deactivate(*, user: User, actor: User | None) -> User:
    """Stop `user` logging in, and end their sessions at once. Their answers, reports and
    audit entries stay theirs: nothing they did is deleted or handed to anyone else."""
    if actor is not None and actor.pk == user.pk:
        raise ValidationError("You cannot deactivate yourself: ask another org admin.")
    user = _locked(user)
    if not user.is_active:
        return user
    if user.is_staff or user.is_superuser:
        _refuse_last_org_admin(user, "deactivate")
    user.is_active = False
    user.save(update_fields=["is_active"])
    ended = sessions_end(user=user)
    audit_record(
        actor=actor,
        action="user.deactivate",
        target=user,
        before={"active": True},
        after={"active": False, "sessions_ended": ended},
    )
    return user


@transaction.atomic
def user_reactivate(*, user: User, actor: User | None) -> User:
    user = _locked(user)
    if user.is_active:
        return user
    user.is_active = True
    user.save(update_fields=["is_active"])
    audit_record(
        actor=actor,
        action="user.reactivate",
        target=user,
        before={"active": False},
        after={"active": True},
    )
    return user


def sessions_end(*, user: User) -> int:
    """Delete every stored session of `user`; their next request is asked to log in.

    Sessions are not indexed by user, so each unexpired one is decoded and its user read.
    Each is deleted through the configured session store, so a cached_db cache forgets it
    too. (With cache-only or cookie sessions there is no table to search: the is_active
    check of the authentication back-end still refuses the user on their next request.)
    """
    store = import_module(settings.SESSION_ENGINE).SessionStore
    user_id = str(user.pk)
    unexpired = Session.objects.filter(expire_date__gt=timezone.now()).iterator(chunk_size=500)
    keys = [s.session_key for s in unexpired if str(s.get_decoded().get(SESSION_KEY)) == user_id]
    for key in keys:
        store(session_key=key).delete()
    return len(keys)


def _locked(user: User) -> User:
    return User.objects.select_for_update().get(pk=user.pk)


def _refuse_last_org_admin(user: User, what: str) -> None:
    admins = list(
        User.objects.select_for_update().filter(org_admin_users_q()).values_list("pk", flat=True)
    )
    if not [pk for pk in admins if pk != user.pk]:
        raise ValidationError(
            f"{person_label(user)} is the last org admin: make someone else an org admin "
            f"before you {what} them."
        )


def _team_roles(user: User) -> list[str]:
    memberships = Membership.objects.filter(user=user).select_related("team")
    return sorted(f"{m.team.name} ({m.get_role_display().lower()})" for m in memberships)


def _units_held[Role: (UnitManager, UnitReviewer)](role: type[Role], user: User) -> list[str]:
    """Each unit by its path from the top: two units may share a name under two parents."""
    roles = role.objects.filter(user=user).select_related("unit")
    return sorted(" / ".join(unit_path_names(row.unit)) for row in roles)
