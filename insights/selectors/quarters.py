"""The dashboards' figures read from the roll-ups (assessments.models.rollups): a row per
team, or per team and dimension or practice, in a quarter, whatever the number of projects;
and the organisation's quartiles stored per quarter.

They answer for the filters that keep whole teams (the organisation, a unit, a unit
manager's units). A team or stage filter reads the stored scores themselves, which the
filter keeps few or which the roll-ups do not split.
"""

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db.models import Case, Count, F, JSONField, Q, QuerySet, Value, When

from assessments.models import (
    Assessment,
    OrganisationQuarter,
    OrganisationQuarterGap,
    QuarterQuartiles,
    TeamQuarter,
    TeamQuarterDimension,
    TeamQuarterGap,
)
from assessments.review_scope import ReviewScope
from assessments.rules.levels import LEVELS
from assessments.rules.quartiles import quartiles_of
from insights.selectors.common import scope_q
from insights.shapes import DashboardFilters, PeriodChoice, Quartiles, TrendPoint

STORED_COUNTS = (
    "due",
    "assessed",
    *(f"level_{level}" for level in LEVELS),
    *(f"pending_level_{level}" for level in LEVELS),
    "reviewed",
    "awaiting_review",
    "returned",
)
# The key the quarters read summed over their teams come under.
EVERY_TEAM = 0
OVERALL = ""  # QuarterQuartiles' dimension key for the overall score


def reads_rollups(filters: DashboardFilters) -> bool:
    """Whether the filters keep whole teams, as the roll-ups count them."""
    return filters.team is None and not filters.stage


def whole_organisation(filters: DashboardFilters) -> bool:
    """Whether the filters keep every team, whose quartiles are stored."""
    return reads_rollups(filters) and filters.unit is None and not filters.within


@dataclass(frozen=True)
class StoredQuarters:
    """Period pk -> team pk -> due, assessed, level_<n> (of the results that count) and the
    results by review status; and, per team, the overall scores that count."""

    counts: dict[int, dict[int, dict[str, int]]]
    scores: dict[int, dict[int, list[float]]] = field(default_factory=dict)

    def trend(self, periods: Sequence[PeriodChoice]) -> list[TrendPoint]:
        """The overall score's quartiles per quarter, from the teams' scores."""
        points = []
        for period in periods:
            spread = quartiles_of(
                Counter(score for team in self.scores.get(period.pk, {}).values() for score in team)
            )
            if spread is not None:
                quartiles = Quartiles(spread.low, spread.median, spread.high, spread.size)
                points.append(TrendPoint(period.key, quartiles, period.framework_version))
        return sorted(points, key=lambda point: point.quarter)


def team_quarters(
    filters: DashboardFilters,
    history: Sequence[PeriodChoice],
    rule: ReviewScope,
    *,
    teams: Sequence[int] | None,
    summed_before: bool,
) -> StoredQuarters:
    """The counts and scores of `teams` (None: every team) in the chosen quarter, and in the
    quarters before it, per team too, or the organisation's (under EVERY_TEAM) when
    `summed_before`, for filters that keep every team (one query: the roll-ups, with the
    drafts of archived projects taken away, which are no longer due)."""
    chosen = filters.period.pk
    per_team = [chosen] if summed_before else [period.pk for period in history]
    summed = [period.pk for period in history if period.pk not in per_team]
    no_scores = Value(None, output_field=JSONField())
    rows = (
        TeamQuarter.objects.filter(_of(teams), period_id__in=per_team)
        .order_by()
        .values_list("period_id", "team_id", *STORED_COUNTS, "scores", "pending_scores")
        .union(
            OrganisationQuarter.objects.filter(period_id__in=summed)
            .order_by()
            .annotate(every_team=Value(EVERY_TEAM), none=no_scores, nothing=no_scores)
            .values_list("period_id", "every_team", *STORED_COUNTS, "none", "nothing"),
            _archived_drafts(filters, per_team=per_team, summed=summed),
            all=True,
        )
    )
    counts: dict[int, dict[int, dict[str, int]]] = defaultdict(dict)
    scores: dict[int, dict[int, list[float]]] = defaultdict(dict)
    for period_id, team_id, *row, counted, pending in rows:
        team = counts[period_id].setdefault(team_id, dict.fromkeys(STORED_COUNTS, 0))
        for name, count in zip(STORED_COUNTS, row, strict=True):
            team[name] += count
        if counted is not None:
            taken = counted + pending if rule.awaiting_counted else counted
            scores[period_id][team_id] = taken
    shown = {
        period_id: {team_id: _counted(team, rule) for team_id, team in teams.items()}
        for period_id, teams in counts.items()
    }
    return StoredQuarters(counts=defaultdict(dict, shown), scores=scores)


def _of(teams: Sequence[int] | None) -> Q:
    """The roll-up rows of `teams` (the teams the filters keep, as the dashboard's choices
    list them; None: every team): read by the (period, team) index, with no join."""
    return Q() if teams is None else Q(team_id__in=list(teams))


