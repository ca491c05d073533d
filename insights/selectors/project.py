"""The project page's insights: every assessment, and the history of the submitted ones
that count (assessments.review_scope) beside the organisation's dimension medians (six
queries at most, the review policy one of them)."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db.models import QuerySet

from assessments.models import Assessment, DimensionScore
from assessments.review_scope import ReviewScope, review_scope
from core.cache import dashboards_generation
from insights.selectors.organisation import organisation_dimension_medians
from insights.shapes import DimensionPoint, QuarterScores, framework_change
from teams.models import Project


@dataclass(frozen=True)
class ProjectInsights:
    assessments: list[Assessment]
    history: list[QuarterScores] = field(default_factory=list)  # oldest first
    organisation_medians: dict[str, float] = field(default_factory=dict)
    # Submitted results awaiting review, left out of the charts by the organisation's choice.
    left_out: list[str] = field(default_factory=list)  # their quarters

    @property
    def latest_quarter(self) -> str | None:
        return self.history[-1].quarter if self.history else None

    @property
    def framework_changes(self) -> dict[str, str]:
        """Quarter -> "v1 → v2" for each assessment whose framework version differs from
        the project's assessment before it (assessments come newest first)."""
        changes = {}
        for later, earlier in zip(self.assessments, self.assessments[1:], strict=False):
            change = framework_change(
                earlier.period.framework.version, later.period.framework.version
            )
            if change:
                changes[later.period.key] = change
        return changes


def project_assessments(*, project: Project) -> QuerySet[Assessment]:
    return project.assessments.select_related("period__framework").order_by("-period__opens_on")


def project_insights(*, project: Project) -> ProjectInsights:
    assessments = list(project_assessments(project=project))
    rule = review_scope()
    left_out = [
        a.period.key
        for a in assessments
        if a.is_submitted and a.awaits_review and not rule.awaiting_counted
    ]
    history = _project_history(project, assessments, rule)
    if not history:
        return ProjectInsights(assessments=assessments, left_out=left_out)
    medians = organisation_dimension_medians(
        quarter=history[-1].quarter, generation=dashboards_generation()
    )
    return ProjectInsights(
        assessments=assessments, history=history, organisation_medians=medians, left_out=left_out
    )


def _project_history(
    project: Project, assessments: Sequence[Assessment], rule: ReviewScope
) -> list[QuarterScores]:
    points: dict[str, list[DimensionPoint]] = defaultdict(list)
    scores = rule.scores(DimensionScore.objects.filter(project=project)).order_by("dimension_order")
    for row in scores.values_list(
        "period__key", "dimension_key", "dimension_name", "level", "progress", "score"
    ):
        points[row[0]].append(DimensionPoint(*row[1:]))
    return [
        QuarterScores(
            quarter=a.period.key,
            overall_level=a.overall_level,
            overall_score=a.overall_score,
            dimensions=points[a.period.key],
            framework_version=a.period.framework.version,
        )
        for a in reversed(assessments)
        if a.is_submitted and points[a.period.key]
    ]
