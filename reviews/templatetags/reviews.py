"""`{% load reviews %}`: a reviewer's word on the assessments' pages, which never import
reviews themselves.

On the questionnaire:
    {% review_feedback assessment sections as feedback %}  the return's comments (two queries)
    {% review_comment assessment answer as note %}  one practice's, after a save
On the result page:
    {% review_history assessment as history %}  every review with its comments
"""

from collections.abc import Sequence

from django import template

from assessments.models import Answer, Assessment
from assessments.selectors import DimensionSection
from reviews import feedback

register = template.Library()


@register.simple_tag
def review_feedback(
    assessment: Assessment, sections: Sequence[DimensionSection]
) -> feedback.ReturnedFeedback | None:
    """The comments of the review that returned this draft, in the questionnaire's order;
    None unless a reviewer returned it."""
    answers = {row.practice.key: row.answer for section in sections for row in section.rows}
    return feedback.returned_feedback(assessment=assessment, answers=answers)


@register.simple_tag
def review_comment(assessment: Assessment, answer: Answer) -> feedback.PracticeComment | None:
    """The return's comment on one practice, with the answer just saved."""
    return feedback.practice_comment(assessment=assessment, answer=answer)


@register.simple_tag
def review_history(assessment: Assessment) -> feedback.ReviewHistory:
    return feedback.review_history(assessment=assessment)
