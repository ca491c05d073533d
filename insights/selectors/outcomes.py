"""Delivery outcomes for the pages, read from the stored `evidence.Outcome` rows with a fixed
number of queries: a project's last quarters, a team's projects and trend, and the
dashboard's projects grouped by maturity level.

A quarter without a row had no events: it shows no deployments and no figures.
"""

import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from assessments.review_scope import review_scope
from assessments.rules.levels import LEVELS
from evidence.models import Outcome
from evidence.rules.outcomes import (
    QUARTER_FIGURES,
    SOURCE_EVENTS,
    SOURCE_MLFLOW,
    QuarterFigures,
    last_quarters,
)
from insights.selectors.common import SUBMITTED, scope_q
from insights.shapes import DashboardFilters
from teams.models import Project, Team


@dataclass(frozen=True)
class QuarterOutcome(QuarterFigures):
    """A quarter's stored figures ("2026-Q4"; a failure rate from 0 to 1), as a page shows them."""

    is_demo: bool
    in_progress: bool  # the current quarter: figures so far
    has_events: bool = True  # False: no event in the quarter, so no figures at all


@dataclass(frozen=True)
class ProjectOutcomes:
    project_id: int
    project_name: str
    project_slug: str
    quarters: list[QuarterOutcome]  # oldest first, the last `count` calendar quarters

    @property
    def has_events(self) -> bool:
        return any(quarter.has_events for quarter in self.quarters)


@dataclass(frozen=True)
class LevelFigure:
    median: float | None  # None when `projects` < minimum
    projects: int  # how many projects the figure is made from


@dataclass(frozen=True)
class LevelOutcomes:
    level: int  # 0, 1, 2
    projects: int  # projects at this level with an Outcome row in the quarter
    deployments: LevelFigure  # median production deployments per project
    change_failure_rate: LevelFigure  # median of the projects' rates (projects that deployed)
    lead_time_hours: LevelFigure
    restore_hours: LevelFigure


@dataclass(frozen=True)
class OutcomesByLevel:
    quarter: str
    minimum: int  # settings.OUTCOMES_MIN_PROJECTS: fewer projects behind a figure -> no median
    levels: list[LevelOutcomes]  # levels 0..2, always all three
    comparable: bool  # at least two levels have `minimum` projects
    is_demo: bool  # any row behind the figures is demo data


OUTCOME_VALUES = (*QUARTER_FIGURES, "is_demo")


def project_outcomes(project: Project, *, count: int = 4) -> ProjectOutcomes:
    """The project's last `count` calendar quarters, this one included (one query)."""
    quarters = last_quarters(timezone.localdate(), count)
    rows = Outcome.objects.filter(project=project, quarter__in=quarters).values(*OUTCOME_VALUES)
    return project_outcomes_from_rows(project, quarters, {row["quarter"]: row for row in rows})


def team_outcomes(team: Team, *, count: int = 4) -> list[ProjectOutcomes]:
    """One entry per active project of the team, by name (two queries)."""
    quarters = last_quarters(timezone.localdate(), count)
    projects = list(team.projects.filter(archived_at__isnull=True).order_by("name"))
    rows = Outcome.objects.filter(
        project__in=[project.pk for project in projects], quarter__in=quarters
    ).values("project_id", *OUTCOME_VALUES)
    by_project: dict[int, dict[str, dict]] = defaultdict(dict)
    for row in rows:
        by_project[row.pop("project_id")][row["quarter"]] = row
    return [
        project_outcomes_from_rows(project, quarters, by_project[project.pk])
        for project in projects
    ]


def team_outcome_trend(team: Team, *, count: int = 4) -> list[QuarterOutcome]:
    """The team as a whole per quarter: deployments and failures summed (rate pooled), the
    medians taken over the projects' medians, each count the sum of the projects' counts
    (one query; active projects only, as `team_outcomes`)."""
    quarters = last_quarters(timezone.localdate(), count)
    rows = Outcome.objects.filter(
        project__team=team, project__archived_at__isnull=True, quarter__in=quarters
    ).values(*OUTCOME_VALUES)
    by_quarter: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        by_quarter[row["quarter"]].append(row)
    return [pooled_quarter(quarter, by_quarter[quarter], quarters[-1]) for quarter in quarters]


