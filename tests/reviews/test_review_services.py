"""The review workflow's rules, through its services: which submissions wait, returning
with comments, accepting, separation of duties, and racing reviewers."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from assessments.models import Assessment, DimensionScore, ReviewPolicy
from assessments.rules import review as rules
from assessments.services.answering import assessment_submit
from reviews.models import Review, ReviewComment
from reviews.services.reviews import (
    ReviewConflict,
    ReviewInput,
    review_accept,
    review_return,
)
from teams.models import Membership
from tests.assessments.fixtures import answer_all, submit_last_quarter


def set_policy(rule: str, **fields) -> ReviewPolicy:
    return ReviewPolicy.objects.update_or_create(pk=1, defaults={"rule": rule, **fields})[0]


@pytest.fixture
def risen(past_period, period, project, alice, assessment) -> Assessment:
    """Last quarter all "partly"; this quarter all "fully in place": every dimension rose."""
    submit_last_quarter(past_period, project, alice, "no")
    assessment.refresh_from_db()
    answer_all(assessment, "yes")
    return assessment


def test_without_a_policy_a_submission_is_self_assessed_and_counts(risen, alice):
    assessment_submit(assessment=risen, user=alice, confirm_carried=True)
    risen.refresh_from_db()
    assert risen.review_status == Assessment.Review.SELF_ASSESSED
    assert not DimensionScore.objects.filter(assessment=risen, awaiting_review=True).exists()


@pytest.mark.parametrize(
    ("rule", "waits"),
    [
        (rules.EVERY, True),
        (rules.CLAIMS_LEVEL_ONE, True),
        (rules.RISES, True),
        (rules.NEVER, False),
    ],
)
def test_the_policy_decides_which_submissions_wait(risen, alice, rule, waits):
    set_policy(rule)
    assessment_submit(assessment=risen, user=alice, confirm_carried=True)
    risen.refresh_from_db()
    assert risen.awaits_review is waits
    assert DimensionScore.objects.filter(assessment=risen, awaiting_review=True).exists() is waits


def test_a_level_zero_submission_does_not_wait_under_the_level_one_policy(assessment, alice):
    set_policy(rules.CLAIMS_LEVEL_ONE)
    answer_all(assessment, "no")
    assessment_submit(assessment=assessment, user=alice)
    assessment.refresh_from_db()
    assert assessment.review_status == Assessment.Review.SELF_ASSESSED


def test_a_jump_of_two_levels_is_a_signal_that_explains_itself(risen, alice):
    assessment_submit(assessment=risen, user=alice, confirm_carried=True)
    risen.refresh_from_db()
    kinds = rules.signal_kinds(risen.signals)
    assert rules.BIG_RISE in kinds
    text = next(s["text"] for s in risen.signals if s["kind"] == rules.BIG_RISE)
    assert "rose 2 levels in one quarter" in text or "rose from 0 to 2" in text


def test_returned_goes_back_to_draft_with_comments_and_without_scores(risen, alice, rhea):
    set_policy(rules.EVERY)
    assessment_submit(assessment=risen, user=alice, confirm_carried=True)
    key = risen.answers.select_related("practice").first().practice.key
    review = review_return(
        assessment=risen,
        reviewer=rhea,
        decision=ReviewInput(comments={key: "Which pipeline runs this? Link it."}),
    )
    risen.refresh_from_db()
    assert risen.status == Assessment.Status.DRAFT
    assert risen.review_status == Assessment.Review.RETURNED
    assert risen.read_only_reason is None
    assert not DimensionScore.objects.filter(assessment=risen).exists()
    assert review.decision == Review.Decision.RETURNED and review.overall_level is not None
    comment = ReviewComment.objects.get(assessment=risen)
    assert (comment.practice_key, comment.answer_value) == (key, "yes")

    assessment_submit(assessment=risen, user=alice)
    risen.refresh_from_db()
    assert risen.awaits_review
    review_accept(assessment=risen, reviewer=rhea, decision=ReviewInput())
    risen.refresh_from_db()
    assert risen.review_status == Assessment.Review.REVIEWED
    assert not DimensionScore.objects.filter(assessment=risen, awaiting_review=True).exists()
    assert DimensionScore.objects.filter(assessment=risen).exists()


def test_returning_needs_a_comment(risen, alice, rhea):
    set_policy(rules.EVERY)
    assessment_submit(assessment=risen, user=alice, confirm_carried=True)
    with pytest.raises(ValidationError, match="at least one practice"):
        review_return(assessment=risen, reviewer=rhea, decision=ReviewInput(summary="Hmm."))
    risen.refresh_from_db()
    assert risen.awaits_review


def test_a_reviewer_in_the_team_can_neither_accept_nor_return(risen, alice, rhea, team):
    set_policy(rules.EVERY)
    assessment_submit(assessment=risen, user=alice, confirm_carried=True)
    Membership.objects.create(user=rhea, team=team, role=Membership.Role.MEMBER)
    with pytest.raises(PermissionDenied):
        review_accept(assessment=risen, reviewer=rhea, decision=ReviewInput())
    risen.refresh_from_db()
    assert risen.awaits_review


def test_a_lead_is_no_reviewer(risen, alice, dave):
    set_policy(rules.EVERY)
    assessment_submit(assessment=risen, user=alice, confirm_carried=True)
    with pytest.raises(PermissionDenied):
        review_accept(assessment=risen, reviewer=dave, decision=ReviewInput())


def test_the_second_of_two_reviewers_is_told(risen, alice, rhea):
    set_policy(rules.EVERY)
    assessment_submit(assessment=risen, user=alice, confirm_carried=True)
    stale = Assessment.objects.get(pk=risen.pk)
    key = risen.answers.select_related("practice").first().practice.key
    review_accept(assessment=risen, reviewer=rhea, decision=ReviewInput())
    with pytest.raises(ReviewConflict):
        review_return(assessment=stale, reviewer=rhea, decision=ReviewInput(comments={key: "?"}))
    assert Review.objects.count() == 1
