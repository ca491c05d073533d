"""A reviewer's decision on a submission: accept it, or return it with comments.

Both decide every exemption the submission requested, record one `Review` with its
comments and an audit entry, and tell the lead by e-mail after the commit. Both claim the
submission while it awaits review, so of two reviewers deciding at once one wins and the
other is told. Nobody reviews their own team's assessment: the rule is checked here, not
only by hiding the button.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from assessments.models import Answer, Assessment, Exemption
from assessments.services.exemptions import exemption_decide
from assessments.services.reviewing import assessment_mark_reviewed, assessment_return
from core.access import reviews_team
from core.audit import audit_record
from core.dispatch import dispatch_on_commit
from reviews.models import Review, ReviewComment

COMMENT_MAX_LENGTH = 2000
DECLINED_WITHOUT_NOTE = (
    "The exemption was declined: say whether this practice is in place, partly or not."
)


class ReviewConflict(Exception):
    """The submission no longer awaits review: someone decided first, or it was changed."""


@dataclass(frozen=True)
class ExemptionDecision:
    approve: bool
    note: str = ""


@dataclass
class ReviewInput:
    """What the reviewer decided: an optional summary for the team, a comment per practice
    they question, and a decision on every exemption the submission requested."""

    summary: str = ""
    comments: Mapping[str, str] = field(default_factory=dict)
    exemptions: Mapping[str, ExemptionDecision] = field(default_factory=dict)


def can_review(*, user: User, assessment: Assessment) -> bool:
    team = assessment.project.team
    return reviews_team(user, team_id=team.pk, unit_path=team.unit.path if team.unit else None)


def _authorise(user: User, assessment: Assessment) -> None:
    if not can_review(user=user, assessment=assessment):
        raise PermissionDenied(
            "You cannot review this assessment: it is outside the units you review, or it is "
            "your own team's."
        )


@transaction.atomic
def review_accept(*, assessment: Assessment, reviewer: User, decision: ReviewInput) -> Review:
    """Accept the submission as it stands. Every exemption it requested must be decided, and
    none declined: a declined exemption needs an answer, so the submission goes back."""
    _authorise(reviewer, assessment)
    requested = _requested_exemptions(assessment)
    _check_exemption_decisions(requested, decision)
    declined = [key for key in requested if not decision.exemptions[key].approve]
    if declined:
        raise ValidationError(
            f"You declined {len(declined)} exemption{'s' if len(declined) != 1 else ''}: "
            "return the assessment so the team answers "
            f"{'those practices' if len(declined) != 1 else 'that practice'}."
        )
    if not assessment_mark_reviewed(assessment=assessment):
        raise ReviewConflict("This assessment no longer awaits review: someone decided first.")
    return _conclude(
        assessment,
        reviewer,
        Review.Decision.ACCEPTED,
        decision,
        requested=requested,
        comments={},
        overall_level=assessment.overall_level,
    )


@transaction.atomic
def review_return(*, assessment: Assessment, reviewer: User, decision: ReviewInput) -> Review:
    """Return the submission to draft with a comment on each practice questioned; a declined
    exemption counts as one, with the reviewer's note or a standard sentence."""
    _authorise(reviewer, assessment)
    if not assessment.period.accepts_answers:
        raise ValidationError(
            f"Period {assessment.period.key} is closed, so the team could not answer a "
            "returned assessment. Accept it, or ask an org admin to reopen the period first."
        )
    requested = _requested_exemptions(assessment)
    _check_exemption_decisions(requested, decision)
    comments = {key: text.strip() for key, text in decision.comments.items() if text.strip()}
    for key, exemption_decision in decision.exemptions.items():
        if key in requested and not exemption_decision.approve and key not in comments:
            comments[key] = exemption_decision.note.strip() or DECLINED_WITHOUT_NOTE
    if not comments:
        raise ValidationError(
            "Say what to change: write a comment on at least one practice you question."
        )
    keys = set(assessment.answers.values_list("practice__key", flat=True))
    unknown = set(comments) - keys
    if unknown:
        raise ValidationError(f"No such practice in this assessment: {', '.join(sorted(unknown))}.")
    too_long = [key for key, text in comments.items() if len(text) > COMMENT_MAX_LENGTH]
    if too_long:
        raise ValidationError(f"Keep each comment to {COMMENT_MAX_LENGTH} characters.")
    level_claimed = assessment.overall_level
    if not assessment_return(assessment=assessment):
        raise ReviewConflict("This assessment no longer awaits review: someone decided first.")
    return _conclude(
        assessment,
        reviewer,
        Review.Decision.RETURNED,
        decision,
        requested=requested,
        comments=comments,
        overall_level=level_claimed,
    )


def _requested_exemptions(assessment: Assessment) -> dict[str, Exemption]:
    return {
        e.practice_key: e
        for e in Exemption.objects.select_related("assessment__period").filter(
            assessment=assessment, status=Exemption.Status.REQUESTED
        )
    }


def _check_exemption_decisions(requested: Mapping[str, Exemption], decision: ReviewInput) -> None:
    undecided = [key for key in requested if key not in decision.exemptions]
    if undecided:
        raise ValidationError(
            f"Decide every exemption first: {len(undecided)} "
            f"{'are' if len(undecided) != 1 else 'is'} still waiting for approve or decline."
        )


def _decide_exemptions(
    requested: Mapping[str, Exemption], decision: ReviewInput, reviewer: User
) -> None:
    for key, exemption in requested.items():
        choice = decision.exemptions[key]
        exemption_decide(
            exemption=exemption, approve=choice.approve, note=choice.note, reviewer=reviewer
        )


def _conclude(
    assessment: Assessment,
    reviewer: User,
    outcome: str,
    decision: ReviewInput,
    *,
    requested: Mapping[str, Exemption],
    comments: Mapping[str, str],
    overall_level: int | None,
) -> Review:
    """After the claim: decide the exemptions, record the review and its comments, audit,
    and tell the lead once the transaction commits."""
    _decide_exemptions(requested, decision, reviewer)
    review = Review.objects.create(
        assessment=assessment,
        reviewer=reviewer,
        decision=outcome,
        summary=decision.summary.strip()[:COMMENT_MAX_LENGTH],
        overall_level=overall_level,
        signals=assessment.signals,
    )
    values = dict(
        Answer.objects.filter(assessment=assessment, practice__key__in=list(comments)).values_list(
            "practice__key", "value"
        )
    )
    ReviewComment.objects.bulk_create(
        ReviewComment(
            review=review,
            assessment=assessment,
            practice_key=key,
            text=text,
            answer_value=values.get(key, ""),
        )
        for key, text in comments.items()
    )
    audit_record(
        actor=reviewer,
        action=f"assessment.review_{outcome}",
        target=assessment,
        before={"review": Assessment.Review.PENDING},
        after={"review": outcome, "comments": len(comments)},
    )
    dispatch_on_commit("notifications.tasks.review_decision_send", review.pk)
    return review
