"""Answering and submitting assessments: guarded writes that never lose a saved answer."""

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from assessments.models import (
    Answer,
    AnswerChange,
    Assessment,
    DimensionScore,
    Framework,
    Practice,
    PracticeGap,
)
from assessments.rules import scoring
from core.cache import dashboards_changed
from core.text import normalise_line

TRACKED_FIELDS = ("value", "na_reason", "note", "evidence_url")


class AssessmentLocked(Exception):
    """The assessment is submitted or its period is closed: answers are read-only."""


class AnswerConflict(Exception):
    """The answer changed since the page was loaded; nothing was written."""

    def __init__(self, current: Answer) -> None:
        super().__init__("The answer changed since you loaded the page.")
        self.current = current


class CarriedAnswersUnconfirmed(Exception):
    """Answers carried from last quarter that nobody confirmed: submitting needs a deliberate
    step, so last quarter's answers are never submitted unseen."""

    def __init__(self, count: int) -> None:
        super().__init__(
            f"{count} answer{'s are' if count != 1 else ' is'} last quarter's and not confirmed."
        )
        self.count = count


class AssessmentIncomplete(Exception):
    def __init__(self, missing: Sequence[Practice]) -> None:
        super().__init__(f"{len(missing)} practices are not answered yet.")
        self.missing = list(missing)


@lru_cache(maxsize=16)
def _scoring_framework(
    framework_id: int, content_hash: str
) -> tuple[tuple[scoring.Dimension, ...], tuple[scoring.Practice, ...]]:
    # Framework versions are immutable (keyed by content hash), so caching is safe.
    framework = Framework.objects.get(pk=framework_id)
    dimensions = tuple(
        scoring.Dimension(key=d.key, name=d.name, order=d.order) for d in framework.dimensions.all()
    )
    practices = tuple(
        scoring.Practice(
            key=p.key,
            dimension_key=p.dimension.key,
            level=p.level,
            effort=p.effort,
            prerequisites=tuple(p.prerequisites),
            anti_pattern=p.anti_pattern or None,
            order=p.order,
            question=p.question,
            next_step=p.next_step,
            why=p.why,
        )
        for p in framework.practices.select_related("dimension")
    )
    return dimensions, practices


def scoring_framework(
    framework: Framework,
) -> tuple[tuple[scoring.Dimension, ...], tuple[scoring.Practice, ...]]:
    return _scoring_framework(framework.pk, framework.content_hash)


def _lock_draft(assessment: Assessment, *, raise_if_submitted: bool = True) -> bool:
    """Lock the assessment's row while it is a draft (PostgreSQL: SELECT … FOR UPDATE;
    SQLite serialises writing transactions, begun IMMEDIATE). False, or AssessmentLocked,
    once it has been submitted meanwhile."""
    still_draft = (
        Assessment.objects.select_for_update()
        .filter(pk=assessment.pk, status=Assessment.Status.DRAFT)
        .values_list("pk", flat=True)
    )
    if still_draft:
        return True
    if raise_if_submitted:
        raise AssessmentLocked(Assessment.SUBMITTED_READ_ONLY)
    return False


def _ensure_editable(assessment: Assessment) -> None:
    reason = assessment.read_only_reason
    if reason is not None:
        raise AssessmentLocked(reason)


@transaction.atomic
def answer_save(
    *,
    assessment: Assessment,
    answer: Answer,
    expected_version: int,
    user: User,
    value: str,
    na_reason: str = "",
    note: str = "",
    evidence_url: str = "",
) -> Answer:
    """Save one answer if nobody changed it since `expected_version`, and log the change.

    The UPDATE is guarded by the version, so of two concurrent writers exactly one wins;
    the other gets AnswerConflict carrying the stored answer and nothing is written. The
    assessment's row is locked first, as the submission does, so a save and a submission
    never interleave: a save that comes after the submission finds it read-only.
    """
    _ensure_editable(assessment)
    _lock_draft(assessment)
    new_values = {
        "value": value,
        "na_reason": normalise_line(na_reason) if value == Answer.Value.NA else "",
        "note": note,
        "evidence_url": evidence_url,
    }
    unchanged = all(getattr(answer, field) == new_values[field] for field in TRACKED_FIELDS)
    # Saving a carried answer as it was confirms it; any change makes it this quarter's own.
    confirmed = unchanged and (answer.carried_over or answer.confirmed_unchanged)
    updated = Answer.objects.filter(pk=answer.pk, version=expected_version).update(
        **new_values,
        carried_over=False,
        confirmed_unchanged=confirmed,
        version=F("version") + 1,
        answered_by=user,
        answered_at=timezone.now(),
    )
    if not updated:
        raise AnswerConflict(Answer.objects.select_related("answered_by").get(pk=answer.pk))
    AnswerChange.objects.bulk_create(
        AnswerChange(
            answer=answer,
            field=field,
            old_value=getattr(answer, field),
            new_value=new_values[field],
            changed_by=user,
        )
        for field in TRACKED_FIELDS
        if getattr(answer, field) != new_values[field]
    )
    for field, new_value in new_values.items():
        setattr(answer, field, new_value)
    answer.version = expected_version + 1
    answer.carried_over = False
    answer.confirmed_unchanged = confirmed
    answer.answered_by = user
    return answer


