"""Aggregates for the project, team and organisation pages: read stored scores only.

Every function runs a fixed number of queries whatever the size of the organisation: the
database groups and counts the stored DimensionScore, Assessment and PracticeGap rows and
Python only reshapes the small results. Quartiles are computed in SQL as well: the
database ranks the rows of each group and returns only the rows at the quartile positions.

Dashboards are read far more often than scores change, so the aggregates every page
needs are cached under a fingerprint of the stored data (`data_version`): a submission,
a newly opened period or an edited project changes the fingerprint and so the cache key.
"""

import datetime
import hashlib
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, NamedTuple

from django.core.cache import cache
from django.db import connection
from django.db.models import (
    Avg,
    Count,
    F,
    FilteredRelation,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Window,
)
from django.db.models.functions import Abs, RowNumber
from django.urls import reverse
from django.utils import timezone

from assessments import charts
from assessments.models import Assessment, DimensionScore, Period, Practice, PracticeGap
from assessments.recommendations import CommonGap
from assessments.selectors.assessments import period_current
from teams.models import Project, Team

LEVELS = (0, 1, 2)
TOP_LEVEL = 2
SUBMITTED = Assessment.Status.SUBMITTED
# Stalled: below the top level with the same overall level for this many quarters (a year).
STALLED_QUARTERS = 4
LIST_LIMIT = 10
TEAM_GAPS = 5
# Renaming a team changes no fingerprint; cached names are at most this old.
CACHE_SECONDS = 300


# --- Quartiles in SQL -------------------------------------------------------------------------


@dataclass(frozen=True)
class Quartiles:
    low: float
    median: float
    high: float
    count: int


def quartiles_by(rows: QuerySet, *, group: str, value: str) -> dict[Any, Quartiles]:
    """Quartiles of `value` within each `group`, interpolated as percentile_cont does.

    One query on every database: each row is ranked within its group, and only the rows
    at positions floor((n - 1) q) and ceil((n - 1) q) for q = 1/4, 1/2, 3/4 come back.
    """
    ranked = (
        rows.filter(**{f"{value}__isnull": False})
        .order_by()
        .annotate(
            rank=Window(RowNumber(), partition_by=F(group), order_by=F(value).asc()),
            size=Window(Count("pk"), partition_by=F(group)),
        )
    )
    wanted = Q()
    for quarter in (1, 2, 3):
        wanted |= Q(rank=(F("size") - 1) * quarter / 4 + 1)
        wanted |= Q(rank=((F("size") - 1) * quarter + 3) / 4 + 1)
    picked: dict[Any, dict[int, float]] = defaultdict(dict)
    sizes: dict[Any, int] = {}
    for key, rank, size, number in ranked.filter(wanted).values_list(group, "rank", "size", value):
        picked[key][rank - 1] = number
        sizes[key] = size
    return {key: _interpolated(picked[key], sizes[key]) for key in picked}


def _interpolated(values_at: dict[int, float], size: int) -> Quartiles:
    def quantile(q: float) -> float:
        position = (size - 1) * q
        low, high = math.floor(position), math.ceil(position)
        return values_at[low] + (values_at[high] - values_at[low]) * (position - low)

    return Quartiles(low=quantile(0.25), median=quantile(0.5), high=quantile(0.75), count=size)


# --- Shapes the charts draw -------------------------------------------------------------------


@dataclass(frozen=True)
class TrendPoint:
    quarter: str
    quartiles: Quartiles


@dataclass(frozen=True)
class QuarterLevels:
    """How many projects were due, assessed, and at each overall level in one quarter."""

    quarter: str
    due: int
    assessed: int
    by_level: tuple[int, int, int]

    @property
    def completion_percent(self) -> int:
        return _percent(self.assessed, self.due)

    @property
    def level_1_or_more_percent(self) -> int:
        return _percent(self.by_level[1] + self.by_level[2], self.assessed)

    @property
    def level_2_percent(self) -> int:
        return _percent(self.by_level[2], self.assessed)


