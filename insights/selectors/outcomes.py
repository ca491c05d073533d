"""CONTRACT STUB (issue 16, helper B implements): delivery outcomes for the pages, read from
the stored `evidence.Outcome` rows with a fixed number of queries."""

from dataclasses import dataclass

from insights.shapes import DashboardFilters
from teams.models import Project, Team


@dataclass(frozen=True)
class QuarterOutcome:
    quarter: str  # "2026-Q4"
    deployments: int
    failed_deployments: int
    change_failure_rate: float | None  # 0..1; None without deployments
    lead_time_hours: float | None
    lead_time_count: int
    restore_hours: float | None
    restore_count: int
    retraining_days: float | None
    retraining_count: int
    retraining_source: str  # "events", "mlflow" or ""
    is_demo: bool
    in_progress: bool  # the current quarter: figures so far


@dataclass(frozen=True)
class ProjectOutcomes:
    project_id: int
    project_name: str
    project_slug: str
    quarters: list[QuarterOutcome]  # oldest first, the last `count` calendar quarters


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


def project_outcomes(project: Project, *, count: int = 4) -> ProjectOutcomes:
    raise NotImplementedError


def team_outcomes(team: Team, *, count: int = 4) -> list[ProjectOutcomes]:
    """One entry per active project of the team, by name."""
    raise NotImplementedError


def team_outcome_trend(team: Team, *, count: int = 4) -> list[QuarterOutcome]:
    """The team as a whole per quarter: deployments and failures summed (rate pooled), the
    medians taken over the projects' medians."""
    raise NotImplementedError


def outcomes_by_level(*, filters: DashboardFilters) -> OutcomesByLevel:
    """The dashboard's projects (`scope_q(filters, team="project__team_id")`: unit subtree,
    team, stage, the viewer's units) grouped by their overall level in the filters' period,
    as the dashboard counts levels (submitted, within the review scope), with their Outcome
    row of the calendar quarter keyed like the period ("2026-Q4")."""
    raise NotImplementedError
