"""Delivery outcomes as the pages arrange them: the project card's five figures against
last quarter with their trends, the team's table, and the dashboard's outcomes by maturity
level with the projects behind each median. Pure: built from `insights.selectors.outcomes`
data, worded and drawn by `outcome_figures`.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from assessments.rules.levels import LEVEL_NAMES
from evidence.rules.outcomes import quarter_before
from insights.outcome_figures import (
    NONE,
    days,
    deployments_by_quarter,
    duration,
    failure_rate_by_level,
    lead_time_by_level,
    percent,
    tidy,
    too_few_words,
)
from insights.selectors.outcomes import (
    LevelFigure,
    OutcomesByLevel,
    ProjectOutcomes,
    QuarterOutcome,
)

SPARK_WIDTH = 84
SPARK_HEIGHT = 22
NO_CAUSATION = (
    "These figures describe the groups side by side; they do not show that a higher level "
    "caused the difference."
)


def _median_of(count: int) -> str:
    return f"median of {count}" if count > 1 else ("1 value" if count == 1 else "")


# --- The project card -----------------------------------------------------------------------


@dataclass(frozen=True)
class Metric:
    """One of the five figures: how to read it from a quarter, and which way is better."""

    key: str
    label: str
    meaning: str
    value: Callable[[QuarterOutcome], float | None]
    text: Callable[[QuarterOutcome], str]
    detail: Callable[[QuarterOutcome], str]
    lower_is_better: bool


def _failure_detail(quarter: QuarterOutcome) -> str:
    if not quarter.deployments:
        return "no deployment"
    return f"{quarter.failed_deployments} of {quarter.deployments} deployments"


def _retraining_detail(quarter: QuarterOutcome) -> str:
    if quarter.retraining_days is None:
        return ""
    if quarter.retraining_source == "mlflow":
        return "from MLflow's model versions"
    intervals = quarter.retraining_count
    return f"median of {intervals} interval{'s' if intervals != 1 else ''} between trainings"


METRICS: tuple[Metric, ...] = (
    Metric(
        key="deployments",
        label="Deployments to production",
        meaning="new model versions deployed to production",
        value=lambda q: q.deployments,
        text=lambda q: str(q.deployments),
        detail=lambda q: "",
        lower_is_better=False,
    ),
    Metric(
        key="change_failure_rate",
        label="Change failure rate",
        meaning="deployments followed within 7 days by a rollback or an incident",
        value=lambda q: q.change_failure_rate,
        text=lambda q: percent(q.change_failure_rate),
        detail=_failure_detail,
        lower_is_better=True,
    ),
    Metric(
        key="lead_time",
        label="Lead time",
        meaning="from the end of the training run to production",
        value=lambda q: q.lead_time_hours,
        text=lambda q: duration(q.lead_time_hours),
        detail=lambda q: _median_of(q.lead_time_count),
        lower_is_better=True,
    ),
    Metric(
        key="restore_time",
        label="Time to restore",
        meaning="from a failure to its rollback or the incident's resolution",
        value=lambda q: q.restore_hours,
        text=lambda q: duration(q.restore_hours),
        detail=lambda q: _median_of(q.restore_count),
        lower_is_better=True,
    ),
    Metric(
        key="retraining",
        label="Retraining cadence",
        meaning="days between successful training runs",
        value=lambda q: q.retraining_days,
        text=lambda q: days(q.retraining_days),
        detail=_retraining_detail,
        lower_is_better=True,
    ),
)


@dataclass(frozen=True)
class SparkPoint:
    x: float
    y: float
    in_progress: bool  # drawn hollow: the quarter is not over


@dataclass(frozen=True)
class Trend:
    """A figure over the quarters: a sparkline, and in words the change between the first
    and the last finished quarter with a value (the quarter in progress is only so far)."""

    direction: str  # "up", "down", "flat", or "" with nothing to compare
    better: bool | None  # None: no change, or nothing to compare
    first: str = ""  # the quarters compared, and the figure in each
    start: str = ""
    last: str = ""
    end: str = ""
    line: str = ""  # the sparkline's SVG polyline points
    points: tuple[SparkPoint, ...] = ()

    @property
    def arrow(self) -> str:
        return {"up": "▲", "down": "▼", "flat": "▶"}.get(self.direction, "")

    @property
    def words(self) -> str:
        """ "up from 3 in 2026-Q1 to 7 in 2026-Q3", "no change from 2026-Q1 to 2026-Q3", or
        "" with fewer than two finished quarters to compare."""
        if self.direction == "flat":
            return f"no change from {self.first} to {self.last}"
        if not self.direction:
            return ""
        return f"{self.direction} from {self.start} in {self.first} to {self.end} in {self.last}"


@dataclass(frozen=True)
class MetricRow:
    key: str
    label: str
    meaning: str
    current: str
    current_detail: str
    previous: str
    previous_detail: str
    trend: Trend


@dataclass(frozen=True)
class ProjectOutcomesCard:
    first: str  # the earliest quarter shown
    current: QuarterOutcome
    previous: QuarterOutcome | None
    rows: tuple[MetricRow, ...]
    chart: dict
    has_events: bool
    is_demo: bool


def project_card(outcomes: ProjectOutcomes) -> ProjectOutcomesCard:
    quarters = outcomes.quarters
    current = quarters[-1]
    previous = quarters[-2] if len(quarters) > 1 else None
    rows = tuple(
        MetricRow(
            key=metric.key,
            label=metric.label,
            meaning=metric.meaning,
            current=metric.text(current),
            current_detail=metric.detail(current),
            previous=metric.text(previous) if previous else NONE,
            previous_detail=metric.detail(previous) if previous else "",
            trend=trend(quarters, metric),
        )
        for metric in METRICS
    )
    return ProjectOutcomesCard(
        first=quarters[0].quarter,
        current=current,
        previous=previous,
        rows=rows,
        chart=deployments_by_quarter(quarters, title="Production deployments per quarter"),
        has_events=outcomes.has_events,
        is_demo=any(quarter.is_demo for quarter in quarters),
    )


def trend(quarters: Sequence[QuarterOutcome], metric: Metric) -> Trend:
    # A quarter without events has no figures, not zero deployments.
    values = [(q, metric.value(q) if q.has_events else None) for q in quarters]
    line, points = sparkline([v for _, v in values], [q.in_progress for q, _ in values])
    finished = [(q, v) for q, v in values if v is not None and not q.in_progress]
    if len(finished) < 2:
        return Trend(direction="", better=None, line=line, points=points)
    (first, start), (last, end) = finished[0], finished[-1]
    if end == start:
        direction, better = "flat", None
    else:
        direction, better = (
            ("up" if end > start else "down"),
            (end < start) == metric.lower_is_better,
        )
    return Trend(
        direction=direction,
        better=better,
        first=first.quarter,
        start=metric.text(first),
        last=last.quarter,
        end=metric.text(last),
        line=line,
        points=points,
    )


def sparkline(
    values: Sequence[float | None], in_progress: Sequence[bool]
) -> tuple[str, tuple[SparkPoint, ...]]:
    """Points of a small line over the quarters, scaled to the box; a gap for a quarter
    without a value. The lowest value sits on the bottom edge, unless all are equal."""
    known = [v for v in values if v is not None]
    if not known:
        return "", ()
    low, high = min(known), max(known)
    span = high - low
    step = (SPARK_WIDTH - 6) / max(len(values) - 1, 1)
    points = []
    for index, value in enumerate(values):
        if value is None:
            continue
        share = (value - low) / span if span else 0.5
        points.append(
            SparkPoint(
                x=round(3 + index * step, 1),
                y=round(SPARK_HEIGHT - 3 - share * (SPARK_HEIGHT - 6), 1),
                in_progress=in_progress[index],
            )
        )
    return " ".join(f"{p.x},{p.y}" for p in points), tuple(points)


# --- The team's table -----------------------------------------------------------------------


@dataclass(frozen=True)
class TeamOutcomeCell:
    current: str
    previous: str


@dataclass(frozen=True)
class TeamOutcomeRow:
    name: str
    slug: str
    cells: tuple[TeamOutcomeCell, ...]  # one per METRICS
    has_events: bool


@dataclass(frozen=True)
class TeamOutcomesCard:
    current: str  # "2026-Q4"
    previous: str
    metrics: tuple[Metric, ...]
    rows: tuple[TeamOutcomeRow, ...]
    chart: dict | None
    is_demo: bool

    @property
    def has_events(self) -> bool:
        return any(row.has_events for row in self.rows)


def team_card(
    projects: Sequence[ProjectOutcomes], trend: Sequence[QuarterOutcome]
) -> TeamOutcomesCard:
    """The team's projects against the current and the last quarter, and the team's trend."""
    rows = tuple(_team_row(project) for project in projects)
    quarters = [q.quarter for q in trend]
    return TeamOutcomesCard(
        current=quarters[-1] if quarters else "",
        previous=quarters[-2] if len(quarters) > 1 else "",
        metrics=METRICS,
        rows=rows,
        chart=deployments_by_quarter(trend, title="The team's production deployments per quarter")
        if trend
        else None,
        is_demo=any(q.is_demo for p in projects for q in p.quarters),
    )


def _team_row(project: ProjectOutcomes) -> TeamOutcomeRow:
    current = project.quarters[-1]
    previous = project.quarters[-2] if len(project.quarters) > 1 else None
    return TeamOutcomeRow(
        name=project.project_name,
        slug=project.project_slug,
        cells=tuple(
            TeamOutcomeCell(
                current=metric.text(current), previous=metric.text(previous) if previous else NONE
            )
            for metric in METRICS
        ),
        has_events=project.has_events,
    )


# --- Outcomes by maturity level -------------------------------------------------------------


@dataclass(frozen=True)
class LevelCell:
    """One level's median of one figure, in words, with the projects behind it."""

    text: str  # "2.5 days", or "too few projects to compare (n = 2)"
    projects: int
    too_few: bool


