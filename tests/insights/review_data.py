"""Stored results by review status, and the organisation's choice whether results awaiting
review count, for the tests of the read side (the figures, the Reviews card, reports)."""

from collections.abc import Sequence

from assessments.models import Assessment, DimensionScore, PracticeGap, ReviewPolicy
from assessments.services.rollups import rollups_refresh
from core.cache import dashboards_changed
from core.signals import projects_changed


def count_awaiting(counted: bool) -> ReviewPolicy:
    """Set the organisation's choice, and refresh the dashboards as the policy page does."""
    policy = ReviewPolicy.objects.update_or_create(
        pk=1, defaults={"count_awaiting_review": counted}
    )[0]
    dashboards_changed()
    return policy


def review(
    assessment: Assessment, status: str, *, signals: Sequence[tuple[str, str]] = ()
) -> Assessment:
    """Give a stored submission a review status (and signals: (kind, text) pairs), its
    stored scores marked awaiting review or not and its roll-ups refreshed, as the submit
    and review services do."""
    awaiting = status == Assessment.Review.PENDING
    Assessment.objects.filter(pk=assessment.pk).update(
        review_status=status, signals=[{"kind": kind, "text": text} for kind, text in signals]
    )
    DimensionScore.objects.filter(assessment=assessment).update(awaiting_review=awaiting)
    PracticeGap.objects.filter(assessment=assessment).update(awaiting_review=awaiting)
    rollups_refresh(period_id=assessment.period_id, team_id=assessment.project.team_id)
    projects_changed.send(sender=Assessment, projects=[assessment.project_id])
    dashboards_changed()
    assessment.refresh_from_db()
    return assessment


def returned(assessment: Assessment) -> Assessment:
    """A submission a reviewer returned: a draft again, without its stored scores."""
    Assessment.objects.filter(pk=assessment.pk).update(
        status=Assessment.Status.DRAFT,
        review_status=Assessment.Review.RETURNED,
        overall_level=None,
        overall_score=None,
    )
    DimensionScore.objects.filter(assessment=assessment).delete()
    PracticeGap.objects.filter(assessment=assessment).delete()
    rollups_refresh(period_id=assessment.period_id, team_id=assessment.project.team_id)
    projects_changed.send(sender=Assessment, projects=[assessment.project_id])
    dashboards_changed()
    assessment.refresh_from_db()
    return assessment
