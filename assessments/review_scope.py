"""Which stored scores count in the figures: the one home of the organisation's choice
(`ReviewPolicy.count_awaiting_review`).

While a submission awaits review, its assessment's `review_status` is "pending" and its
DimensionScore and PracticeGap rows carry `awaiting_review`. When the organisation does
not count such submissions, every figure (levels, quartiles, heatmaps, gaps, movers,
targets) leaves them out until a reviewer accepts them. Completion figures do not change:
a submission awaiting review is still submitted.

The dashboards read the policy once per page (`review_scope`, kept under the dashboards'
cache generation, which the service that changes the policy bumps) and hand the scope on.
Reads on pages that never show it, such as the targets on every project and plan page,
leave the policy to the database (`counted_assessments_q`) and cost no query of their own.
"""

from dataclasses import dataclass

from django.db.models import Exists, Model, Q, QuerySet

from assessments.models import Assessment, ReviewPolicy
from core.cache import cached, dashboards_generation

PENDING = Assessment.Review.PENDING
# Every review status but "awaiting review", as a positive lookup: it stays one condition
# inside a join (FilteredRelation, a filter across a to-many relation) where a negation
# would turn into a subquery.
NOT_PENDING = tuple(status for status in Assessment.Review.values if status != PENDING)


@dataclass(frozen=True)
class ReviewScope:
    """Whether submissions awaiting review count in the figures, and the filters that say so."""

    awaiting_counted: bool = True

    def scores[M: Model](self, rows: QuerySet[M]) -> QuerySet[M]:
        """The DimensionScore or PracticeGap rows that count."""
        return rows if self.awaiting_counted else rows.filter(awaiting_review=False)

    def assessments_q(self, prefix: str = "") -> Q:
        """The assessments whose overall level and score count; `prefix` is the lookup
        path to the assessment ("project__assessments__"). Their status is the caller's."""
        if self.awaiting_counted:
            return Q()
        return Q(**{f"{prefix}review_status__in": NOT_PENDING})


def review_scope() -> ReviewScope:
    """The organisation's choice, read once per dashboards generation."""
    return cached(
        "review-scope",
        lambda: ReviewScope(awaiting_counted=ReviewPolicy.current().count_awaiting_review),
        generation=dashboards_generation(),
    )


def counted_assessments_q() -> Q:
    """As `ReviewScope.assessments_q()`, with the policy read by the query itself: a result
    awaiting review counts unless the stored policy leaves such results out."""
    leaves_out = ReviewPolicy.objects.filter(pk=1, count_awaiting_review=False)
    return Q(Q(review_status__in=NOT_PENDING) | ~Exists(leaves_out))
