"""'Not applicable' on the questionnaire: it asks for an exemption, says where the request
stands (awaiting a decision, approved until a quarter, declined, run out), and a declined
exemption refuses "not applicable" with a clear message, saving nothing."""

import datetime
import re

import pytest
import time_machine
from django.utils.formats import date_format

from assessments.models import Answer, Assessment, Exemption
from assessments.services.answering import assessment_submit
from assessments.services.periods import period_key_for, period_open
from reviews.services.reviews import (
    ExemptionDecision,
    ReviewInput,
    review_accept,
    review_return,
)
from tests.assessments.fixtures import answer_all
from tests.assessments.fixtures import answer_one as answer
from tests.assessments.test_review_feedback import QUESTIONNAIRE_QUERIES

HTMX = {"HTTP_HX_REQUEST": "true"}
REASON = "Batch scoring only: there is no online endpoint."
NOTE = "It does apply: the nightly batch feeds the card checks."


def first_key(assessment: Assessment) -> str:
    return assessment.answers.order_by("practice__order").values_list("practice__key", flat=True)[0]


def stored(assessment: Assessment, key: str) -> Answer:
    return Answer.objects.select_related("practice").get(assessment=assessment, practice__key=key)


def post(client, assessment: Assessment, key: str, **data):
    payload = {"version": stored(assessment, key).version, **data}
    return client.post(f"/assessments/{assessment.pk}/answers/{key}/", payload, **HTMX)


def practice_html(text: str, key: str) -> str:
    start = text.index(f'id="practice-{key}"')
    return text[start : text.index("</form>", start)]


def page(client, assessment: Assessment) -> str:
    return client.get(f"/assessments/{assessment.pk}/").text


@pytest.fixture
def declined(assessment, alice, rhea) -> tuple[Assessment, str]:
    """alice asked to exempt the first practice; rhea declined it and returned the draft."""
    answer_all(assessment, "yes")
    key = first_key(assessment)
    answer(assessment, key, "na", alice, REASON)
    assessment_submit(assessment=assessment, user=alice)
    review_return(
        assessment=assessment,
        reviewer=rhea,
        decision=ReviewInput(exemptions={key: ExemptionDecision(approve=False, note=NOTE)}),
    )
    assessment.refresh_from_db()
    return assessment, key


def approved_last_quarter(past_period, project, alice, rhea) -> str:
    """Last quarter alice asked to exempt the first practice and rhea approved it."""
    period_open(period=past_period)
    previous = Assessment.objects.get(period=past_period, project=project)
    answer_all(previous, "partly")
    key = first_key(previous)
    with time_machine.travel(past_period.opens_on + datetime.timedelta(days=1)):
        answer(previous, key, "na", alice, REASON)
        assessment_submit(assessment=previous, user=alice)
        review_accept(
            assessment=previous,
            reviewer=rhea,
            decision=ReviewInput(exemptions={key: ExemptionDecision(approve=True, note="Agreed.")}),
        )
    return key


# --- The words ---------------------------------------------------------------------------------


def test_not_applicable_says_it_asks_a_reviewer_for_an_exemption(client_for, alice, assessment):
    text = practice_html(page(client_for(alice), assessment), first_key(assessment))
    assert 'Not applicable <span class="choice-hint">(ask for an exemption)</span>' in text
    assert "Ask for an exemption: why does this practice not apply?" in text
    assert "A reviewer reads your reason and approves or declines the exemption" in text


# --- Awaiting a decision -----------------------------------------------------------------------


def test_answering_not_applicable_shows_the_request_awaiting_a_decision(
    client_for, alice, assessment
):
    key = first_key(assessment)
    client = client_for(alice)
    response = post(client, assessment, key, value="na", na_reason=REASON)
    assert response.status_code == 200
    assert re.search(rf'id="exemption-state-{key}"[^>]*hx-swap-oob="true"', response.text)
    assert "Exemption awaiting a decision" in response.text
    assert "Exemption awaiting a decision" in practice_html(page(client, assessment), key)


def test_answering_again_withdraws_the_request_and_clears_the_state(client_for, alice, assessment):
    key = first_key(assessment)
    client = client_for(alice)
    post(client, assessment, key, value="na", na_reason=REASON)
    response = post(client, assessment, key, value="partly")
    assert response.status_code == 200
    assert re.search(rf'id="exemption-state-{key}"[^>]*hx-swap-oob="true"', response.text)
    assert "awaiting a decision" not in response.text
    assert "awaiting a decision" not in page(client, assessment)
    assert Exemption.objects.get().status == Exemption.Status.WITHDRAWN


def test_an_answer_other_than_not_applicable_sends_no_exemption_state(
    client_for, alice, assessment
):
    response = post(client_for(alice), assessment, first_key(assessment), value="yes")
    assert "exemption-state" not in response.text


# --- Approved, and run out ---------------------------------------------------------------------


def test_a_carried_approved_exemption_says_who_approved_it_and_until_when(
    client_for, alice, rhea, past_period, period, project
):
    key = approved_last_quarter(past_period, project, alice, rhea)
    period_open(period=period)
    draft = Assessment.objects.get(period=period, project=project)
    assert stored(draft, key).value == "na"
    exemption = Exemption.objects.get(practice_key=key)
    text = practice_html(page(client_for(alice), draft), key)
    assert "Exemption approved" in text
    decided = date_format(exemption.decided_at, "j M Y")
    until = period_key_for(exemption.expires_on)
    assert f"by Rhea on {decided}, until {until}: the practice is asked again then." in text
    assert "They wrote: “Agreed.”" in text


