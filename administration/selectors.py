"""Reads for the administration pages: the organisation's tree, people and their roles, who
reviews what, the audit log. A fixed number of queries each, whatever the size of the
organisation."""

import datetime
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from assessments.models import Assessment, Exemption
from core.access import MANAGEMENT_GROUP, REVIEWERS_GROUP, org_admin_users_q
from core.models import AuditEntry
from teams.models import Membership, Team, Unit, UnitManager, UnitReviewer
from teams.people import MANAGEMENT, ORG_ADMIN, ORG_ROLES, REVIEWER


@dataclass
class UnitNode:
    unit: Unit
    label: str  # the names from the top: "Data division / Platform"
    teams: list[Team] = field(default_factory=list)
    managers: list[User] = field(default_factory=list)
    children: list["UnitNode"] = field(default_factory=list)


@dataclass
class Tree:
    roots: list[UnitNode]
    unplaced_teams: list[Team]  # teams in no unit
    nodes: dict[int, UnitNode]  # by unit id

    def choices(self, *, outside: Unit | None = None) -> list[tuple[int, str]]:
        """Active units as (id, path of names), in tree order; `outside`'s subtree left out."""
        return [
            (node.unit.pk, node.label)
            for node in self._walk(self.roots)
            if not node.unit.is_archived
            and not (outside is not None and node.unit.path.startswith(outside.path))
        ]

    def labels(self) -> list[tuple[int, str]]:
        """Every unit, archived ones marked, in tree order."""
        return [
            (node.unit.pk, node.label + (" (archived)" if node.unit.is_archived else ""))
            for node in self._walk(self.roots)
        ]

    def in_order(self) -> list[UnitNode]:
        return list(self._walk(self.roots))

    def _walk(self, nodes: list[UnitNode]):
        for node in nodes:
            yield node
            yield from self._walk(node.children)


def unit_tree() -> Tree:
    """Every unit with its teams and managers, siblings by name (three queries)."""
    units = list(Unit.objects.order_by("depth"))
    teams = list(Team.objects.order_by("name"))
    roles = UnitManager.objects.select_related("user").order_by("user__first_name", "user__pk")
    nodes: dict[int, UnitNode] = {}
    roots: list[UnitNode] = []
    for unit in units:  # parents before children: ordered by depth
        parent = nodes.get(unit.parent_id) if unit.parent_id else None
        label = f"{parent.label} / {unit.name}" if parent else unit.name
        nodes[unit.pk] = UnitNode(unit=unit, label=label)
        (parent.children if parent else roots).append(nodes[unit.pk])
    for node in nodes.values():
        node.children.sort(key=lambda child: child.unit.name.casefold())
    roots.sort(key=lambda node: node.unit.name.casefold())
    for role in roles:
        nodes[role.unit_id].managers.append(role.user)
    unplaced: list[Team] = []
    for team in teams:
        home = nodes.get(team.unit_id) if team.unit_id else None
        (home.teams if home else unplaced).append(team)
    return Tree(roots=roots, unplaced_teams=unplaced, nodes=nodes)


def overview_figures() -> dict[str, object]:
    week_ago = timezone.now() - datetime.timedelta(days=7)
    people = User.objects.aggregate(
        active=Count("pk", filter=Q(is_active=True)),
        inactive=Count("pk", filter=Q(is_active=False)),
    )
    return {
        "unit_count": Unit.objects.filter(archived_at__isnull=True).count(),
        "team_count": Team.objects.filter(archived_at__isnull=True).count(),
        "people_count": people["active"],
        "deactivated_count": people["inactive"],
        "recent_count": AuditEntry.objects.filter(at__gte=week_ago).count(),
        "recent": list(AuditEntry.objects.order_by("-at", "-pk")[:5]),
    }


def people_search(*, query: str = "") -> QuerySet[User]:
    """People whose name, e-mail or username contains `query` (every word of it), with the
    relations their roles are read from prefetched."""
    people = User.objects.all()
    for word in query.split()[:8]:
        people = people.filter(
            Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(email__icontains=word)
            | Q(username__icontains=word)
        )
    return people.order_by("first_name", "last_name", "username").prefetch_related(
        Prefetch("memberships", Membership.objects.select_related("team").order_by("team__name")),
        Prefetch("unit_roles", UnitManager.objects.select_related("unit").order_by("unit__name")),
        "groups",
    )


def roles_of(user: User) -> list[str]:
    """The organisation-wide roles' labels, from prefetched groups (no query)."""
    groups = {group.name for group in user.groups.all()}
    held = {
        MANAGEMENT: MANAGEMENT_GROUP in groups,
        REVIEWER: REVIEWERS_GROUP in groups,
        ORG_ADMIN: user.is_staff or user.is_superuser,
    }
    return [label for role, label in ORG_ROLES.items() if held[role]]


def org_admin_count() -> int:
    return User.objects.filter(org_admin_users_q()).count()


# --- Who reviews ------------------------------------------------------------------------------


@dataclass
class ReviewScope:
    """The organisation (unit None) or one unit's subtree, its reviewers and what waits there."""

    unit: Unit | None
    label: str
    reviewers: list[User] = field(default_factory=list)
    submissions: int = 0
    exemptions: int = 0


