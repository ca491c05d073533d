"""The organisation dashboard's figures, for management and unit managers, with the
dashboard's filters: the same selectors (`insights.selectors.organisation`), the same
choices of quarter, unit and team, the same review scope; nothing is recomputed here but
the per-dimension quartiles, which the building blocks of `insights` also give."""

from dataclasses import asdict

from django.contrib.auth.models import User
from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema

from api.auth import reader_of
from api.errors import ERRORS
from api.schemas import FILTER_NOTE, PeriodKey, ProjectStage, Slug, unknown_value
from assessments.models import DimensionScore
from assessments.review_scope import review_scope
from assessments.rules.levels import LEVELS
from core.access import is_management, managed_unit_paths
from core.cache import cached, dashboards_generation
from insights.selectors import units
from insights.selectors.common import LEVEL_POSITION, quartiles_by_counting, scope_q
from insights.selectors.organisation import (
    dashboard_choices_for_user,
    default_period,
    organisation_dashboard,
)
from insights.shapes import (
    NO_UNIT,
    NO_UNIT_CHOICE,
    DashboardChoices,
    DashboardFilters,
    OrganisationDashboard,
    QuarterLevels,
)

router = Router(tags=["Figures"])


class FigureFilters(Schema):
    period: PeriodKey | None = Field(
        None,
        description="A period's key; the newest period that has opened by default." + FILTER_NOTE,
    )
    unit: Slug | None = Field(
        None,
        description=f"A unit's slug (its whole subtree), or {NO_UNIT} for the teams in no unit "
        "(management only). A manager of one unit reads that unit by default." + FILTER_NOTE,
    )
    team: Slug | None = Field(
        None, description="A team's slug, within the unit if one is given." + FILTER_NOTE
    )
    stage: ProjectStage | None = Field(None, description="Projects at this stage.")


class LevelCount(Schema):
    level: int
    projects: int


class ReviewsOut(Schema):
    reviewed: int
    self_assessed: int
    awaiting_review: int
    returned: int = Field(description="Drafts returned for changes.")
    awaiting_review_counted: bool = Field(
        description="Whether results awaiting review count in the levels (the organisation's "
        "review policy)."
    )


class HeadlineOut(Schema):
    period: str
    framework_version: int
    projects_due: int
    projects_assessed: int
    projects_counted: int = Field(description="Assessed projects whose levels count.")
    completion_percent: int
    level_1_or_more_percent: int
    level_2_percent: int
    by_level: list[LevelCount]
    reviews: ReviewsOut


class ChangesOut(Schema):
    since: str = Field(description="The previous period's key.")
    framework_change: str = Field(description='"v1 → v2" when the versions differ, else "".')
    assessed: int
    completion_points: int
    level_1_or_more_points: int | None = Field(description="null across a framework change.")
    level_2_points: int | None


class DimensionFigure(Schema):
    key: str
    name: str
    projects: int = Field(description="Projects assessed in the dimension.")
    median: float = Field(description="Level plus progress to the next (1.45: level 1, 45 %).")
    lower_quartile: float
    upper_quartile: float


class RowOut(Schema):
    name: str
    kind: str = Field(description='"unit", "no-unit" or "team": the rows at the drill level.')
    projects_due: int
    projects_assessed: int
    completion_percent: int
    by_level: list[LevelCount]
    median_score: float | None


class GapFigure(Schema):
    practice_key: str
    dimension_key: str
    question: str
    next_step: str
    projects_held_back: int
    share: float


class FiltersOut(Schema):
    period: str
    unit: str | None
    team: str | None
    stage: str | None


class FiguresOut(Schema):
    filters: FiltersOut = Field(description="The filters in effect, defaults included.")
    headline: HeadlineOut
    changes: ChangesOut | None = Field(description="Since the previous period, if any.")
    dimensions: list[DimensionFigure]
    rows: list[RowOut]
    common_gaps: list[GapFigure]


@router.get(
    "/figures/organisation",
    response={200: FiguresOut, **ERRORS},
    url_name="organisation_figures",
    summary="The organisation dashboard's figures",
    description="For management and unit managers (a unit manager reads their units only); "
    "anyone else gets 404, as does everyone before the first period. Filters as the "
    "dashboard's.",
)
def organisation_figures(request: HttpRequest, filters: Query[FigureFilters]) -> FiguresOut:
    reader = reader_of(request)
    if not _reads_figures(reader):
        raise Http404
    generation = dashboards_generation()
    choices = dashboard_choices_for_user(user=reader, generation=generation, asked={})
    chosen = _filters(choices, filters)
    # Computed once per generation, as the dashboard's page is: a submission starts a new one.
    return cached(
        f"api-figures:{chosen.cache_key()}",
        lambda: _figures(chosen, choices),
        generation=generation,
    )


