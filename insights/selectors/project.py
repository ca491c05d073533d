"""The project page's insights: every assessment, and the history of the submitted ones
beside the organisation's dimension medians (five queries at most)."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db.models import QuerySet

from assessments.models import Assessment, DimensionScore
from core.cache import dashboards_generation
from insights.selectors.organisation import organisation_dimension_medians
from insights.shapes import DimensionPoint, QuarterScores, framework_change
from teams.models import Project


@dataclass(frozen=True)
class ProjectInsights:
    assessments: list[Assessment]
    history: list[QuarterScores] = field(default_factory=list)  # oldest first
    organisation_medians: dict[str, float] = field(default_factory=dict)

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
    history = _project_history(project, assessments)
    if not history:
        return ProjectInsights(assessments=assessments)
    medians = organisation_dimension_medians(
        quarter=history[-1].quarter, generation=dashboards_generation()
    )
    return ProjectInsights(assessments=assessments, history=history, organisation_medians=medians)


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
            overall_score=a.overall_score,
            dimensions=points[a.period.key],
            framework_version=a.period.framework.version,
        )
        for a in reversed(assessments)
        if a.is_submitted and points[a.period.key]
    ]
