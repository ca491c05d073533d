"""The dashboards' Targets card: how the projects the filters keep stand against their
targets, the projects behind, and how many are behind in each row of the units compared.

Targets are judged today on each project's latest submitted assessment (the rules are
improvement.target_rules'), whatever the quarter the dashboard shows: a target is about
where a project is now and where it will be by its date. The counts are read from the
stored target phases, which say how each project stands on any day; the projects listed
are judged afresh. The projects are the active ones (not archived, in an active team) that
the unit, team and stage filters keep. Cached under the dashboards' generation and the day.
"""

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, FilteredRelation, Q
from django.db.models.functions import Lower
from django.utils import timezone

from core.access import in_units_q
from core.cache import cached
from improvement.models import TargetPhase
from improvement.selectors.targets import ProjectTarget, TargetCounts, project_targets
from insights.selectors import units
from insights.shapes import LIST_LIMIT, DashboardChoices, DashboardFilters
from teams.models import Project


@dataclass(frozen=True)
class DashboardTargets:
    counts: TargetCounts
    behind: list[ProjectTarget]  # the first LIST_LIMIT, overdue first, then the widest gap
    behind_total: int
    # Rows of the units compared (by their address) -> how many of their projects are behind.
    behind_by_row: dict[str, int] = field(default_factory=dict)


def projects_q(filters: DashboardFilters) -> Q:
    """The projects the dashboard's filters keep: as insights.selectors.common.scope_q
    keeps their records, for Project rows."""
    scope = in_units_q(filters.within, unit="team__unit__") if filters.within else Q()
    if filters.unit is not None and filters.unit.is_no_unit:
        scope &= Q(team__unit__isnull=True)
    elif filters.unit is not None:
        scope &= Q(team__unit__path__startswith=filters.unit.path)
    if filters.team is not None:
        scope &= Q(team_id=filters.team.pk)
    if filters.stage:
        scope &= Q(stage=filters.stage)
    return scope & Q(archived_at__isnull=True, team__archived_at__isnull=True)


def dashboard_targets(
    *,
    filters: DashboardFilters,
    choices: DashboardChoices,
    generation: str,
    today: datetime.date | None = None,
) -> DashboardTargets:
    """The Targets card for the filters: counted in SQL from the stored target phases
    (improvement.services.target_phases) on `today`, whatever the number of projects, and
    the few projects listed judged afresh (eight queries, nine with dimension targets; none
    from the cache)."""
    today = today or timezone.localdate()

    def compute() -> DashboardTargets:
        scope = Project.objects.filter(projects_q(filters))
        # Every project in scope, with its phase on the day if it has a target (one query).
        phase = FilteredRelation(
            "target_phases", condition=_on_the_day(today, prefix="target_phases__")
        )
        tally = {
            (row["phase__status"], row["phase__overdue"]): row["projects"]
            for row in scope.annotate(phase=phase)
            .values("phase__status", "phase__overdue")
            .annotate(projects=Count("pk"))
            .order_by()
        }
        counts = _counts(tally)
        behind_rows = TargetPhase.objects.filter(
            _on_the_day(today), project__in=scope.values("pk"), status=TargetPhase.Status.BEHIND
        )
        listed = list(
            behind_rows.order_by(
                "-overdue", "-gap_points", Lower("project__name"), "project__team__name", "pk"
            ).values_list("project_id", flat=True)[:LIST_LIMIT]
        )
        judged = project_targets(projects=listed, today=today)
        rows = units.drill_rows(filters, choices)
        row_of = units.rows_of_teams(rows, choices.teams)
        by_row: Counter[str] = Counter()
        for team_id, behind in behind_rows.values_list("project__team_id").annotate(
            projects=Count("pk")
        ):
            if team_id in row_of:
                by_row[row_of[team_id].url] += behind
        return DashboardTargets(
            counts=counts,
            behind=[judged[pk] for pk in listed if pk in judged],
            behind_total=counts.behind,
            behind_by_row=dict(by_row),
        )

    key = f"targets:{filters.cache_key()}:{today.isoformat()}"
    return cached(key, compute, generation=generation)


def _on_the_day(day: datetime.date, prefix: str = "") -> Q:
    """The TargetPhase rows (through `prefix`, a relation) whose days include `day`."""
    starts, ends = f"{prefix}starts_on", f"{prefix}ends_on"
    return (Q(**{f"{starts}__isnull": True}) | Q(**{f"{starts}__lte": day})) & (
        Q(**{f"{ends}__isnull": True}) | Q(**{f"{ends}__gt": day})
    )


def _counts(tally: dict[tuple[str | None, bool | None], int]) -> TargetCounts:
    """`tally`: the projects in scope by the (status, overdue) of their phase on the day;
    (None, None) for those without a target."""

    def status(name: str) -> int:
        return tally.get((name, False), 0) + tally.get((name, True), 0)

    return TargetCounts(
        met=status(TargetPhase.Status.MET),
        on_track=status(TargetPhase.Status.ON_TRACK),
        behind=status(TargetPhase.Status.BEHIND),
        overdue=tally.get((TargetPhase.Status.BEHIND, True), 0),
        no_assessment=status(TargetPhase.Status.NO_ASSESSMENT),
        no_target=tally.get((None, None), 0),
    )
