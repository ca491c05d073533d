"""Answering and submitting assessments: guarded writes that never lose a saved answer."""

from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from assessments.models import (
    Answer,
    AnswerChange,
    Assessment,
    DimensionScore,
    Practice,
    PracticeGap,
)
from assessments.rules import scoring
from assessments.rules.carrying import NEEDS_OWN_LOOK
from assessments.scoring_inputs import (
    assessment_profile,
    draft_profile_forget,
    framework_uses_profiles,
    scoring_framework,
)
from assessments.services.answer_writes import AnswerEdit, Written, answer_write
from assessments.services.exemptions import exemption_sync, exemptions_request_missing
from assessments.services.reviewing import review_fields_at_submit
from assessments.services.rollups import rollups_refresh
from core.cache import dashboards_changed
from core.signals import projects_changed
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

    def __init__(self, count: int, own_look: int = 0) -> None:
        message = (
            f"{count} answer{'s are' if count != 1 else ' is'} last quarter's and not confirmed."
        )
        if own_look:
            message += (
                f" {own_look} of them {'were' if own_look != 1 else 'was'} pre-filled from a "
                "practice of the earlier framework that the new one splits or merges: open "
                f"{'each' if own_look != 1 else 'it'} and confirm or change it."
            )
        super().__init__(message)
        self.count = count
        self.own_look = own_look


class ProfileMissing(Exception):
    """The framework asks by project profile, and the project has none recorded yet."""

    def __init__(self) -> None:
        super().__init__(
            "Describe the project first (kind, serving, outcome delay and risk tier): "
            "the questions asked depend on it."
        )


class AssessmentIncomplete(Exception):
    def __init__(self, missing: Sequence[Practice]) -> None:
        super().__init__(f"{len(missing)} practices are not answered yet.")
        self.missing = list(missing)


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

    The write is guarded by the version, so of two concurrent writers exactly one wins; the
    other gets AnswerConflict carrying the stored answer and nothing is written. It waits
    for a submission in progress, as answer_writes explains, so a save and a submission
    never interleave: a save that comes after the submission finds it read-only.
    """
    _ensure_editable(assessment)
    if answer.version != expected_version:
        # `answer` was read with this request: it is the stored answer the editor missed.
        raise AnswerConflict(answer)
    new_values = {
        "value": value,
        "na_reason": normalise_line(na_reason) if value == Answer.Value.NA else "",
        "note": note,
        "evidence_url": evidence_url,
    }
    unchanged = all(getattr(answer, field) == new_values[field] for field in TRACKED_FIELDS)
    # Saving a carried answer as it was confirms it; any change makes it this quarter's own.
    confirmed = unchanged and (answer.carried_over or answer.confirmed_unchanged)
    edit = AnswerEdit(
        answer=answer,
        expected_version=expected_version,
        values=new_values,
        confirmed=confirmed,
        changes=[
            (field, getattr(answer, field), new_values[field])
            for field in TRACKED_FIELDS
            if getattr(answer, field) != new_values[field]
        ],
        user=user,
        at=timezone.now(),
    )
    old_value = answer.value
    syncs_exemption = Answer.Value.NA in (old_value, value)
    # The answer and its exemption request change together; other answers need no
    # transaction of their own (answer_writes).
    with transaction.atomic() if syncs_exemption else nullcontext():
        written = answer_write(edit)
        if written is Written.LOCKED:
            raise AssessmentLocked(Assessment.SUBMITTED_READ_ONLY)
        if written is Written.CONFLICT:
            raise AnswerConflict(Answer.objects.select_related("answered_by").get(pk=answer.pk))
        for field, new_value in new_values.items():
            setattr(answer, field, new_value)
        answer.version = expected_version + 1
        answer.carried_over = False
        answer.confirmed_unchanged = confirmed
        answer.answered_by = user
        answer.answered_at = edit.at
        if syncs_exemption:
            # Raises ExemptionDeclined, which rolls the whole save back.
            exemption_sync(assessment=assessment, answer=answer, old_value=old_value, user=user)
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
    framework = assessment.period.framework
    draft_profile_forget(assessment=assessment)
    profile = assessment_profile(assessment=assessment)
    if profile is None and framework_uses_profiles(framework):
        raise ProfileMissing()
    _, practices = scoring_framework(framework, profile)
    asked = {p.key for p in scoring.asked_practices(practices, profile)}
    if framework_uses_profiles(framework):
        answers = [a for a in answers if a.practice.key in asked]
    missing = [a.practice for a in answers if not a.value]
    if missing:
        raise AssessmentIncomplete(sorted(missing, key=lambda practice: practice.order))
    carried = [a for a in answers if a.carried_over]
    own_look = sum(1 for a in carried if a.carried_via in NEEDS_OWN_LOOK)
    if carried and (own_look or not confirm_carried):
        raise CarriedAnswersUnconfirmed(len(carried), own_look)
    exemptions_requested = exemptions_request_missing(
        assessment=assessment, answers=answers, user=user
    )
    if carried:
        _confirm_carried(carried, user)
    assessment.profile = profile.as_dict() if profile else {}
    score = assessment_score(assessment=assessment, answers=answers)
    review = review_fields_at_submit(
        assessment=assessment,
        answers=answers,
        score=score,
        exemptions_requested=exemptions_requested,
    )
    claimed = Assessment.objects.filter(pk=assessment.pk, status=Assessment.Status.DRAFT).update(
        status=Assessment.Status.SUBMITTED,
        submitted_by=user,
        submitted_at=timezone.now(),
        version=F("version") + 1,
        confirmed_unchanged=sum(1 for a in answers if a.carried_over or a.confirmed_unchanged),
        profile=profile.as_dict() if profile else {},
        **review,
    )
    if not claimed:
        assessment.refresh_from_db()
        return SubmitResult(assessment=assessment, newly_submitted=False)
    assessment.review_status = review["review_status"]
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
    framework = assessment.period.framework
    profile = assessment_profile(assessment=assessment)
    dimensions, practices = scoring_framework(framework, profile)
    return scoring.score_assessment(
        dimensions=dimensions,
        practices=practices,
        answers={a.practice.key: a.value for a in answers if a.value},
        rule=framework.scoring_rule,
        profile=profile,
    )


def _store_score(assessment: Assessment, score: scoring.AssessmentScore) -> None:
    dimension_rows, gap_rows = score_rows(assessment=assessment, score=score)
    DimensionScore.objects.bulk_create(dimension_rows)
    PracticeGap.objects.bulk_create(gap_rows)
    Assessment.objects.filter(pk=assessment.pk).update(**assessment_score_fields(score=score))
    rollups_refresh(period_id=assessment.period_id, team_id=assessment.project.team_id)
    projects_changed.send(sender=Assessment, projects=[assessment.project_id])


def assessment_score_fields(*, score: scoring.AssessmentScore) -> dict:
    return {
        "overall_level": score.overall_level,
        "overall_score": score.overall_score,
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
        "awaiting_review": assessment.review_status == Assessment.Review.PENDING,
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
            unassessed_levels=list(dimension.unassessed_levels),
        )
        for order, dimension in enumerate(score.dimensions)
    ]
    gap_rows = [
        PracticeGap(**common, practice_key=key, dimension_key=dimension.key)
        for dimension in score.dimensions
        for key in dimension.holding_back
    ]
    return dimension_rows, gap_rows