@dataclass(frozen=True)
class LevelRow:
    level: int
    name: str
    projects: int
    cells: tuple[LevelCell, ...]  # deployments, change failure rate, lead time, restore


@dataclass(frozen=True)
class OutcomesByLevelCard:
    quarter: str
    in_progress: bool
    minimum: int
    columns: tuple[str, ...]
    rows: tuple[LevelRow, ...]
    charts: tuple[dict, ...]
    comparable: bool
    has_outcomes: bool
    is_demo: bool
    no_causation: str = NO_CAUSATION

    @property
    def earlier_quarter(self) -> str:
        """The quarter before, offered when this one, still running, is too thin to compare."""
        return quarter_before(self.quarter)


def _level_cell(figure: LevelFigure, text: Callable[[float], str]) -> LevelCell:
    if figure.median is None:
        return LevelCell(
            text=too_few_words(figure.projects),
            projects=figure.projects,
            too_few=True,
        )
    return LevelCell(text=text(figure.median), projects=figure.projects, too_few=False)


LEVEL_COLUMNS = (
    "Deployments per project",
    "Change failure rate",
    "Lead time",
    "Time to restore",
)


def by_level_card(outcomes: OutcomesByLevel, *, current_quarter: str) -> OutcomesByLevelCard:
    rows = tuple(
        LevelRow(
            level=level.level,
            name=LEVEL_NAMES[level.level],
            projects=level.projects,
            cells=(
                _level_cell(level.deployments, tidy),
                _level_cell(level.change_failure_rate, percent),
                _level_cell(level.lead_time_hours, duration),
                _level_cell(level.restore_hours, duration),
            ),
        )
        for level in outcomes.levels
    )
    return OutcomesByLevelCard(
        quarter=outcomes.quarter,
        in_progress=outcomes.quarter == current_quarter,
        minimum=outcomes.minimum,
        columns=LEVEL_COLUMNS,
        rows=rows,
        charts=(lead_time_by_level(outcomes), failure_rate_by_level(outcomes)),
        comparable=outcomes.comparable,
        has_outcomes=any(level.projects for level in outcomes.levels),
        is_demo=outcomes.is_demo,
    )