@dataclass(frozen=True)
class SubmitResult:
    assessment: Assessment
    newly_submitted: bool


@transaction.atomic
def assessment_submit(
    *, assessment: Assessment, user: User, confirm_carried: bool = False
) -> SubmitResult:
    """Submit once: score it and store a row per dimension; a second submit is a no-op.

    Answers still carried over from last quarter stop the submission with
    CarriedAnswersUnconfirmed, unless the submitter confirms them all (`confirm_carried`),
    which records them as confirmed unchanged.
    """
    if assessment.is_submitted:
        return SubmitResult(assessment=assessment, newly_submitted=False)
    _ensure_editable(assessment)
    if not _lock_draft(assessment, raise_if_submitted=False):
        assessment.refresh_from_db()
        return SubmitResult(assessment=assessment, newly_submitted=False)
    # Read under the lock: no save can land between these answers and the stored score.
    answers = list(assessment.answers.select_related("practice"))
    missing = [a.practice for a in answers if not a.value]
    if missing:
        raise AssessmentIncomplete(sorted(missing, key=lambda practice: practice.order))
    carried = [a for a in answers if a.carried_over]
    if carried and not confirm_carried:
        raise CarriedAnswersUnconfirmed(len(carried))
    if carried:
        _confirm_carried(carried, user)
    claimed = Assessment.objects.filter(pk=assessment.pk, status=Assessment.Status.DRAFT).update(
        status=Assessment.Status.SUBMITTED,
        submitted_by=user,
        submitted_at=timezone.now(),
        version=F("version") + 1,
        confirmed_unchanged=sum(1 for a in answers if a.carried_over or a.confirmed_unchanged),
    )
    if not claimed:
        assessment.refresh_from_db()
        return SubmitResult(assessment=assessment, newly_submitted=False)
    score = assessment_score(assessment=assessment, answers=answers)
    _store_score(assessment, score)
    dashboards_changed()
    assessment.refresh_from_db()
    return SubmitResult(assessment=assessment, newly_submitted=True)


def _confirm_carried(carried: Sequence[Answer], user: User) -> None:
    """Confirm every carried answer at once, each change logged as a confirmation."""
    Answer.objects.filter(pk__in=[a.pk for a in carried], carried_over=True).update(
        carried_over=False,
        confirmed_unchanged=True,
        version=F("version") + 1,
        answered_by=user,
        answered_at=timezone.now(),
    )
    AnswerChange.objects.bulk_create(
        AnswerChange(
            answer=answer,
            field="confirmed",
            old_value="carried over",
            new_value="confirmed unchanged",
            changed_by=user,
        )
        for answer in carried
    )


def assessment_score(
    *, assessment: Assessment, answers: Sequence[Answer] | None = None
) -> scoring.AssessmentScore:
    if answers is None:
        answers = list(assessment.answers.select_related("practice"))
    dimensions, practices = scoring_framework(assessment.period.framework)
    return scoring.score_assessment(
        dimensions=dimensions,
        practices=practices,
        answers={a.practice.key: a.value for a in answers if a.value},
    )


def _store_score(assessment: Assessment, score: scoring.AssessmentScore) -> None:
    dimension_rows, gap_rows = score_rows(assessment=assessment, score=score)
    DimensionScore.objects.bulk_create(dimension_rows)
    PracticeGap.objects.bulk_create(gap_rows)
    Assessment.objects.filter(pk=assessment.pk).update(**assessment_score_fields(score=score))


def assessment_score_fields(*, score: scoring.AssessmentScore) -> dict:
    return {
        "overall_level": score.overall_level,
        "mean_score": score.mean_score,
        "weakest_dimension_key": score.weakest_dimension_key or "",
        "anti_patterns": list(score.anti_patterns),
    }


def score_rows(
    *, assessment: Assessment, score: scoring.AssessmentScore
) -> tuple[list[DimensionScore], list[PracticeGap]]:
    """The stored form of a score: a row per dimension and a row per practice holding it back."""
    common = {
        "assessment": assessment,
        "period_id": assessment.period_id,
        "project_id": assessment.project_id,
        "team_id": assessment.project.team_id,
    }
    dimension_rows = [
        DimensionScore(
            **common,
            dimension_key=dimension.key,
            dimension_name=dimension.name,
            dimension_order=order,
            level=dimension.level,
            progress=dimension.progress,
            score=dimension.score,
            practice_count=dimension.practice_count,
            not_applicable_count=dimension.not_applicable_count,
        )
        for order, dimension in enumerate(score.dimensions)
    ]
    gap_rows = [
        PracticeGap(**common, practice_key=key, dimension_key=dimension.key)
        for dimension in score.dimensions
        for key in dimension.holding_back
    ]
    return dimension_rows, gap_rows