def _percent(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


@dataclass(frozen=True)
class Heatmap:
    """A grid of levels: rows (teams, projects or dimensions) by columns."""

    rows: list[str]
    columns: list[str]
    values: list[list[float | None]]
    counts: list[list[int]] = field(default_factory=list)
    row_links: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class TeamCompletion:
    name: str
    url: str
    due: int
    assessed: int

    @property
    def completion_percent(self) -> int:
        return _percent(self.assessed, self.due)


@dataclass(frozen=True)
class ProjectChange:
    """A project's overall level and mean score now and in an earlier quarter."""

    name: str
    url: str
    team_name: str
    team_url: str
    level: int
    mean_score: float
    earlier_level: int
    earlier_mean_score: float

    @property
    def change(self) -> float:
        return self.mean_score - self.earlier_mean_score


# --- Organisation dashboard -------------------------------------------------------------------


class PeriodChoice(NamedTuple):
    pk: int
    key: str
    opens_on: datetime.date
    framework_id: int


class TeamChoice(NamedTuple):
    pk: int
    slug: str
    name: str
    url: str

    @classmethod
    def of(cls, pk: int, slug: str, name: str) -> "TeamChoice":
        return cls(pk, slug, name, reverse("teams:team_detail", kwargs={"slug": slug}))


@dataclass(frozen=True)
class DashboardChoices:
    """The quarters (newest first) and teams the filters offer. Plain tuples: every view
    of the dashboard reads them from the cache, and tuples load fast."""

    periods: list[PeriodChoice]
    teams: list[TeamChoice]


@dataclass(frozen=True)
class DashboardFilters:
    period: PeriodChoice
    team: TeamChoice | None = None
    stage: str = ""

    def cache_key(self) -> str:
        return f"{self.period.pk}:{self.team.pk if self.team else ''}:{self.stage}"

    @property
    def stage_label(self) -> str:
        return Project.Stage(self.stage).label if self.stage else ""


@dataclass(frozen=True)
class OrganisationDashboard:
    filters: DashboardFilters
    quarters: list[QuarterLevels]  # oldest first, up to the chosen quarter
    trend: list[TrendPoint]
    heatmap: Heatmap
    completion_by_team: list[TeamCompletion]
    gaps: list[CommonGap]
    movers: list[ProjectChange]
    stalled: list[ProjectChange]
    stalled_total: int

    @property
    def current(self) -> QuarterLevels:
        return self.quarters[-1]

    @property
    def previous(self) -> QuarterLevels | None:
        return self.quarters[-2] if len(self.quarters) > 1 else None

    @property
    def changes(self) -> dict[str, int]:
        """Changes since the previous quarter: projects assessed, and percentage points."""
        now, before = self.current, self.previous
        if before is None:
            return {}
        return {
            "assessed": now.assessed - before.assessed,
            "completion": now.completion_percent - before.completion_percent,
            "level_1_or_more": now.level_1_or_more_percent - before.level_1_or_more_percent,
            "level_2": now.level_2_percent - before.level_2_percent,
        }


def data_version() -> str:
    """A fingerprint that changes whenever anything the dashboards show may have changed.

    One query of index lookups: a submission adds score rows, opening a period adds
    assessments, editing a project bumps its `updated_at`. Raw SQL, because this runs on
    every dashboard view and compiling the same query through the ORM costs more than
    running it.
    """
    newest = [
        f"(SELECT MAX(id) FROM {model._meta.db_table})"
        for model in (Period, Assessment, DimensionScore, Team)
    ]
    newest.append(f"(SELECT MAX(updated_at) FROM {Project._meta.db_table})")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(newest)}")
        row = cursor.fetchone()
    return hashlib.md5(repr(row).encode(), usedforsecurity=False).hexdigest()


def cached(name: str, compute: Callable[[], Any], *, version: str) -> Any:
    return cache.get_or_set(f"dashboard:{name}:{version}", compute, CACHE_SECONDS)


