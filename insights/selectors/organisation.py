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
from django.db.models import (
    Avg,
    Count,
    F,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.lookups import GreaterThan
from django.urls import reverse
from django.utils import timezone

from assessments.models import Assessment, DimensionScore, Period, Practice, PracticeGap
from assessments.review_scope import ReviewScope, review_scope
from assessments.rules.levels import LEVELS
from core.access import AnyUser, is_management, managed_unit_paths
from core.cache import cached
from insights.review_counts import ReviewCounts
from insights.selectors import changes, quarters, units
from insights.selectors.common import (
    SUBMITTED,
    common_gaps,
    scope_q,
    trend,
)
from insights.shapes import (
    STALLED_QUARTERS,
    DashboardChoices,
    DashboardFilters,
    OrganisationDashboard,
    PeriodChoice,
    QuarterLevels,
    TeamChoice,
    TeamCompletion,
    TrendPoint,
    UnitChoice,
)
from teams.models import Team, Unit

TEAM_SLUG = "team-slug"


def dashboard_choices(*, generation: str) -> DashboardChoices:
    """The quarters, teams and units the dashboard filters offer (three queries, cached)."""

    def compute() -> DashboardChoices:
        periods = Period.objects.values_list(
            "id", "key", "opens_on", "framework_id", "framework__version"
        )
        teams = Team.objects.order_by("name").values_list("id", "slug", "name", "unit__path")
        units = list(Unit.objects.values_list("id", "slug", "name", "path", "parent_id"))
        names = {pk: name for pk, _, name, _, _ in units}
        # Every team is listed: their address is reversed once, and each slug put in it.
        team_url = reverse("portal:team_detail", kwargs={"slug": TEAM_SLUG})

        def label(path: str) -> str:
            return " / ".join(names[int(pk)] for pk in path.strip("/").split("/"))

        return DashboardChoices(
            periods=[PeriodChoice(*row) for row in periods],
            teams=[
                TeamChoice(pk, slug, name, team_url.replace(TEAM_SLUG, slug), path or "")
                for pk, slug, name, path in teams
            ],
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
    team_scores = None
    cells: units.TeamCells
    if quarters.reads_rollups(filters):
        whole = quarters.whole_organisation(filters)
        kept = None if whole else [team.pk for team in choices.teams if units.keeps(filters, team)]
        stored = quarters.team_quarters(filters, history, rule, teams=kept, summed_before=whole)
        per_team, team_scores = stored.counts, stored.scores.get(filters.period.pk, {})
        points = (
            quarters.stored_trend(periods=history, rule=rule) if whole else stored.trend(history)
        )
        cells = quarters.team_cells(filters, rule, teams=kept)
        gaps, held_back = quarters.gap_counts(filters, rule, teams=kept), Sum("held_back")
    else:
        per_team = _levels_by_team(assessments, history, rule)
        points = trend(scored.filter(period_id__in=[p.pk for p in history]))
        cells = _team_cells(filters, rule)
        gaps = rule.scores(
            PracticeGap.objects.filter(scope_q(filters), period_id=filters.period.pk)
        )
        held_back = None
    levels = [_quarter_levels(period, per_team[period.pk].values(), rule) for period in history]
    stalled, stalled_total = changes.stalled(scored, history[-STALLED_QUARTERS:], filters)
    movers, movers_not_compared = changes.movers(scored, history[-2:], filters, rule)
    chosen = per_team.get(filters.period.pk, {})
    return OrganisationDashboard(
        filters=filters,
        quarters=levels,
        trend=points,
        heatmap=units.team_heatmap(cells, teams=choices.teams),
        completion_by_team=_completion(chosen, teams),
        gaps=common_gaps(
            gaps,
            practices=Practice.objects.filter(framework_id=filters.period.framework_id),
            assessed=levels[-1].counted,
            projects=held_back,
        ),
        movers=movers,
        stalled=stalled,
        stalled_total=stalled_total,
        movers_not_compared=movers_not_compared,
        rollup=units.rollup(
            filters=filters,
            choices=choices,
            cells=cells,
            counts=chosen,
            rule=rule,
            scores=team_scores,
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
) -> dict[int, dict[int, dict[str, int]]]:
    """Counts per quarter and per team in one GROUP BY (period pk -> team pk -> counts), as
    quarters.team_counts reads them from the roll-ups, for the filters those do not split."""
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
    return per_team


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


def organisation_trend(*, generation: str) -> list[TrendPoint]:
    """The organisation's median and quartiles per quarter (one query, from the roll-ups)."""

    def compute() -> list[TrendPoint]:
        return quarters.stored_trend(periods=None, rule=review_scope())

    return cached("org-trend", compute, generation=generation)


def organisation_dimension_medians(*, quarter: str, generation: str) -> dict[str, float]:
    """The median level of every dimension across the organisation, with progress (level
    plus progress to the next, as the radar draws it; one query, from the roll-ups)."""

    def compute() -> dict[str, float]:
        return quarters.stored_dimension_medians(quarter=quarter, rule=review_scope())

    return cached(f"dimension-medians:{quarter}", compute, generation=generation)
