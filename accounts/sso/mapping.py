"""What the identity provider's groups grant in the portal, and what a log-in changes: pure
rules, no Django.

Group mappings (one group, one grant) turn the groups claim into grants: organisation-wide
roles, units to manage, and a role in each team (lead wins when two groups grant one team).

At every log-in the provider's grants are synchronised with what the person holds, by one
rule for roles and for managed units: what the provider grants is added; what the last
log-in granted and the provider no longer grants is taken away; what was set by hand (held,
and not granted by the last log-in) is never touched, even when the provider grants it too.
Team memberships carry where they came from, so their rule reads the membership itself: one
set in the portal is never changed; those from the provider follow its grants.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final

MANAGEMENT: Final = "management"
REVIEWER: Final = "reviewer"
ORG_ADMIN: Final = "org_admin"
UNIT_MANAGER: Final = "unit_manager"
TEAM_LEAD: Final = "team_lead"
TEAM_MEMBER: Final = "team_member"
ORG_ROLES: Final = frozenset({MANAGEMENT, REVIEWER, ORG_ADMIN})
# A team grant -> the membership role it gives; a lead outranks a member.
TEAM_ROLES: Final = {TEAM_LEAD: "lead", TEAM_MEMBER: "member"}
_RANK: Final = {"member": 1, "lead": 2}
FROM_PROVIDER: Final = "idp"  # a membership's source when single sign-on set it


@dataclass(frozen=True)
class GroupMapping:
    group: str
    grant: str
    unit_id: int | None = None
    team_id: int | None = None


@dataclass(frozen=True)
class Grants:
    roles: frozenset[str] = frozenset()
    managed_units: frozenset[int] = frozenset()
    teams: Mapping[int, str] = field(default_factory=dict)  # team id -> "lead" / "member"


@dataclass(frozen=True)
class HeldMembership:
    role: str
    source: str  # "portal" or FROM_PROVIDER


def groups_from_claim(value: object) -> list[str]:
    """The groups a claim lists: a list of names (or one name); anything else is no group."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple):
        return []
    return sorted({item.strip() for item in value if isinstance(item, str) and item.strip()})


def grants_for(groups: Iterable[str], mappings: Iterable[GroupMapping]) -> Grants:
    """What `groups` grant through `mappings`."""
    member_of = set(groups)
    roles: set[str] = set()
    units: set[int] = set()
    teams: dict[int, str] = {}
    for mapping in mappings:
        if mapping.group not in member_of:
            continue
        if mapping.grant in ORG_ROLES:
            roles.add(mapping.grant)
        elif mapping.grant == UNIT_MANAGER and mapping.unit_id is not None:
            units.add(mapping.unit_id)
        elif mapping.grant in TEAM_ROLES and mapping.team_id is not None:
            role = TEAM_ROLES[mapping.grant]
            if _RANK[role] > _RANK.get(teams.get(mapping.team_id, ""), 0):
                teams[mapping.team_id] = role
    return Grants(frozenset(roles), frozenset(units), teams)


@dataclass(frozen=True)
class Synced[T]:
    after: frozenset[T]  # what the person should hold
    granted: frozenset[T]  # what to remember as the provider's, for the next log-in


def synced[T](
    *, held: Iterable[T], previously_granted: Iterable[T], granted: Iterable[T]
) -> Synced[T]:
    """Roles or managed units after a log-in (the rule in the module's docstring)."""
    by_hand = frozenset(held) - frozenset(previously_granted)
    granted = frozenset(granted)
    return Synced(after=by_hand | granted, granted=granted - by_hand)


def membership_changes(
    *, held: Mapping[int, HeldMembership], granted: Mapping[int, str]
) -> dict[int, str | None]:
    """team id -> the role single sign-on should set (None: take them out of the team).

    Only memberships from the provider change; one set in the portal stays as it is, even
    when a group grants the same team."""
    changes: dict[int, str | None] = {}
    for team_id, role in granted.items():
        current = held.get(team_id)
        if current is None or (current.source == FROM_PROVIDER and current.role != role):
            changes[team_id] = role
    for team_id, current in held.items():
        if current.source == FROM_PROVIDER and team_id not in granted:
            changes[team_id] = None
    return changes