def dashboard_choices(*, version: str) -> DashboardChoices:
    """The quarters and teams the dashboard filters offer (two queries, cached)."""

    def compute() -> DashboardChoices:
        periods = Period.objects.values_list("id", "key", "opens_on", "framework_id")
        teams = Team.objects.order_by("name").values_list("id", "slug", "name")
        return DashboardChoices(
            periods=[PeriodChoice(*row) for row in periods],
            teams=[TeamChoice.of(*row) for row in teams],
        )

    return cached("choices", compute, version=version)


def default_period(*, choices: DashboardChoices) -> PeriodChoice | None:
    """The newest quarter that has opened, as `period_current` has it, without a query."""
    today = timezone.localdate()
    opened = [period for period in choices.periods if period.opens_on <= today]
    return (opened or choices.periods or [None])[0]


def organisation_dashboard(
    *, filters: DashboardFilters, choices: DashboardChoices
) -> OrganisationDashboard:
    """Everything the organisation dashboard shows, for one quarter, team and stage (six
    queries)."""
    history = [p for p in reversed(choices.periods) if p.opens_on <= filters.period.opens_on]
    teams = {team.pk: team for team in choices.teams}
    assessments = Assessment.objects.filter(_scope(filters, team="project__team_id"))
    quarters, completion = _levels_and_completion(assessments, history, filters.period, teams)
    stalled, stalled_total = _stalled(assessments, history[-STALLED_QUARTERS:], filters)
    return OrganisationDashboard(
        filters=filters,
        quarters=quarters,
        trend=_trend(assessments.filter(period_id__in=[p.pk for p in history])),
        heatmap=_team_heatmap(filters, teams),
        completion_by_team=completion,
        gaps=_common_gaps(
            PracticeGap.objects.filter(_scope(filters), period_id=filters.period.pk),
            practices=Practice.objects.filter(framework_id=filters.period.framework_id),
            assessed=quarters[-1].assessed,
        ),
        movers=_movers(assessments, history[-2:], filters),
        stalled=stalled,
        stalled_total=stalled_total,
    )


def _scope(filters: DashboardFilters, *, team: str = "team_id") -> Q:
    scope = Q()
    if filters.team is not None:
        scope &= Q(**{team: filters.team.pk})
    if filters.stage:
        scope &= Q(project__stage=filters.stage)
    return scope


def _level_counts() -> dict[str, Count]:
    submitted = Q(status=SUBMITTED)
    return {
        "due": Count("pk"),
        "assessed": Count("pk", filter=submitted),
        **{
            f"level_{level}": Count("pk", filter=submitted & Q(overall_level=level))
            for level in LEVELS
        },
    }


def _levels_and_completion(
    assessments: QuerySet[Assessment],
    history: Sequence[PeriodChoice],
    chosen: PeriodChoice,
    teams: dict[int, TeamChoice],
) -> tuple[list[QuarterLevels], list[TeamCompletion]]:
    """Counts per quarter and per team in one GROUP BY; quarters are the sums over teams."""
    rows = (
        assessments.filter(period_id__in=[period.pk for period in history])
        .values("period_id", "project__team_id")
        .annotate(**_level_counts())
        .order_by()
    )
    per_period: dict[int, list[dict]] = defaultdict(list)
    for row in rows:
        per_period[row["period_id"]].append(row)
    quarters = [_quarter_levels(period.key, per_period[period.pk]) for period in history]
    completion = sorted(
        (
            TeamCompletion(
                name=teams[row["project__team_id"]].name,
                url=teams[row["project__team_id"]].url,
                due=row["due"],
                assessed=row["assessed"],
            )
            for row in per_period[chosen.pk]
            if row["project__team_id"] in teams
        ),
        key=lambda team: (team.assessed / team.due if team.due else 0, team.name),
    )
    return quarters, completion


def _quarter_levels(quarter: str, rows: Iterable[dict]) -> QuarterLevels:
    rows = list(rows)
    return QuarterLevels(
        quarter=quarter,
        due=sum(row["due"] for row in rows),
        assessed=sum(row["assessed"] for row in rows),
        by_level=tuple(sum(row[f"level_{level}"] for row in rows) for level in LEVELS),
    )