def test_an_exemption_that_ran_out_asks_the_practice_again(
    client_for, alice, rhea, past_period, period, project
):
    key = approved_last_quarter(past_period, project, alice, rhea)
    Exemption.objects.filter(practice_key=key).update(expires_on=period.opens_on)
    period_open(period=period)
    draft = Assessment.objects.get(period=period, project=project)
    assert stored(draft, key).value == ""
    client = client_for(alice)
    notice = f"Your exemption approved in {past_period.key} ran out: answer this practice again."
    assert notice in practice_html(page(client, draft), key)
    answer(draft, key, "partly", alice)
    assert "ran out" not in page(client, draft)


# --- Declined ----------------------------------------------------------------------------------


def test_a_declined_exemption_shows_the_note_and_asks_for_an_answer(client_for, alice, declined):
    assessment, key = declined
    text = practice_html(page(client_for(alice), assessment), key)
    assert "Exemption declined" in text
    assert f"by Rhea on {date_format(Exemption.objects.get().decided_at, 'j M Y')}" in text
    assert NOTE in text
    assert "Answer it: is it in place, partly, or not?" in text


def test_not_applicable_again_is_refused_with_the_reviewer_s_note_and_nothing_saved(
    client_for, alice, declined
):
    assessment, key = declined
    client = client_for(alice)
    answer(assessment, key, "partly", alice)
    before = stored(assessment, key)
    response = post(client, assessment, key, value="na", na_reason="Still no endpoint.")
    assert response.status_code == 422
    assert "Not saved:" in response.text
    assert "A reviewer declined the exemption for this practice, so it must be answered" in (
        response.text
    )
    assert NOTE in response.text
    assert f'name="version" value="{before.version}"' in response.text
    after = stored(assessment, key)
    assert (after.value, after.na_reason, after.version) == ("partly", "", before.version)
    assert Exemption.objects.filter(status=Exemption.Status.REQUESTED).count() == 0


def test_without_javascript_the_refusal_is_a_message(client_for, alice, declined):
    assessment, key = declined
    client = client_for(alice)
    response = client.post(
        f"/assessments/{assessment.pk}/answers/{key}/",
        {
            "value": "na",
            "na_reason": "Still no endpoint.",
            "version": stored(assessment, key).version,
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0].endswith(f"#practice-{key}")
    assert "Not saved: A reviewer declined the exemption for this practice" in response.text
    assert stored(assessment, key).na_reason == REASON


def test_submitting_with_the_declined_practice_still_not_applicable_names_it(
    client_for, alice, declined
):
    assessment, key = declined
    question = stored(assessment, key).practice.question
    response = client_for(alice).post(f"/assessments/{assessment.pk}/submit/", follow=True)
    assert response.redirect_chain[-1][0].endswith(f"#practice-{key}")
    assert f"Not submitted: a reviewer declined the exemption for “{question}”" in response.text
    assert "it needs a real answer" in response.text
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.DRAFT


def test_answered_after_the_decline_it_submits(client_for, alice, declined):
    assessment, key = declined
    answer(assessment, key, "partly", alice)
    response = client_for(alice).post(f"/assessments/{assessment.pk}/submit/")
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.is_submitted


# --- The result page ---------------------------------------------------------------------------


def test_the_result_page_lists_an_exemption_awaiting_a_decision(client_for, alice, assessment):
    answer_all(assessment, "yes")
    key = first_key(assessment)
    answer(assessment, key, "na", alice, REASON)
    assessment_submit(assessment=assessment, user=alice)
    text = page(client_for(alice), assessment)
    exemptions = text[text.index('data-testid="result-exemptions"') :]
    assert stored(assessment, key).practice.question in exemptions
    assert "awaiting a decision" in exemptions
    assert REASON in exemptions


def test_the_result_page_says_until_when_an_exemption_holds(
    client_for, alice, rhea, past_period, project
):
    key = approved_last_quarter(past_period, project, alice, rhea)
    previous = Assessment.objects.get(period=past_period, project=project)
    text = page(client_for(alice), previous)
    until = period_key_for(Exemption.objects.get(practice_key=key).expires_on)
    assert f"asked again in {until}" in text


# --- Queries -----------------------------------------------------------------------------------


@pytest.mark.parametrize("requests", [1, 10])
def test_the_questionnaire_reads_exemptions_in_one_query(
    requests, client_for, alice, assessment, django_assert_max_num_queries
):
    keys = list(
        assessment.answers.order_by("practice__order").values_list("practice__key", flat=True)
    )
    for key in keys[:requests]:
        answer(assessment, key, "na", alice, REASON)
    client = client_for(alice)
    # The questionnaire's queries (tests/assessments/test_review_feedback.py), the
    # exemptions among them: as many for one request as for ten.
    with django_assert_max_num_queries(QUESTIONNAIRE_QUERIES) as captured:
        text = page(client, assessment)
    assert text.count("Exemption awaiting a decision") == requests
    assert len(captured) == QUESTIONNAIRE_QUERIES
