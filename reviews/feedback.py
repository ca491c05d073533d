"""Reads for the team's side of a review: the comments of the review that returned a draft,
beside the questions, and a submission's review history on its result page.

A fixed number of queries per page: a review's comments are read at once and then looked up
per practice, never one query per practice.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

from django.db.models import Prefetch

from assessments.models import Answer, Assessment
from reviews.models import Review, ReviewComment

RETURNED = Review.Decision.RETURNED
ACCEPTED = Review.Decision.ACCEPTED


@dataclass(frozen=True)
class PracticeComment:
    """A reviewer's comment on one practice, and the answer as it stands now."""

    comment: ReviewComment
    review: Review
    answer: Answer | None  # None: the practice is no longer asked (its profile changed)

    @property
    def answer_now(self) -> str:
        return self.answer.value if self.answer else ""

    @property
    def question(self) -> str:
        return self.answer.practice.question if self.answer else self.comment.practice_key

    @property
    def answer_changed(self) -> bool:
        return self.comment.answer_value != self.answer_now


@dataclass
class ReturnedFeedback:
    """The review that sent the draft back: its summary and a comment per practice."""

    review: Review
    comments: list[PracticeComment] = field(default_factory=list)

    @cached_property
    def by_key(self) -> dict[str, PracticeComment]:
        return {item.comment.practice_key: item for item in self.comments}

    @property
    def changed_count(self) -> int:
        return sum(1 for item in self.comments if item.answer_changed)


def _latest_return(assessment: Assessment) -> Review | None:
    return (
        Review.objects.filter(assessment=assessment, decision=RETURNED)
        .select_related("reviewer")
        .first()
    )


def returned_feedback(
    *, assessment: Assessment, answers: Mapping[str, Answer]
) -> ReturnedFeedback | None:
    """The latest return's comments for a draft that a reviewer returned, in the order of the
    questionnaire; `answers` are the draft's answers by practice key, with their practices.
    None for any other draft. Two queries."""
    if assessment.review_status != Assessment.Review.RETURNED:
        return None
    review = _latest_return(assessment)
    if review is None:
        return None
    items = [
        PracticeComment(comment=c, review=review, answer=answers.get(c.practice_key))
        for c in review.comments.all()
    ]
    items.sort(key=lambda item: (item.answer is None, _order(item.answer), item.comment.pk))
    return ReturnedFeedback(review=review, comments=items)


def _order(answer: Answer | None) -> int:
    return answer.practice.order if answer else 0


def practice_comment(*, assessment: Assessment, answer: Answer) -> PracticeComment | None:
    """The latest return's comment on one practice of a returned draft, with its answer as
    just saved (one query; none for any other draft)."""
    if assessment.review_status != Assessment.Review.RETURNED:
        return None
    latest = Review.objects.filter(assessment=assessment, decision=RETURNED).values("pk")[:1]
    comment = (
        ReviewComment.objects.filter(review_id__in=latest, practice_key=answer.practice.key)
        .select_related("review__reviewer")
        .first()
    )
    if comment is None:
        return None
    return PracticeComment(comment=comment, review=comment.review, answer=answer)


@dataclass
class ReviewHistory:
    """A submission's reviews, newest first: the decision that stands and the returns
    before it, each with its comments."""

    reviews: list[Review]

    @property
    def accepted(self) -> Review | None:
        """The review that accepted the submission as it stands."""
        return next((r for r in self.reviews if r.decision == ACCEPTED), None)

    @property
    def earlier(self) -> list[Review]:
        """Every review but the acceptance: the returns the team answered before."""
        accepted = self.accepted
        return [r for r in self.reviews if r is not accepted]


def review_history(*, assessment: Assessment) -> ReviewHistory:
    """Every review of the assessment with its comments (two queries; one with none)."""
    reviews = (
        Review.objects.filter(assessment=assessment)
        .select_related("reviewer")
        .prefetch_related(Prefetch("comments", queryset=ReviewComment.objects.order_by("pk")))
        .order_by("-decided_at", "-pk")
    )
    return ReviewHistory(reviews=list(reviews))
