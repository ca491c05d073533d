"""What a submission means for review: whether it waits for a reviewer, its inflation
signals, and the two ends of a review (returned to draft, or reviewed).

The review workflow itself (who reviews, the queue, comments, e-mails) lives in the `reviews`
app, which calls `assessment_return` and `assessment_mark_reviewed` here.
"""

import datetime
from collections.abc import Sequence

from django.db.models import F
from django.utils import timezone
from django.utils.formats import date_format

from assessments.evidence_selectors import practice_evidence
from assessments.models import (
    Answer,
    AnswerChange,
    Assessment,
    Dimension,
    DimensionScore,
    PracticeGap,
    ReviewPolicy,
)
from assessments.rules import review as rules
from assessments.rules import scoring
from assessments.rules.levels import YES, answer_label
from assessments.services.rollups import rollups_refresh
from core.cache import dashboards_changed
from core.signals import projects_changed

PENDING = Assessment.Review.PENDING


def review_fields_at_submit(
    *,
    assessment: Assessment,
    answers: Sequence[Answer],
    score: scoring.AssessmentScore,
    exemptions_requested: int,
) -> dict:
    """The submission's `review_status` and `signals`, from the organisation's policy, the
    previous submission's levels and the answers' history."""
    claims = rules.claims_of(score.dimensions)
    previous = (
        Assessment.objects.filter(
            project_id=assessment.project_id,
            status=Assessment.Status.SUBMITTED,
            period__opens_on__lt=assessment.period.opens_on,
        )
        .order_by("-period__opens_on")
        .values_list("pk", "overall_level")
        .first()
    )
    previous_levels: dict[str, int | None] = {}
    previous_overall = None
    if previous is not None:
        previous_overall = previous[1]
        previous_levels = dict(
            DimensionScore.objects.filter(assessment_id=previous[0]).values_list(
                "dimension_key", "level"
            )
        )
    due_on = assessment.period.due_on
    dimension_names = dict(
        Dimension.objects.filter(framework_id=assessment.period.framework_id).values_list(
            "pk", "name"
        )
    )
    signals = rules.inflation_signals(
        claims=claims,
        previous_levels=previous_levels,
        previous_overall=previous_overall,
        overall_level=score.overall_level,
        top_level_unevidenced=[
            dimension_names[a.practice.dimension_id]
            for a in answers
            if rules.is_unevidenced_top_claim(
                level=a.practice.level, value=a.value, evidence_url=a.evidence_url, note=a.note
            )
        ],
        last_day_rises=_last_day_rises(assessment, due_on),
        due_on_text=date_format(due_on, "j F Y"),
        evidence_mismatches=_evidence_mismatches(assessment, answers),
    )
    waits = rules.needs_review(
        policy=ReviewPolicy.current().rule,
        claims=claims,
        previous_levels=previous_levels,
        exemptions_requested=exemptions_requested,
        was_returned=assessment.review_status == Assessment.Review.RETURNED,
    )
    return {
        "review_status": PENDING if waits else Assessment.Review.SELF_ASSESSED,
        "signals": [signal.as_dict() for signal in signals],
    }


def _last_day_rises(assessment: Assessment, due_on: datetime.date) -> int:
    """Answers raised on the due date or the day before it (local time)."""
    start = timezone.make_aware(
        datetime.datetime.combine(due_on - datetime.timedelta(days=1), datetime.time.min)
    )
    end = timezone.make_aware(
        datetime.datetime.combine(due_on + datetime.timedelta(days=1), datetime.time.min)
    )
    changes = AnswerChange.objects.filter(
        answer__assessment=assessment, field="value", changed_at__gte=start, changed_at__lt=end
    ).values_list("answer_id", "old_value", "new_value")
    return len({answer for answer, old, new in changes if rules.is_rise(old, new)})


def _evidence_mismatches(
    assessment: Assessment, answers: Sequence[Answer]
) -> list[rules.EvidenceMismatch]:
    """Answers of "fully in place" that the tools' latest facts contradict (one query, and
    none when no evidenced practice is answered so)."""
    claimed = [a.practice for a in answers if a.value == YES and a.practice.evidence]
    evidence = practice_evidence(project_id=assessment.project_id, practices=claimed)
    return [
        rules.EvidenceMismatch(
            practice=entry.name,
            source=entry.source,
            fact=entry.reading.sentence,
            suggested=answer_label(entry.suggestion.answer),
            is_demo=entry.reading.is_demo,
        )
        for entry in sorted(evidence.values(), key=lambda entry: entry.order)
        if entry.reading is not None and entry.contradicts(YES)
    ]


def assessment_return(*, assessment: Assessment) -> bool:
    """Send a submission that awaits review back to draft: its stored scores go, its answers
    stay, and the lead answers the comments and submits again. False when it no longer
    awaits review (another reviewer decided first). Call inside the caller's transaction."""
    claimed = Assessment.objects.filter(
        pk=assessment.pk, status=Assessment.Status.SUBMITTED, review_status=PENDING
    ).update(
        status=Assessment.Status.DRAFT,
        review_status=Assessment.Review.RETURNED,
        overall_level=None,
        overall_score=None,
        weakest_dimension_key="",
        anti_patterns=[],
        version=F("version") + 1,
        updated_at=timezone.now(),
    )
    if not claimed:
        return False
    DimensionScore.objects.filter(assessment=assessment).delete()
    PracticeGap.objects.filter(assessment=assessment).delete()
    rollups_refresh(period_id=assessment.period_id, team_id=assessment.project.team_id)
    projects_changed.send(sender=Assessment, projects=[assessment.project_id])
    dashboards_changed()
    assessment.refresh_from_db()
    return True


def assessment_mark_reviewed(*, assessment: Assessment) -> bool:
    """Record that a reviewer accepted the submission; False when it no longer awaits
    review. Call inside the caller's transaction."""
    claimed = Assessment.objects.filter(
        pk=assessment.pk, status=Assessment.Status.SUBMITTED, review_status=PENDING
    ).update(review_status=Assessment.Review.REVIEWED, updated_at=timezone.now())
    if not claimed:
        return False
    DimensionScore.objects.filter(assessment=assessment).update(awaiting_review=False)
    PracticeGap.objects.filter(assessment=assessment).update(awaiting_review=False)
    rollups_refresh(period_id=assessment.period_id, team_id=assessment.project.team_id)
    projects_changed.send(sender=Assessment, projects=[assessment.project_id])
    dashboards_changed()
    assessment.refresh_from_db()
    return True