def _trend(assessments: QuerySet[Assessment]) -> list[TrendPoint]:
    by_quarter = quartiles_by(
        assessments.filter(status=SUBMITTED), group="period__key", value="mean_score"
    )
    # Keys such as "2026-Q4" sort in time order.
    return [TrendPoint(quarter, by_quarter[quarter]) for quarter in sorted(by_quarter)]


def _team_heatmap(filters: DashboardFilters, teams: dict[int, TeamChoice]) -> Heatmap:
    rows = (
        DimensionScore.objects.filter(_scope(filters), period_id=filters.period.pk)
        .values("team_id", "dimension_key", "dimension_name", "dimension_order")
        .annotate(mean_level=Avg("level"), projects=Count("pk"))
        .order_by()
    )
    cells = {(row["team_id"], row["dimension_key"]): row for row in rows}
    columns = _columns(cells.values())
    row_teams = sorted(
        (teams[team_id] for team_id in {team_id for team_id, _ in cells} if team_id in teams),
        key=lambda team: team.name,
    )
    grid = [[cells.get((team.pk, key)) for key, _ in columns] for team in row_teams]
    return Heatmap(
        rows=[team.name for team in row_teams],
        columns=[name for _, name in columns],
        values=[[cell["mean_level"] if cell else None for cell in row] for row in grid],
        counts=[[cell["projects"] if cell else 0 for cell in row] for row in grid],
        row_links=[team.url for team in row_teams],
    )


def _columns(rows: Iterable[dict]) -> list[tuple[str, str]]:
    """Dimension (key, name) pairs in framework order."""
    seen = {row["dimension_key"]: (row["dimension_order"], row["dimension_name"]) for row in rows}
    return [(key, name) for key, (_, name) in sorted(seen.items(), key=lambda item: item[1])]


def _common_gaps(
    gaps: QuerySet[PracticeGap],
    *,
    practices: QuerySet[Practice],
    assessed: int,
    limit: int = LIST_LIMIT,
) -> list[CommonGap]:
    """The practices holding the most projects back; ties: lower level, framework order.

    Counted per practice of the framework, each through the (period, practice) index.
    """
    held_back = (
        gaps.filter(practice_key=OuterRef("key"))
        .order_by()
        .values("practice_key")
        .annotate(projects=Count("pk"))
        .values("projects")
    )
    practices = (
        practices.annotate(projects=Subquery(held_back))
        .filter(projects__gt=0)
        .select_related("dimension")
        .order_by("-projects", "level", "order")[:limit]
    )
    return [
        CommonGap(
            practice_key=practice.key,
            dimension_key=practice.dimension.key,
            question=practice.question,
            next_step=practice.next_step,
            projects_held_back=practice.projects,
            share=practice.projects / assessed if assessed else 0.0,
        )
        for practice in practices
    ]


PROJECT_FIELDS = ("project__name", "project__slug", "project__team__name", "project__team__slug")


def _project_change(row: dict, *, earlier_level: int, earlier_mean: float) -> ProjectChange:
    return ProjectChange(
        name=row["project__name"],
        url=reverse("teams:project_detail", kwargs={"slug": row["project__slug"]}),
        team_name=row["project__team__name"],
        team_url=reverse("teams:team_detail", kwargs={"slug": row["project__team__slug"]}),
        level=row["overall_level"],
        mean_score=row["mean_score"],
        earlier_level=earlier_level,
        earlier_mean_score=earlier_mean,
    )


def _movers(
    assessments: QuerySet[Assessment],
    last_two: Sequence[PeriodChoice],
    filters: DashboardFilters,
) -> list[ProjectChange]:
    """The projects whose mean score changed most since the previous quarter, either way."""
    if len(last_two) < 2:
        return []
    rows = (
        assessments.filter(period_id=filters.period.pk, status=SUBMITTED)
        .annotate(
            earlier=FilteredRelation(
                "project__assessments",
                condition=Q(
                    project__assessments__period_id=last_two[0].pk,
                    project__assessments__status=SUBMITTED,
                ),
            ),
            change=F("mean_score") - F("earlier__mean_score"),
        )
        .exclude(change=0)
        .filter(change__isnull=False)
        .order_by(Abs("change").desc(), "project__name")
        .values(
            *PROJECT_FIELDS,
            "overall_level",
            "mean_score",
            "earlier__overall_level",
            "earlier__mean_score",
        )
    )[:LIST_LIMIT]
    return [
        _project_change(
            row,
            earlier_level=row["earlier__overall_level"],
            earlier_mean=row["earlier__mean_score"],
        )
        for row in rows
    ]