@dataclass(frozen=True)
class ReviewersOverview:
    organisation: ReviewScope
    units: list[ReviewScope]  # the units with reviewers, in tree order
    submissions: int  # awaiting review in the whole organisation
    exemptions: int  # requests awaiting a reviewer's decision
    unreviewable: int  # submissions awaiting review that none of the reviewers may review

    @property
    def scopes(self) -> list[ReviewScope]:
        return [self.organisation, *self.units]


def _waiting() -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """(team id, unit path) of each submission awaiting review, and of each exemption request
    waiting in one; archived projects' too, since a reviewer can still decide them."""
    pending = Assessment.objects.filter(
        status=Assessment.Status.SUBMITTED, review_status=Assessment.Review.PENDING
    )
    submissions = pending.values_list("project__team_id", "project__team__unit__path")
    exemptions = Exemption.objects.filter(
        status=Exemption.Status.REQUESTED, assessment__in=pending
    ).values_list("project__team_id", "project__team__unit__path")
    return [(t, p or "") for t, p in submissions], [(t, p or "") for t, p in exemptions]


def reviewers_overview(*, tree: Tree) -> ReviewersOverview:
    """Who reviews the whole organisation and who each unit, with what waits in each scope
    (five queries, whatever the size of the organisation)."""
    org_reviewers = list(
        User.objects.filter(is_active=True, groups__name=REVIEWERS_GROUP).order_by(
            "first_name", "last_name", "username"
        )
    )
    roles = UnitReviewer.objects.filter(user__is_active=True, unit__archived_at__isnull=True)
    by_unit: dict[int, list[User]] = {}
    for role in roles.select_related("user").order_by("user__first_name", "user__username"):
        by_unit.setdefault(role.unit_id, []).append(role.user)
    submissions, exemptions = _waiting()
    organisation = ReviewScope(
        unit=None,
        label="The whole organisation",
        reviewers=org_reviewers,
        submissions=len(submissions),
        exemptions=len(exemptions),
    )
    units = [
        ReviewScope(
            unit=node.unit,
            label=node.label,
            reviewers=by_unit[node.unit.pk],
            submissions=sum(1 for _, path in submissions if path.startswith(node.unit.path)),
            exemptions=sum(1 for _, path in exemptions if path.startswith(node.unit.path)),
        )
        for node in tree.in_order()
        if node.unit.pk in by_unit
    ]
    return ReviewersOverview(
        organisation=organisation,
        units=units,
        submissions=len(submissions),
        exemptions=len(exemptions),
        unreviewable=_unreviewable(submissions, organisation, units),
    )


def _unreviewable(
    submissions: list[tuple[int, str]], organisation: ReviewScope, units: list[ReviewScope]
) -> int:
    """Submissions no reviewer may review: outside every reviewer's scope, or only in the
    scope of reviewers who are in the team (who never review their own team's)."""
    reviewers = {user.pk for scope in [organisation, *units] for user in scope.reviewers}
    teams_of: dict[int, set[int]] = {}
    for user_id, team_id in Membership.objects.filter(user_id__in=reviewers).values_list(
        "user_id", "team_id"
    ):
        teams_of.setdefault(user_id, set()).add(team_id)

    def reviewable(team_id: int, path: str) -> bool:
        scopes = [organisation] + [
            s for s in units if s.unit is not None and path.startswith(s.unit.path)
        ]
        return any(
            team_id not in teams_of.get(user.pk, set())
            for scope in scopes
            for user in scope.reviewers
        )

    return sum(1 for team_id, path in submissions if not reviewable(team_id, path))


@dataclass(frozen=True)
class AuditFilters:
    action: str = ""
    actor: User | None = None
    target_type: str = ""
    since: datetime.date | None = None
    until: datetime.date | None = None


def audit_entries(*, filters: AuditFilters) -> QuerySet[AuditEntry]:
    """The audit log, newest first, narrowed by the filters that are set."""
    entries = AuditEntry.objects.all()
    if filters.action:
        entries = entries.filter(action=filters.action)
    if filters.actor is not None:
        entries = entries.filter(actor=filters.actor)
    if filters.target_type:
        entries = entries.filter(target_type=filters.target_type)
    if filters.since is not None:
        entries = entries.filter(at__date__gte=filters.since)
    if filters.until is not None:
        entries = entries.filter(at__date__lte=filters.until)
    return entries.order_by("-at", "-pk")


def audit_vocabulary() -> dict[str, list[str]]:
    """The actions and target types the log holds, for the filters' choices."""
    entries = AuditEntry.objects.order_by()
    return {
        "actions": sorted(set(entries.values_list("action", flat=True).distinct())),
        "target_types": sorted(set(entries.values_list("target_type", flat=True).distinct())),
    }


def audit_actors() -> QuerySet[User]:
    return User.objects.filter(pk__in=AuditEntry.objects.values("actor_id")).order_by(
        "first_name", "username"
    )


def audit_changes(entry: AuditEntry) -> list[tuple[str, str, str]]:
    """(field, before, after) as text, for each field the entry changed, by field name."""
    before = entry.before if isinstance(entry.before, dict) else {}
    after = entry.after if isinstance(entry.after, dict) else {}
    return [
        (str(key), _shown(before.get(key)), _shown(after.get(key)))
        for key in sorted(before.keys() | after.keys())
    ]


def _shown(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "none"
    return str(value)
