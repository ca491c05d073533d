"""The organisation dashboard: read stored scores only, a fixed number of queries.

The database groups and counts the stored DimensionScore, Assessment and PracticeGap rows
and Python only reshapes the small results. What every view needs (the filter choices, the
organisation's trend and medians) is cached under the dashboards' generation
(`core.cache`), which every service that writes what a dashboard shows bumps.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Avg, Count, F, FilteredRelation, Max, Min, Q, QuerySet, Window
from django.db.models.functions import Abs
from django.db.models.lookups import GreaterThan
from django.urls import reverse
from django.utils import timezone

from assessments.models import Assessment, DimensionScore, Period, Practice, PracticeGap
from assessments.review_scope import ReviewScope, review_scope
from assessments.rules.levels import LEVELS, TOP_LEVEL
from core.access import AnyUser, is_management, managed_unit_paths
from core.cache import cached
from insights.review_counts import ReviewCounts, review_label
from insights.selectors import units
from insights.selectors.common import (
    LEVEL_POSITION,
    SUBMITTED,
    common_gaps,
    quartiles_by,
    scope_q,
    trend,
)
from insights.shapes import (
    LIST_LIMIT,
    STALLED_QUARTERS,
    DashboardChoices,
    DashboardFilters,
    OrganisationDashboard,
    PeriodChoice,
    ProjectChange,
    QuarterLevels,
    TeamChoice,
    TeamCompletion,
    TrendPoint,
    UnitChoice,
    framework_change,
    mixed_versions,
)
from teams.models import Team, Unit


def dashboard_choices(*, generation: str) -> DashboardChoices:
    """The quarters, teams and units the dashboard filters offer (three queries, cached)."""

    def compute() -> DashboardChoices:
        periods = Period.objects.values_list(
            "id", "key", "opens_on", "framework_id", "framework__version"
        )
        teams = Team.objects.order_by("name").values_list("id", "slug", "name", "unit__path")
        units = list(Unit.objects.values_list("id", "slug", "name", "path", "parent_id"))
        names = {pk: name for pk, _, name, _, _ in units}

        def label(path: str) -> str:
            return " / ".join(names[int(pk)] for pk in path.strip("/").split("/"))

        return DashboardChoices(
            periods=[PeriodChoice(*row) for row in periods],
            teams=[TeamChoice.of(*row) for row in teams],
            units=sorted(
                (UnitChoice(*row, label=label(row[3])) for row in units),
                key=lambda unit: unit.label.lower(),
            ),
        )

    return cached("choices", compute, generation=generation)


def dashboard_choices_for_user(
    *, user: AnyUser, generation: str, asked: Mapping[str, str]
) -> DashboardChoices:
    """The choices a user may filter the organisation dashboard and its CSV with.

    Management and org admins read the whole organisation; a unit manager reads the units
    they manage, and a unit or team outside them in the address (`asked`) answers 404;
    anyone else may not open the dashboard."""
    every = dashboard_choices(generation=generation)
    if is_management(user):
        return every
    within = units.top_most(managed_unit_paths(user))
    if not within:
        raise PermissionDenied("The organisation dashboard is for management and unit managers.")
    mine = units.choices_within(every, within)
    units.require_visible(asked, every=every, mine=mine)
    return mine


def default_period(*, choices: DashboardChoices) -> PeriodChoice | None:
    """The newest quarter that has opened, as `period_current` has it, without a query."""
    today = timezone.localdate()
    opened = [period for period in choices.periods if period.opens_on <= today]
    candidates = opened or choices.periods
    return candidates[0] if candidates else None


def organisation_dashboard(
    *, filters: DashboardFilters, choices: DashboardChoices
) -> OrganisationDashboard:
    """Everything the organisation dashboard shows, for one quarter, unit, team and stage,
    and the roll-up by unit at the drill level (eight queries at most: the review policy,
    read once, is one of them).

    Quarters keep their framework version, and no comparison pairs two versions: movers
    across a change of version are counted, not ranked, and stalled needs a year on one.
    Results awaiting review count in completion always, in the levels and scores only as
    the organisation chose (assessments.review_scope)."""
    history = [p for p in reversed(choices.periods) if p.opens_on <= filters.period.opens_on]
    teams = {team.pk: team for team in choices.teams}
    rule = review_scope()
    assessments = Assessment.objects.counted().filter(scope_q(filters, team="project__team_id"))
    scored = assessments.filter(rule.assessments_q())
    quarters, per_team = _levels_by_team(assessments, history, rule)
    stalled, stalled_total = _stalled(scored, history[-STALLED_QUARTERS:], filters)
    movers, movers_not_compared = _movers(scored, history[-2:], filters, rule)
    cells = _team_cells(filters, rule)
    chosen = per_team.get(filters.period.pk, {})
    return OrganisationDashboard(
        filters=filters,
        quarters=quarters,
        trend=trend(scored.filter(period_id__in=[p.pk for p in history])),
        heatmap=units.team_heatmap(cells, teams=choices.teams),
        completion_by_team=_completion(chosen, teams),
        gaps=common_gaps(
            rule.scores(PracticeGap.objects.filter(scope_q(filters), period_id=filters.period.pk)),
            practices=Practice.objects.filter(framework_id=filters.period.framework_id),
            assessed=quarters[-1].counted,
        ),
        movers=movers,
        stalled=stalled,
        stalled_total=stalled_total,
        movers_not_compared=movers_not_compared,
        rollup=units.rollup(
            filters=filters, choices=choices, cells=cells, counts=chosen, rule=rule
        ),
    )


REVIEWED, PENDING = Assessment.Review.REVIEWED, Assessment.Review.PENDING
REVIEW_COUNTS = ("reviewed", "self_assessed", "awaiting_review", "returned")


def _level_counts(rule: ReviewScope) -> dict[str, Count]:
    """Due and assessed (completion), the levels of the results that count, and the
    results by review status, with the drafts returned for changes."""
    submitted = Q(status=SUBMITTED)
    levelled = submitted & rule.assessments_q()
    return {
        "due": Count("pk"),
        "assessed": Count("pk", filter=submitted),
        **{
            f"level_{level}": Count("pk", filter=levelled & Q(overall_level=level))
            for level in LEVELS
        },
        "reviewed": Count("pk", filter=submitted & Q(review_status=REVIEWED)),
        "self_assessed": Count("pk", filter=submitted & ~Q(review_status__in=[REVIEWED, PENDING])),
        "awaiting_review": Count("pk", filter=submitted & Q(review_status=PENDING)),
        "returned": Count("pk", filter=~submitted & Q(review_status=Assessment.Review.RETURNED)),
    }


def _levels_by_team(
    assessments: QuerySet[Assessment], history: Sequence[PeriodChoice], rule: ReviewScope
) -> tuple[list[QuarterLevels], dict[int, dict[int, dict[str, int]]]]:
    """Counts per quarter and per team in one GROUP BY: the quarters are the sums over the
    teams, and the teams' counts (period pk -> team pk -> counts) feed the roll-ups."""
    rows = (
        assessments.filter(period_id__in=[period.pk for period in history])
        .values("period_id", "project__team_id")
        .annotate(**_level_counts(rule))
        .order_by()
    )
    per_team: dict[int, dict[int, dict[str, int]]] = defaultdict(dict)
    for row in rows:
        counted: Mapping[str, Any] = row
        counts = {name: counted[name] for name in COUNTS}
        per_team[row["period_id"]][row["project__team_id"]] = counts
    quarters = [_quarter_levels(period, per_team[period.pk].values(), rule) for period in history]
    return quarters, per_team


