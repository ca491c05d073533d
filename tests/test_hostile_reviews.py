"""Hostile input on the review pages, the review policy and exemption requests: never a
500, never a half-made decision or exemption, never a script that runs, never a policy
outside its bounds."""

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from assessments.models import Answer, Assessment, Exemption, ReviewPolicy
from assessments.rules import review as rules
from assessments.services.answering import answer_save, assessment_submit
from reviews.models import Review
from tests.assessments.fixtures import answer_all
from tests.test_hostile_input import HTMX, SCRIPT, hostile_text, hypothesis_settings

choices = st.one_of(hostile_text, st.sampled_from(["approve", "decline", "accept", "return"]))


def _client(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


@pytest.fixture
def requested(assessment, alice) -> tuple[Assessment, str]:
    """A submission that waits for a reviewer's decision on one exemption request."""
    answer_all(assessment, "partly")
    row = Answer.objects.select_related("practice").filter(assessment=assessment).first()
    answer_save(
        assessment=assessment,
        answer=row,
        expected_version=row.version,
        user=alice,
        value="na",
        na_reason="Rules only: nothing is trained.",
    )
    assessment_submit(assessment=assessment, user=alice)
    assessment.refresh_from_db()
    assert assessment.awaits_review
    return assessment, row.practice.key


@hypothesis_settings
@given(exemption=choices, note=hostile_text, decision=choices, comment=hostile_text)
def test_a_review_with_hostile_exemption_decisions_never_fails_or_half_decides(
    requested, rhea, exemption, note, decision, comment
):
    assessment, key = requested
    response = _client(rhea).post(
        f"/reviews/{assessment.pk}/decide/",
        {
            "decision": decision,
            f"exemption-{key}": exemption,
            f"exemption-note-{key}": note,
            f"comment-{key}": comment,
        },
    )
    assert response.status_code in (302, 422)
    assert SCRIPT.encode() not in response.content
    request = Exemption.objects.get(practice_key=key)
    assessment.refresh_from_db()
    if response.status_code == 422:
        # Nothing decided: the submission and its request still wait.
        assert assessment.awaits_review and request.status == Exemption.Status.REQUESTED
        assert not Review.objects.exists()
    else:
        assert request.status in (Exemption.Status.APPROVED, Exemption.Status.DECLINED)
        assert Review.objects.count() == 1
        Review.objects.all().delete()
        Exemption.objects.filter(pk=request.pk).update(
            status="requested", decided_by=None, decided_at=None, expires_on=None
        )
        Assessment.objects.filter(pk=assessment.pk).update(
            status="submitted", review_status="pending"
        )


@hypothesis_settings
@given(reason=hostile_text)
def test_a_hostile_justification_never_fails_nor_makes_a_request_without_an_answer(
    assessment, alice, client_for, reason
):
    row = Answer.objects.select_related("practice").filter(assessment=assessment).first()
    row.refresh_from_db()
    response = client_for(alice).post(
        f"/assessments/{assessment.pk}/answers/{row.practice.key}/",
        {"value": "na", "na_reason": reason, "version": row.version},
        **HTMX,
    )
    assert response.status_code in (200, 422)
    row.refresh_from_db()
    request = Exemption.objects.filter(practice_key=row.practice.key, status="requested").first()
    if response.status_code == 200:
        assert row.value == "na" and request is not None
        assert request.justification == row.na_reason
    else:
        assert (row.value == "na") == (request is not None)


@hypothesis_settings
@given(rule=choices | st.sampled_from(list(rules.POLICIES)), quarters=hostile_text, count=choices)
def test_the_review_policy_form_never_fails_nor_stores_a_bad_policy(erin, rule, quarters, count):
    before = ReviewPolicy.current()
    response = _client(erin).post(
        "/manage/reviews/",
        {"rule": rule, "exemption_quarters": quarters, "count_awaiting_review": count},
    )
    assert response.status_code in (302, 422)
    policy = ReviewPolicy.current()
    assert policy.rule in rules.POLICIES and 1 <= policy.exemption_quarters <= 12
    if response.status_code == 422:
        assert (policy.rule, policy.exemption_quarters) == (before.rule, before.exemption_quarters)


@hypothesis_settings
@given(show=hostile_text)
def test_the_exemptions_page_takes_any_filter(carol, show):
    for path in ("/exemptions/", "/exemptions.csv"):
        response = _client(carol).get(path, {"show": show, "all": show})
        assert response.status_code == 200
