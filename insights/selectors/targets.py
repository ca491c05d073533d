"""The dashboards' Targets card: how the projects the filters keep stand against their
targets, the projects behind, and how many are behind in each row of the units compared.

Targets are judged today on each project's latest submitted assessment (the rules are
improvement.target_rules'), whatever the quarter the dashboard shows: a target is about
where a project is now and where it will be by its date. The projects are the active ones
(not archived, in an active team) that the unit, team and stage filters keep. Four queries
(five with dimension targets), cached under the dashboards' generation and the day.
"""

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from core.access import in_units_q
from core.cache import cached
from improvement.selectors.targets import ProjectTarget, TargetCounts, target_summary
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
    """The Targets card for the filters (four queries, five with dimension targets; none
    from the cache)."""
    today = today or timezone.localdate()

    def compute() -> DashboardTargets:
        summary = target_summary(projects=Project.objects.filter(projects_q(filters)), today=today)
        rows = units.drill_rows(filters, choices)
        row_of = units.rows_of_teams(rows, choices.teams)
        by_row = Counter(row_of[t.team_id].url for t in summary.behind if t.team_id in row_of)
        return DashboardTargets(
            counts=summary.counts,
            behind=summary.behind[:LIST_LIMIT],
            behind_total=len(summary.behind),
            behind_by_row=dict(by_row),
        )

    key = f"targets:{filters.cache_key()}:{today.isoformat()}"
    return cached(key, compute, generation=generation)