def _stalled(
    assessments: QuerySet[Assessment],
    last_quarters: Sequence[PeriodChoice],
    filters: DashboardFilters,
) -> tuple[list[ProjectChange], int]:
    """Projects below the top level whose overall level has not moved for a year (the
    first few, lowest first, and how many there are)."""
    if len(last_quarters) < STALLED_QUARTERS:
        return [], 0
    rows = (
        assessments.filter(period_id__in=[p.pk for p in last_quarters], status=SUBMITTED)
        .values("project_id", *PROJECT_FIELDS)
        .annotate(
            quarters=Count("pk"),
            lowest=Min("overall_level"),
            highest=Max("overall_level"),
            latest_mean=Max("mean_score", filter=Q(period_id=filters.period.pk)),
            earliest_mean=Max("mean_score", filter=Q(period_id=last_quarters[0].pk)),
        )
        .filter(quarters=len(last_quarters), lowest=F("highest"), highest__lt=TOP_LEVEL)
        .annotate(total=Window(Count("*")))
        .order_by("highest", "latest_mean", "project__name")[:LIST_LIMIT]
    )
    rows = list(rows)
    stalled = [
        _project_change(
            row | {"overall_level": row["highest"], "mean_score": row["latest_mean"]},
            earlier_level=row["highest"],
            earlier_mean=row["earliest_mean"],
        )
        for row in rows
    ]
    return stalled, rows[0]["total"] if rows else 0


# --- CSV export -------------------------------------------------------------------------------

EXPORT_HEADER = (
    "quarter",
    "team",
    "project",
    "stage",
    "dimension",
    "dimension_level",
    "dimension_progress",
    "dimension_score",
    "overall_level",
    "mean_score",
)


def export_rows(*, filters: DashboardFilters) -> Iterator[tuple]:
    """A row per project x quarter x dimension up to the chosen quarter (one streamed query)."""
    rows = (
        DimensionScore.objects.filter(
            _scope(filters), period__opens_on__lte=filters.period.opens_on
        )
        .order_by("period__opens_on", "team__name", "project__name", "dimension_order")
        .values_list(
            "period__key",
            "team__name",
            "project__name",
            "project__stage",
            "dimension_name",
            "level",
            "progress",
            "score",
            "assessment__overall_level",
            "assessment__mean_score",
        )
    )
    for row in rows.iterator(chunk_size=2000):
        yield (*row[:7], round(row[7], 2), row[8], round(row[9], 2))


# --- Team page --------------------------------------------------------------------------------


def team_page_data(*, team: Team) -> dict:
    """The current quarter's assessments, and the trend, the projects x dimensions heatmap
    and the common gaps of the latest quarter with scores (seven queries at most)."""
    period = period_current()
    assessments = (
        list(
            Assessment.objects.filter(period=period, project__team=team).select_related(
                "project", "period"
            )
        )
        if period
        else []
    )
    data = {"period": period, "assessments_by_project": {a.project_id: a for a in assessments}}
    trend = _trend(Assessment.objects.filter(project__team=team))
    if not trend:
        return data
    latest = trend[-1]
    # In a quarter still under way, projects not submitted yet show as empty rows.
    due = [a.project for a in assessments] if period and period.key == latest.quarter else []
    heatmap = _project_heatmap(
        DimensionScore.objects.filter(team=team, period__key=latest.quarter), due=due
    )
    return data | {
        "latest_quarter": latest.quarter,
        "gaps": _common_gaps(
            PracticeGap.objects.filter(team=team, period__key=latest.quarter),
            practices=Practice.objects.filter(framework__periods__key=latest.quarter),
            assessed=latest.quartiles.count,
            limit=TEAM_GAPS,
        ),
        "charts": {
            "trend": charts.maturity_trend(
                trend,
                title=f"{team.name} trend",
                reference=organisation_trend(version=data_version()),
            ),
            "heatmap": charts.level_heatmap(
                **asdict(heatmap),
                title=f"Projects by dimension, {latest.quarter}",
                rows_title="Project",
                filename=f"{team.slug}-{latest.quarter}",
                mean_of_projects=False,
            ),
        },
    }