def _archived_drafts(
    filters: DashboardFilters, *, per_team: list[int], summed: list[int]
) -> QuerySet:
    """The drafts of archived projects, which are no longer due but which the roll-ups
    count, as rows to add to theirs."""
    returned = Q(review_status=Assessment.Review.RETURNED)
    taken_away = {
        name: -Count("pk")
        if name == "due"
        else -Count("pk", filter=returned)
        if name == "returned"
        else Value(0)
        for name in STORED_COUNTS
    }
    no_scores = Value(None, output_field=JSONField())
    return (
        Assessment.objects.filter(
            scope_q(filters, team="project__team_id"),
            period_id__in=[*per_team, *summed],
            status=Assessment.Status.DRAFT,
            project__archived_at__isnull=False,
        )
        .order_by()
        .values("period_id")
        .annotate(
            row_team=Case(
                When(period_id__in=per_team, then=F("project__team_id")),
                default=Value(EVERY_TEAM),
            ),
            **{f"archived_{name}": count for name, count in taken_away.items()},
            none=no_scores,
            nothing=no_scores,
        )
        .values_list(
            "period_id",
            "row_team",
            *(f"archived_{name}" for name in STORED_COUNTS),
            "none",
            "nothing",
        )
    )


def _counted(stored: dict[str, int], rule: ReviewScope) -> dict[str, int]:
    """The counts the dashboards show, from the stored ones: the levels of the results that
    count, and the submissions by review status."""
    taken = ("", "pending_") if rule.awaiting_counted else ("",)
    assessed, reviewed = stored["assessed"], stored["reviewed"]
    awaiting = stored["awaiting_review"]
    return {
        "due": stored["due"],
        "assessed": assessed,
        **{
            f"level_{level}": sum(stored[f"{prefix}level_{level}"] for prefix in taken)
            for level in LEVELS
        },
        "reviewed": reviewed,
        "self_assessed": assessed - reviewed - awaiting,
        "awaiting_review": awaiting,
        "returned": stored["returned"],
    }


DIMENSION_SUMS = ("levelled", "level_sum", "not_assessed", "mostly_na")


def team_cells(
    filters: DashboardFilters, rule: ReviewScope, *, teams: Sequence[int] | None
) -> dict[tuple[int, str], dict]:
    """Per team and dimension in the chosen quarter, as organisation._team_cells reads the
    stored scores: the mean level, the projects assessed in it, not assessed, mostly N/A."""
    taken = ("", "pending_") if rule.awaiting_counted else ("",)
    rows = TeamQuarterDimension.objects.filter(_of(teams), period_id=filters.period.pk).values_list(
        "team_id",
        "dimension_key",
        "dimension_name",
        "dimension_order",
        *(f"{prefix}{name}" for prefix in taken for name in DIMENSION_SUMS),
    )
    cells = {}
    for team_id, key, name, order, *sums in rows:
        if len(taken) > 1:
            sums = [a + b for a, b in zip(sums[:4], sums[4:], strict=True)]
        levelled, level_sum, not_assessed, mostly_na = sums
        if levelled or not_assessed:  # else only results awaiting review, which do not count
            cells[(team_id, key)] = {
                "team_id": team_id,
                "dimension_key": key,
                "dimension_name": name,
                "dimension_order": order,
                "mean_level": level_sum / levelled if levelled else None,
                "projects": levelled,
                "not_assessed": not_assessed,
                "mostly_na": mostly_na,
            }
    return cells


def gap_counts(
    filters: DashboardFilters, rule: ReviewScope, *, teams: Sequence[int] | None
) -> QuerySet:
    """Rows with `practice_key` and `held_back` (projects) in the chosen quarter, for
    common.common_gaps (summed there per practice): the organisation's, or its teams'."""
    held_back = F("projects") + F("pending_projects") if rule.awaiting_counted else F("projects")
    rows: QuerySet
    if whole_organisation(filters):
        rows = OrganisationQuarterGap.objects.filter(period_id=filters.period.pk)
    else:
        rows = TeamQuarterGap.objects.filter(_of(teams), period_id=filters.period.pk)
    return rows.annotate(held_back=held_back)


def stored_trend(*, periods: Sequence[PeriodChoice] | None, rule: ReviewScope) -> list[TrendPoint]:
    """The organisation's overall score quartiles per quarter (every quarter when `periods`
    is None), as common.trend computes them from the stored scores (one query)."""
    rows = QuarterQuartiles.objects.filter(
        dimension_key=OVERALL, awaiting_counted=rule.awaiting_counted
    )
    if periods is not None:
        rows = rows.filter(period_id__in=[period.pk for period in periods])
    points = [
        TrendPoint(key, Quartiles(low, median, high, count), framework_version=version)
        for key, version, low, median, high, count in rows.values_list(
            "period__key", "period__framework__version", "low", "median", "high", "count"
        )
    ]
    return sorted(points, key=lambda point: point.quarter)


def stored_dimension_medians(*, quarter: str, rule: ReviewScope) -> dict[str, float]:
    """Dimension key -> the organisation's median position in the quarter (one query)."""
    rows = QuarterQuartiles.objects.filter(
        period__key=quarter, awaiting_counted=rule.awaiting_counted
    ).exclude(dimension_key=OVERALL)
    return dict(rows.values_list("dimension_key", "median"))


def median_of(scores: Iterable[float]) -> float | None:
    spread = quartiles_of(Counter(scores))
    return spread.median if spread else None