def _figures(chosen: DashboardFilters, choices: DashboardChoices) -> FiguresOut:
    data = organisation_dashboard(filters=chosen, choices=choices)
    return FiguresOut(
        filters=FiltersOut(
            period=chosen.period.key,
            unit=chosen.unit.slug if chosen.unit else None,
            team=chosen.team.slug if chosen.team else None,
            stage=chosen.stage or None,
        ),
        headline=_headline(data.current),
        changes=_changes(data),
        dimensions=_dimensions(chosen),
        rows=[
            RowOut(
                name=row.name,
                kind=row.kind,
                projects_due=row.due,
                projects_assessed=row.assessed,
                completion_percent=row.completion_percent,
                by_level=_levels(row.by_level),
                median_score=row.median_score,
            )
            for row in (data.rollup.rows if data.rollup else [])
        ],
        common_gaps=[GapFigure(**asdict(gap)) for gap in data.gaps],
    )


def _reads_figures(reader: User) -> bool:
    """The dashboard's readers: management (and org admins) and unit managers."""
    return is_management(reader) or bool(managed_unit_paths(reader))


def _filters(choices: DashboardChoices, asked: FigureFilters) -> DashboardFilters:
    """The dashboard's filters from the request: a named value must be one the dashboard
    offers this reader (422 otherwise); an absent one takes the dashboard's default."""
    period = next((p for p in choices.periods if p.key == asked.period), None)
    if asked.period and period is None:
        raise unknown_value("period", f"No period '{asked.period}'.")
    period = period or default_period(choices=choices)
    if period is None:
        raise Http404
    offered = [*choices.units, *([NO_UNIT_CHOICE] if choices.units and not choices.within else [])]
    unit = next((u for u in offered if u.slug == asked.unit), None)
    if asked.unit and unit is None:
        raise unknown_value("unit", f"No unit '{asked.unit}' among those this token reads.")
    unit = unit or units.default_unit(choices)
    team = next((t for t in choices.teams if t.slug == asked.team), None)
    if asked.team and team is None:
        raise unknown_value("team", f"No team '{asked.team}' among those this token reads.")
    if team is not None and unit is not None:
        inside = not team.unit_path if unit.is_no_unit else team.unit_path.startswith(unit.path)
        if not inside:
            raise unknown_value("team", f"Team '{team.slug}' is not in unit '{unit.slug}'.")
    stage = asked.stage.value if asked.stage else ""
    return DashboardFilters(period=period, team=team, stage=stage, unit=unit, within=choices.within)


def _levels(counts: tuple[int, ...]) -> list[LevelCount]:
    return [
        LevelCount(level=level, projects=count) for level, count in zip(LEVELS, counts, strict=True)
    ]


def _headline(current: QuarterLevels) -> HeadlineOut:
    reviews = current.reviews
    return HeadlineOut(
        period=current.quarter,
        framework_version=current.framework_version,
        projects_due=current.due,
        projects_assessed=current.assessed,
        projects_counted=current.counted,
        completion_percent=current.completion_percent,
        level_1_or_more_percent=current.level_1_or_more_percent,
        level_2_percent=current.level_2_percent,
        by_level=_levels(current.by_level),
        reviews=ReviewsOut(
            reviewed=reviews.reviewed,
            self_assessed=reviews.self_assessed,
            awaiting_review=reviews.awaiting_review,
            returned=reviews.returned,
            awaiting_review_counted=reviews.awaiting_counted,
        ),
    )


def _changes(data: OrganisationDashboard) -> ChangesOut | None:
    previous, changes = data.previous, data.changes
    if previous is None:
        return None
    return ChangesOut(
        since=previous.quarter,
        framework_change=data.framework_change,
        assessed=changes["assessed"],
        completion_points=changes["completion"],
        level_1_or_more_points=changes.get("level_1_or_more"),
        level_2_points=changes.get("level_2"),
    )


def _dimensions(filters: DashboardFilters) -> list[DimensionFigure]:
    """Each dimension's quartiles of level plus progress over the projects in the filters,
    among the scores that count (one query)."""
    rows = (
        review_scope()
        .scores(DimensionScore.objects.filter(scope_q(filters), period_id=filters.period.pk))
        .annotate(position=LEVEL_POSITION)
    )
    found = quartiles_by_counting(
        rows, group=("dimension_order", "dimension_key", "dimension_name"), value="position"
    )
    return [
        DimensionFigure(
            key=key,
            name=name,
            projects=quartiles.count,
            median=quartiles.median,
            lower_quartile=quartiles.low,
            upper_quartile=quartiles.high,
        )
        for (_, key, name), quartiles in sorted(found.items())
    ]
