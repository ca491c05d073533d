"""Who may do what, in one place: each role predicate, and its `Q` twin for querysets.

A predicate answers for one object in hand; its twin filters a queryset by the same rule,
so a list and a detail page can never disagree. Selectors call these to authorise once per
request. Nothing here imports a domain model: roles are read through the user's relations.

Roles: org admins (staff) run the organisation and see everything; management (the group
"Management") reads everything; a unit's managers read everything in the unit's subtree,
as management reads the organisation; reviewers (the group "Reviewers" for the whole
organisation, or a unit's reviewers for its subtree) review the submissions there, never
their own team's; a team's leads manage its projects and submit its assessments; its
members read them and draft answers; everyone else sees nothing of it.
"""

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Q

MANAGEMENT_GROUP = "Management"
REVIEWERS_GROUP = "Reviewers"
LEAD = "lead"
MEMBER = "member"

type AnyUser = User | AnonymousUser


def is_org_admin(user: AnyUser) -> bool:
    return user.is_authenticated and user.is_active and (user.is_staff or user.is_superuser)


def org_admin_users_q() -> Q:
    return Q(is_active=True) & (Q(is_staff=True) | Q(is_superuser=True))


def is_management(user: AnyUser) -> bool:
    """Management and org admins read everything in the organisation."""
    if not user.is_authenticated or not user.is_active:
        return False
    if is_org_admin(user):
        return True
    return MANAGEMENT_GROUP in _group_roles(user)[0]


def _group_roles(user: User) -> tuple[frozenset[str], tuple[str, ...]]:
    """The user's organisation-wide groups (management, reviewers) and the paths of the
    active units they review, in one query, read once per request: every page's navigation
    asks both."""
    cached = getattr(user, "_group_roles", None)
    if cached is None:
        rows = (
            user.groups.filter(name__in=[MANAGEMENT_GROUP, REVIEWERS_GROUP])
            .values_list("name")
            .union(
                user.review_roles.filter(unit__archived_at__isnull=True).values_list("unit__path"),
                all=True,
            )
        )
        found = [row[0] for row in rows]
        # A unit's path is "/3/7/": it never reads as a group's name.
        groups = frozenset(name for name in found if not name.startswith("/"))
        cached = (groups, tuple(path for path in found if path.startswith("/")))
        user._group_roles = cached  # type: ignore[attr-defined]
    return cached


def management_users_q() -> Q:
    return org_admin_users_q() | Q(is_active=True, groups__name=MANAGEMENT_GROUP)


def managed_unit_paths(user: AnyUser) -> tuple[str, ...]:
    """The paths of the (active) units the user manages; read once per request."""
    if not user.is_authenticated or not user.is_active:
        return ()
    cached = getattr(user, "_managed_unit_paths", None)
    if cached is None:
        cached = tuple(
            user.unit_roles.filter(unit__archived_at__isnull=True).values_list(
                "unit__path", flat=True
            )
        )
        user._managed_unit_paths = cached  # type: ignore[attr-defined]
    return cached


def is_unit_manager(user: AnyUser) -> bool:
    return bool(managed_unit_paths(user))


def manages_unit_path(user: AnyUser, unit_path: str | None) -> bool:
    """Whether a unit at `unit_path` lies in a subtree the user manages."""
    return bool(unit_path) and any(
        str(unit_path).startswith(path) for path in managed_unit_paths(user)
    )


def in_units_q(paths: tuple[str, ...], *, unit: str = "") -> Q:
    """Rows whose unit lies below one of `paths`; `unit` is the lookup path to the unit."""
    if not paths:
        return Q(pk__in=[])
    matches = Q()
    for path in paths:
        matches |= Q(**{f"{unit}path__startswith": path})
    return matches


def team_role(user: AnyUser, team_id: int) -> str | None:
    """The user's role in the team ("lead" or "member"), or None."""
    if not user.is_authenticated:
        return None
    return user.memberships.filter(team_id=team_id).values_list("role", flat=True).first()


def can_view_team(user: AnyUser, team_id: int) -> bool:
    return is_management(user) or team_role(user, team_id) is not None


def visible_teams_q(user: AnyUser, *, team: str = "") -> Q:
    """Rows whose team the user may read; `team` is the lookup path to the team
    ("" on teams, "team__" on projects, "project__team__" on assessments)."""
    if is_management(user):
        return Q()
    if not user.is_authenticated:
        return Q(pk__in=[])
    # A subquery, not a join: a team with many members must not come back once per member.
    mine = Q(**{f"{team}pk__in": user.memberships.values("team_id")})
    paths = managed_unit_paths(user)
    return mine | in_units_q(paths, unit=f"{team}unit__") if paths else mine


def can_manage_team(user: AnyUser, team_id: int) -> bool:
    """Leads manage their team's projects and assessments; org admins manage all."""
    return is_org_admin(user) or team_role(user, team_id) == LEAD


def managed_teams_q(user: AnyUser, *, team: str = "") -> Q:
    if is_org_admin(user):
        return Q()
    if not user.is_authenticated:
        return Q(pk__in=[])
    return Q(**{f"{team}memberships__user": user, f"{team}memberships__role": LEAD})


def can_draft_answers(user: AnyUser, role: str | None) -> bool:
    """Members draft answers, leads too; org admins may help any team."""
    return role is not None or is_org_admin(user)


def can_submit(user: AnyUser, role: str | None) -> bool:
    return role == LEAD or is_org_admin(user)


def is_org_reviewer(user: AnyUser) -> bool:
    """A reviewer of the whole organisation (the group "Reviewers")."""
    if not user.is_authenticated or not user.is_active:
        return False
    return REVIEWERS_GROUP in _group_roles(user)[0]


def reviewed_unit_paths(user: AnyUser) -> tuple[str, ...]:
    """The paths of the (active) units whose assessments the user reviews."""
    if not user.is_authenticated or not user.is_active:
        return ()
    return _group_roles(user)[1]


def is_reviewer(user: AnyUser) -> bool:
    return is_org_reviewer(user) or bool(reviewed_unit_paths(user))


def reviews_team(user: AnyUser, *, team_id: int, unit_path: str | None) -> bool:
    """Whether the user may review the team's assessments: a reviewer whose scope holds the
    team, and never a member or lead of the team itself (separation of duties)."""
    if not is_reviewer(user):
        return False
    if team_role(user, team_id) is not None:
        return False
    if is_org_reviewer(user):
        return True
    return bool(unit_path) and any(
        str(unit_path).startswith(path) for path in reviewed_unit_paths(user)
    )


def reviewable_teams_q(user: AnyUser, *, team: str = "") -> Q:
    """The `Q` twin of `reviews_team`; `team` is the lookup path to the team."""
    if not is_reviewer(user) or isinstance(user, AnonymousUser):
        return Q(pk__in=[])
    own = Q(**{f"{team}pk__in": user.memberships.values("team_id")})
    if is_org_reviewer(user):
        return ~own
    return in_units_q(reviewed_unit_paths(user), unit=f"{team}unit__") & ~own
