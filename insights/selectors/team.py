"""The team page's insights: this quarter's assessments and drafts, the team's trend, its
projects by dimension and its common gaps, and what they are built on (eight queries at
most, the review policy one of them); and its projects' delivery outcomes (one query)."""

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from assessments.models import Assessment, DimensionScore, Period, Practice, TeamQuarterGap
from assessments.review_scope import ReviewScope, review_scope
from assessments.rules.quartiles import quartiles_of
from assessments.rules.recommendations import CommonGap
from assessments.selectors import drafts_asked_progress, period_current
from core.cache import dashboards_generation
from evidence.models import Outcome
from evidence.rules.outcomes import last_quarters
from insights.review_counts import ReviewCounts
from insights.selectors.common import SUBMITTED, common_gaps, project_heatmap
from insights.selectors.organisation import organisation_trend
from insights.selectors.outcomes import (
    OUTCOME_VALUES,
    ProjectOutcomes,
    QuarterOutcome,
    pooled_quarter,
    project_outcomes_from_rows,
)
from insights.shapes import TEAM_GAPS, Heatmap, Quartiles, TrendPoint
from teams.models import Project, Team


@dataclass(frozen=True)
class TeamInsights:
    period: Period | None
    assessments_by_project: Mapping[int, Assessment]
    trend: list[TrendPoint] = field(default_factory=list)
    organisation_trend: list[TrendPoint] = field(default_factory=list)
    heatmap: Heatmap | None = None
    gaps: list[CommonGap] = field(default_factory=list)
    reviews: ReviewCounts | None = None  # of the latest quarter's results
    # With no result that counts yet: this quarter's submissions left out, awaiting review.
    awaiting_left_out: int = 0

    @property
    def latest_quarter(self) -> str | None:
        return self.trend[-1].quarter if self.trend else None


def team_insights(*, team: Team) -> TeamInsights:
    period = period_current()
    assessments = (
        list(
            Assessment.objects.counted()
            .filter(period=period, project__team=team)
            .select_related("project", "period__framework")
            .annotate(
                answer_total=Count("answers"),
                answered=Count("answers", filter=~Q(answers__value="")),
            )
        )
        if period
        else []
    )
    drafts_asked_progress(assessments=assessments)
    by_project = {a.project_id: a for a in assessments}
    rule = review_scope()
    team_trend, reviews = _trend_and_reviews(team, rule)
    if not team_trend:
        waiting = 0 if rule.awaiting_counted else sum(a.awaits_review for a in assessments)
        return TeamInsights(
            period=period, assessments_by_project=by_project, awaiting_left_out=waiting
        )
    latest = team_trend[-1]
    # In a quarter still under way, projects not submitted yet show as empty rows, and so
    # do those awaiting review when they do not count.
    under_way = period is not None and period.key == latest.quarter
    due = [a.project for a in assessments] if under_way else []
    return TeamInsights(
        period=period,
        assessments_by_project=by_project,
        trend=team_trend,
        organisation_trend=organisation_trend(generation=dashboards_generation()),
        heatmap=project_heatmap(
            rule.scores(DimensionScore.objects.filter(team=team, period__key=latest.quarter)),
            due=due,
            drafts=[a for a in assessments if not a.is_submitted] if under_way else [],
            awaiting={a.project.slug for a in assessments if a.awaits_review} if under_way else (),
        ),
        gaps=common_gaps(
            TeamQuarterGap.objects.filter(team=team, period__key=latest.quarter).annotate(
                held_back=F("projects") + F("pending_projects")
                if rule.awaiting_counted
                else F("projects")
            ),
            projects=Sum("held_back"),
            practices=Practice.objects.filter(framework__periods__key=latest.quarter),
            assessed=latest.quartiles.count,
            limit=TEAM_GAPS,
        ),
        reviews=reviews.get(latest.quarter),
    )


def _trend_and_reviews(
    team: Team, rule: ReviewScope
) -> tuple[list[TrendPoint], dict[str, ReviewCounts]]:
    """The team's overall score quartiles per quarter, among the results that count, and
    each quarter's results by review status (one query: a team has a handful of projects)."""
    scores: dict[tuple[str, int], Counter[float]] = defaultdict(Counter)
    statuses: dict[str, Counter[str]] = defaultdict(Counter)
    for quarter, version, score, status in Assessment.objects.filter(
        project__team=team, status=SUBMITTED
    ).values_list("period__key", "period__framework__version", "overall_score", "review_status"):
        statuses[quarter][status or ""] += 1
        counts = rule.awaiting_counted or status != Assessment.Review.PENDING
        if score is not None and counts:
            scores[(quarter, version)][score] += 1
    points = []
    for (quarter, version), values in sorted(scores.items()):
        spread = quartiles_of(values)
        assert spread is not None
        quartiles = Quartiles(spread.low, spread.median, spread.high, spread.size)
        points.append(TrendPoint(quarter, quartiles, framework_version=version))
    reviews = {}
    for quarter, by_status in statuses.items():
        reviewed = by_status.pop(Assessment.Review.REVIEWED, 0)
        awaiting = by_status.pop(Assessment.Review.PENDING, 0)
        reviews[quarter] = ReviewCounts(
            reviewed=reviewed,
            self_assessed=sum(by_status.values()),
            awaiting_review=awaiting,
            awaiting_counted=rule.awaiting_counted,
        )
    return points, reviews


def team_outcomes_and_trend(
    projects: Sequence[Project], *, count: int = 4
) -> tuple[list[ProjectOutcomes], list[QuarterOutcome]]:
    """`outcomes.team_outcomes` and `outcomes.team_outcome_trend` from one read of the
    Outcome rows: `projects` are the team's active projects by name, as the page has them."""
    quarters = last_quarters(timezone.localdate(), count)
    rows = Outcome.objects.filter(
        project__in=[project.pk for project in projects], quarter__in=quarters
    ).values("project_id", *OUTCOME_VALUES)
    by_project: dict[int, dict[str, dict]] = defaultdict(dict)
    by_quarter: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        by_project[row.pop("project_id")][row["quarter"]] = row
        by_quarter[row["quarter"]].append(row)
    return (
        [
            project_outcomes_from_rows(project, quarters, by_project[project.pk])
            for project in projects
        ],
        [pooled_quarter(quarter, by_quarter[quarter], quarters[-1]) for quarter in quarters],
    )