COUNTS = ("due", "assessed", *(f"level_{level}" for level in LEVELS), *REVIEW_COUNTS)


def review_counts(counts: Mapping[str, int], rule: ReviewScope) -> ReviewCounts:
    """A team's or row's counts (as _levels_by_team gives them) by review status."""
    return ReviewCounts(
        **{name: counts.get(name, 0) for name in REVIEW_COUNTS},
        awaiting_counted=rule.awaiting_counted,
    )


def _completion(
    counts: Mapping[int, Mapping[str, int]], teams: dict[int, TeamChoice]
) -> list[TeamCompletion]:
    """The teams' completion in the chosen quarter, least complete first."""
    return sorted(
        (
            TeamCompletion(
                name=teams[team_id].name,
                url=teams[team_id].url,
                due=row["due"],
                assessed=row["assessed"],
            )
            for team_id, row in counts.items()
            if team_id in teams
        ),
        key=lambda team: (team.assessed / team.due if team.due else 0, team.name),
    )


def _quarter_levels(
    period: PeriodChoice, rows: Iterable[Mapping[str, Any]], rule: ReviewScope
) -> QuarterLevels:
    rows = list(rows)
    return QuarterLevels(
        quarter=period.key,
        due=sum(row["due"] for row in rows),
        assessed=sum(row["assessed"] for row in rows),
        by_level=tuple(sum(row[f"level_{level}"] for row in rows) for level in LEVELS),
        framework_version=period.framework_version,
        reviews=review_counts(
            {name: sum(row[name] for row in rows) for name in REVIEW_COUNTS}, rule
        ),
    )


def _team_cells(filters: DashboardFilters, rule: ReviewScope) -> units.TeamCells:
    """Per team and dimension: the mean level of the projects assessed in it, how many,
    how many have it not assessed, and how many marked it mostly not applicable."""
    rows = (
        rule.scores(DimensionScore.objects.filter(scope_q(filters), period_id=filters.period.pk))
        .values("team_id", "dimension_key", "dimension_name", "dimension_order")
        .annotate(
            mean_level=Avg("level"),
            projects=Count("level"),
            not_assessed=Count("pk", filter=Q(level__isnull=True)),
            mostly_na=Count(
                "pk", filter=GreaterThan(F("not_applicable_count") * 2, F("practice_count"))
            ),
        )
        .order_by()
    )
    return {(row["team_id"], row["dimension_key"]): row for row in rows}