def _project_heatmap(scores: QuerySet[DimensionScore], *, due: Sequence[Project]) -> Heatmap:
    rows = list(
        scores.values(
            "project__name",
            "project__slug",
            "dimension_key",
            "dimension_name",
            "dimension_order",
            "score",
        )
    )
    cells = {(row["project__slug"], row["dimension_key"]): row["score"] for row in rows}
    columns = _columns(rows)
    projects = sorted(
        {(row["project__name"], row["project__slug"]) for row in rows}
        | {(project.name, project.slug) for project in due}
    )
    return Heatmap(
        rows=[name for name, _ in projects],
        columns=[name for _, name in columns],
        values=[[cells.get((slug, key)) for key, _ in columns] for _, slug in projects],
        row_links=[reverse("teams:project_detail", kwargs={"slug": slug}) for _, slug in projects],
    )


def organisation_trend(*, version: str) -> list[TrendPoint]:
    """The organisation's median and quartiles per quarter (one query, cached)."""
    return cached("org-trend", lambda: _trend(Assessment.objects.all()), version=version)


# --- Project page -----------------------------------------------------------------------------


@dataclass(frozen=True)
class DimensionPoint:
    key: str
    name: str
    level: int
    progress: int
    score: float


@dataclass(frozen=True)
class QuarterScores:
    quarter: str
    overall_level: int | None
    mean_score: float | None
    dimensions: list[DimensionPoint]


def project_assessments(*, project: Project) -> QuerySet[Assessment]:
    return project.assessments.select_related("period").order_by("-period__opens_on")


def project_page_data(*, project: Project) -> dict:
    """Every assessment, and charts of the submitted ones: the levels over the quarters and
    the latest dimension levels against the previous quarter and the organisation median
    (five queries at most)."""
    assessments = list(project_assessments(project=project))
    history = _project_history(project, assessments)
    data: dict = {"assessments": assessments}
    if not history:
        return data
    latest = history[-1]
    medians = organisation_dimension_medians(quarter=latest.quarter, version=data_version())
    return data | {
        "latest_quarter": latest.quarter,
        "charts": {
            "levels": charts.project_level_history(history),
            "dimensions": charts.dimension_history(history),
            "radar": charts.dimension_radar(
                latest, history[-2] if len(history) > 1 else None, medians
            ),
        },
    }


def _project_history(project: Project, assessments: Sequence[Assessment]) -> list[QuarterScores]:
    points: dict[str, list[DimensionPoint]] = defaultdict(list)
    scores = DimensionScore.objects.filter(project=project).order_by("dimension_order")
    for row in scores.values_list(
        "period__key", "dimension_key", "dimension_name", "level", "progress", "score"
    ):
        points[row[0]].append(DimensionPoint(*row[1:]))
    return [
        QuarterScores(
            quarter=a.period.key,
            overall_level=a.overall_level,
            mean_score=a.mean_score,
            dimensions=points[a.period.key],
        )
        for a in reversed(assessments)
        if a.is_submitted and points[a.period.key]
    ]


def organisation_dimension_medians(*, quarter: str, version: str) -> dict[str, float]:
    """The median score of every dimension across the organisation (one query, cached)."""

    def compute() -> dict[str, float]:
        rows = DimensionScore.objects.filter(period__key=quarter)
        medians = quartiles_by(rows, group="dimension_key", value="score")
        return {key: quartiles.median for key, quartiles in medians.items()}

    return cached(f"dimension-medians:{quarter}", compute, version=version)
