"""'Not applicable' as an exemption request: a reviewer decides it, an approved one lasts
the policy's quarters, and a declined one must be answered."""

import datetime

import pytest
import time_machine

from assessments.models import Answer, Assessment, Exemption, ReviewPolicy
from assessments.services.answering import assessment_submit
from assessments.services.exemptions import ExemptionDeclined, quarters_after
from assessments.services.periods import period_create, period_open
from reviews.services.reviews import (
    ExemptionDecision,
    ReviewInput,
    review_accept,
    review_return,
)
from tests.assessments.fixtures import answer_all, answer_one, first_key


def test_quarters_after_counts_whole_quarters_from_the_month():
    assert quarters_after(datetime.date(2026, 1, 1), 4) == datetime.date(2027, 1, 1)
    assert quarters_after(datetime.date(2026, 11, 15), 1) == datetime.date(2027, 2, 1)


def test_answering_not_applicable_requests_an_exemption_and_changing_it_withdraws(
    assessment, alice
):
    key = first_key(assessment)
    answer_one(assessment, key, "na", alice, "Batch scoring only; no online service.")
    request = Exemption.objects.get(project=assessment.project, practice_key=key)
    assert request.status == Exemption.Status.REQUESTED
    assert request.justification == "Batch scoring only; no online service."
    answer_one(assessment, key, "na", alice, "Batch scoring only, nightly.")
    assert Exemption.objects.get(status="requested").justification == "Batch scoring only, nightly."
    answer_one(assessment, key, "partly", alice)
    assert Exemption.objects.get(practice_key=key).status == Exemption.Status.WITHDRAWN


def test_an_exemption_request_makes_the_submission_wait_even_with_no_review_policy(
    assessment, alice
):
    answer_all(assessment, "yes")
    answer_one(assessment, first_key(assessment), "na", alice, "Not ours: the platform team's.")
    assessment_submit(assessment=assessment, user=alice)
    assessment.refresh_from_db()
    assert ReviewPolicy.current().rule == "never"
    assert assessment.awaits_review


def test_a_declined_exemption_must_be_answered(assessment, alice, rhea):
    answer_all(assessment, "yes")
    key = first_key(assessment)
    answer_one(assessment, key, "na", alice, "We think it does not apply.")
    assessment_submit(assessment=assessment, user=alice)
    review_return(
        assessment=assessment,
        reviewer=rhea,
        decision=ReviewInput(exemptions={key: ExemptionDecision(approve=False, note="It does.")}),
    )
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.DRAFT
    comment = assessment.review_comments.get()
    assert (comment.practice_key, comment.text) == (key, "It does.")
    with pytest.raises(ExemptionDeclined, match="must be answered"):
        assessment_submit(assessment=assessment, user=alice)
    answer = Answer.objects.get(assessment=assessment, practice__key=key)
    with pytest.raises(ExemptionDeclined):
        answer_one(assessment, key, "na", alice, "Still think so.")
    answer.refresh_from_db()
    assert answer.value == "na" and answer.na_reason == "We think it does not apply."
    answer_one(assessment, key, "partly", alice)
    assessment_submit(assessment=assessment, user=alice)
    assessment.refresh_from_db()
    assert assessment.is_submitted
    # The reviewer asked for the change: they see it, though the policy reviews nothing.
    assert assessment.awaits_review


def test_accepting_with_a_declined_exemption_is_refused(assessment, alice, rhea):
    answer_all(assessment, "yes")
    key = first_key(assessment)
    answer_one(assessment, key, "na", alice, "Not for us.")
    assessment_submit(assessment=assessment, user=alice)
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="return the assessment"):
        review_accept(
            assessment=assessment,
            reviewer=rhea,
            decision=ReviewInput(exemptions={key: ExemptionDecision(approve=False)}),
        )
    with pytest.raises(ValidationError, match="Decide every exemption"):
        review_accept(assessment=assessment, reviewer=rhea, decision=ReviewInput())
    assert Exemption.objects.get(practice_key=key).status == Exemption.Status.REQUESTED


def test_an_exemption_approved_in_2026_q1_is_asked_again_in_2027_q1(
    framework, project, alice, rhea
):
    """The time machine: carried as "not applicable" through 2026, asked again in 2027-Q1."""
    keys = ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4", "2027-Q1"]
    periods = [period_create(key=key, framework=framework) for key in keys]
    first = periods[0]
    with time_machine.travel(first.opens_on + datetime.timedelta(days=2), tick=False):
        period_open(period=first)
        draft = Assessment.objects.get(period=first, project=project)
        answer_all(draft, "partly")
        key = first_key(draft)
        answer_one(draft, key, "na", alice, "Rules-based model, nothing is retrained.")
        assessment_submit(assessment=draft, user=alice)
        review_accept(
            assessment=draft,
            reviewer=rhea,
            decision=ReviewInput(exemptions={key: ExemptionDecision(approve=True)}),
        )
    exemption = Exemption.objects.get(practice_key=key)
    assert exemption.status == Exemption.Status.APPROVED
    assert exemption.expires_on == datetime.date(2027, 1, 1)

    for period in periods[1:4]:
        with time_machine.travel(period.opens_on + datetime.timedelta(days=2), tick=False):
            period_open(period=period)
            draft = Assessment.objects.get(period=period, project=project)
            carried = Answer.objects.get(assessment=draft, practice__key=key)
            assert (carried.value, carried.carried_over) == ("na", True), period.key
            assessment_submit(assessment=draft, user=alice, confirm_carried=True)
            draft.refresh_from_db()
            assert draft.review_status == Assessment.Review.SELF_ASSESSED, period.key

    last = periods[4]
    with time_machine.travel(last.opens_on + datetime.timedelta(days=2), tick=False):
        period_open(period=last)
        draft = Assessment.objects.get(period=last, project=project)
        asked = Answer.objects.get(assessment=draft, practice__key=key)
        assert asked.value == "" and not asked.carried_over
        others = Answer.objects.filter(assessment=draft).exclude(practice__key=key)
        assert all(a.value == "partly" and a.carried_over for a in others)
    assert Exemption.objects.filter(practice_key=key).count() == 1


def test_every_change_to_an_exemption_bumps_the_dashboards(assessment, alice, rhea):
    """The dashboards count exemptions awaiting a decision (tests/core/test_cache.py)."""
    from core.cache import dashboards_generation

    key = first_key(assessment)
    generations = [dashboards_generation()]
    answer_one(assessment, key, "na", alice, "Not ours.")
    generations.append(dashboards_generation())
    answer_one(assessment, key, "yes", alice)
    generations.append(dashboards_generation())
    answer_one(assessment, key, "na", alice, "Not ours after all.")
    answer_all(assessment, "yes", **{key: "na"})
    assessment_submit(assessment=assessment, user=alice)
    generations.append(dashboards_generation())
    review_accept(
        assessment=assessment,
        reviewer=rhea,
        decision=ReviewInput(exemptions={key: ExemptionDecision(approve=True)}),
    )
    generations.append(dashboards_generation())
    assert len(set(generations)) == len(generations)