PROJECT_FIELDS = ("project__name", "project__slug", "project__team__name", "project__team__slug")


def _project_change(row: dict, *, earlier_level: int, earlier_score: float) -> ProjectChange:
    return ProjectChange(
        review=review_label(row["review_status"]),
        name=row["project__name"],
        url=reverse("portal:project_detail", kwargs={"slug": row["project__slug"]}),
        team_name=row["project__team__name"],
        team_url=reverse("portal:team_detail", kwargs={"slug": row["project__team__slug"]}),
        level=row["overall_level"],
        overall_score=row["overall_score"],
        earlier_level=earlier_level,
        earlier_overall_score=earlier_score,
    )


def _movers(
    assessments: QuerySet[Assessment],
    last_two: Sequence[PeriodChoice],
    filters: DashboardFilters,
    rule: ReviewScope,
) -> tuple[list[ProjectChange], int]:
    """The projects whose overall score changed most since the previous quarter, either
    way (one query), among the results that count (`assessments` and `rule`).

    When the two quarters used different framework versions no change is ranked: the
    second number counts the projects assessed in both, whose change is not compared.
    """
    if len(last_two) < 2:
        return [], 0
    earlier, now = last_two
    if framework_change(earlier.framework_version, now.framework_version):
        both = assessments.filter(
            rule.assessments_q("project__assessments__"),
            period_id=now.pk,
            status=SUBMITTED,
            project__assessments__period_id=earlier.pk,
            project__assessments__status=SUBMITTED,
        )
        return [], both.count()
    rows = (
        assessments.filter(period_id=filters.period.pk, status=SUBMITTED)
        .annotate(
            earlier=FilteredRelation(
                "project__assessments",
                condition=Q(
                    rule.assessments_q("project__assessments__"),
                    project__assessments__period_id=earlier.pk,
                    project__assessments__status=SUBMITTED,
                ),
            ),
            change=F("overall_score") - F("earlier__overall_score"),
        )
        .exclude(change=0)
        .filter(change__isnull=False)
        .order_by(Abs("change").desc(), "project__name")
        .values(
            *PROJECT_FIELDS,
            "overall_level",
            "overall_score",
            "review_status",
            "earlier__overall_level",
            "earlier__overall_score",
        )
    )[:LIST_LIMIT]
    movers = [
        _project_change(
            row,
            earlier_level=row["earlier__overall_level"],
            earlier_score=row["earlier__overall_score"],
        )
        for row in rows
    ]
    return movers, 0


def _stalled(
    assessments: QuerySet[Assessment],
    last_quarters: Sequence[PeriodChoice],
    filters: DashboardFilters,
) -> tuple[list[ProjectChange], int]:
    """Projects below the top level whose overall level has not moved for a year (the
    first few, lowest first, and how many there are). A year that spans two framework
    versions has none: a level of one version is not compared with a level of another."""
    if len(last_quarters) < STALLED_QUARTERS or mixed_versions(last_quarters):
        return [], 0
    rows = (
        assessments.filter(period_id__in=[p.pk for p in last_quarters], status=SUBMITTED)
        .values("project_id", *PROJECT_FIELDS)
        .annotate(
            quarters=Count("pk"),
            lowest=Min("overall_level"),
            highest=Max("overall_level"),
            latest_score=Max("overall_score", filter=Q(period_id=filters.period.pk)),
            review_status=Max("review_status", filter=Q(period_id=filters.period.pk)),
            earliest_score=Max("overall_score", filter=Q(period_id=last_quarters[0].pk)),
        )
        .filter(quarters=len(last_quarters), lowest=F("highest"), highest__lt=TOP_LEVEL)
        .annotate(total=Window(Count("*")))
        .order_by("highest", "latest_score", "project__name")[:LIST_LIMIT]
    )
    rows = list(rows)
    stalled = [
        _project_change(
            row | {"overall_level": row["highest"], "overall_score": row["latest_score"]},
            earlier_level=row["highest"],
            earlier_score=row["earliest_score"],
        )
        for row in rows
    ]
    return stalled, rows[0]["total"] if rows else 0


def organisation_trend(*, generation: str) -> list[TrendPoint]:
    """The organisation's median and quartiles per quarter (one query, cached)."""

    def compute() -> list[TrendPoint]:
        return trend(Assessment.objects.filter(review_scope().assessments_q()))

    return cached("org-trend", compute, generation=generation)


def organisation_dimension_medians(*, quarter: str, generation: str) -> dict[str, float]:
    """The median level of every dimension across the organisation, with progress (level
    plus progress to the next, as the radar draws it; one query, cached)."""

    def compute() -> dict[str, float]:
        rows = (
            review_scope()
            .scores(DimensionScore.objects.filter(period__key=quarter))
            .annotate(position=LEVEL_POSITION)
        )
        medians = quartiles_by(rows, group="dimension_key", value="position")
        return {key: quartiles.median for key, quartiles in medians.items()}

    return cached(f"dimension-medians:{quarter}", compute, generation=generation)