def outcomes_by_level(*, filters: DashboardFilters) -> OutcomesByLevel:
    """The dashboard's projects (`scope_q(filters, team="project__team_id")`: unit subtree,
    team, stage, the viewer's units) grouped by their overall level in the filters' period,
    as the dashboard counts levels (submitted, within the review scope), with their Outcome
    row of the calendar quarter keyed like the period ("2026-Q4").

    One query, and the review policy (cached under the dashboards' generation, as the
    dashboard reads it)."""
    rule = review_scope()
    assessed = Q(
        project__assessments__period_id=filters.period.pk,
        project__assessments__status=SUBMITTED,
        project__assessments__overall_level__isnull=False,
    ) & rule.assessments_q("project__assessments__")
    # One filter() call: the conditions on the project's assessments apply to one assessment.
    rows = Outcome.objects.filter(
        scope_q(filters, team="project__team_id"), assessed, quarter=filters.period.key
    ).values_list(
        "project__assessments__overall_level",
        "deployments",
        "change_failure_rate",
        "lead_time_hours",
        "restore_hours",
        "is_demo",
    )
    by_level: dict[int | None, list[tuple]] = defaultdict(list)
    is_demo = False
    for level, deployments, rate, lead_time, restore, demo in rows:
        by_level[level].append((deployments, rate, lead_time, restore))
        is_demo = is_demo or demo
    minimum = settings.OUTCOMES_MIN_PROJECTS
    levels = [_level(level, by_level[level], minimum) for level in LEVELS]
    return OutcomesByLevel(
        quarter=filters.period.key,
        minimum=minimum,
        levels=levels,
        comparable=sum(1 for level in levels if level.projects >= minimum) >= 2,
        is_demo=is_demo,
    )


def project_outcomes_from_rows(
    project: Project, quarters: Sequence[str], rows: dict[str, dict]
) -> ProjectOutcomes:
    current = quarters[-1]
    return ProjectOutcomes(
        project_id=project.pk,
        project_name=project.name,
        project_slug=project.slug,
        quarters=[_quarter(quarter, rows.get(quarter), current) for quarter in quarters],
    )


def _quarter(quarter: str, row: dict | None, current: str) -> QuarterOutcome:
    if row is None:
        return _no_events(quarter, current)
    return QuarterOutcome(**row, in_progress=quarter == current)


def _no_events(quarter: str, current: str) -> QuarterOutcome:
    return QuarterOutcome(
        quarter=quarter,
        deployments=0,
        failed_deployments=0,
        change_failure_rate=None,
        lead_time_hours=None,
        lead_time_count=0,
        restore_hours=None,
        restore_count=0,
        retraining_days=None,
        retraining_count=0,
        retraining_source="",
        is_demo=False,
        in_progress=quarter == current,
        has_events=False,
    )


def pooled_quarter(quarter: str, rows: Sequence[dict], current: str) -> QuarterOutcome:
    if not rows:
        return _no_events(quarter, current)
    deployments = sum(row["deployments"] for row in rows)
    failed = sum(row["failed_deployments"] for row in rows)
    sources = {row["retraining_source"] for row in rows}
    return QuarterOutcome(
        quarter=quarter,
        deployments=deployments,
        failed_deployments=failed,
        change_failure_rate=failed / deployments if deployments else None,
        lead_time_hours=_median(row["lead_time_hours"] for row in rows),
        lead_time_count=sum(row["lead_time_count"] for row in rows),
        restore_hours=_median(row["restore_hours"] for row in rows),
        restore_count=sum(row["restore_count"] for row in rows),
        retraining_days=_median(row["retraining_days"] for row in rows),
        retraining_count=sum(row["retraining_count"] for row in rows),
        retraining_source=next(
            (source for source in (SOURCE_EVENTS, SOURCE_MLFLOW) if source in sources), ""
        ),
        is_demo=all(row["is_demo"] for row in rows),
        in_progress=quarter == current,
    )


def _median(values: Iterable[float | None]) -> float | None:
    known = [value for value in values if value is not None]
    return statistics.median(known) if known else None


def _level(level: int, rows: Sequence[Sequence], minimum: int) -> LevelOutcomes:
    """A level's medians over its projects; a figure behind fewer than `minimum` projects
    has none. `rows` hold deployments, change failure rate, lead time, restore time."""

    def figure(column: int) -> LevelFigure:
        values = [row[column] for row in rows if row[column] is not None]
        return LevelFigure(
            median=statistics.median(values) if values and len(values) >= minimum else None,
            projects=len(values),
        )

    return LevelOutcomes(
        level=level,
        projects=len(rows),
        deployments=figure(0),
        change_failure_rate=figure(1),
        lead_time_hours=figure(2),
        restore_hours=figure(3),
    )
