"""One submission's review page: who may open it, and what a reviewer reads there."""

import pytest

from assessments.models import Assessment, Exemption
from assessments.rules import review as rules
from reviews.services.reviews import (
    ExemptionDecision,
    ReviewInput,
    review_accept,
    review_return,
)
from teams.models import Membership
from tests.reviews.conftest import answer, first_key, set_policy


def _url(assessment: Assessment) -> str:
    return f"/reviews/{assessment.pk}/"


@pytest.mark.parametrize("persona", ["lead", "member", "management", "admin", "outsider"])
def test_only_reviewers_open_a_review_page(client_for, personas, persona, pending):
    response = client_for(personas[persona]).get(_url(pending))
    assert response.status_code == 403
    assert "Only reviewers" in response.content.decode()


def test_it_sends_anonymous_visitors_to_log_in(client, pending):
    response = client.get(_url(pending))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_reviewer_in_the_team_is_told_they_cannot_review_their_own_team(
    client_for, rhea, team, pending
):
    Membership.objects.create(user=rhea, team=team, role=Membership.Role.LEAD)
    response = client_for(rhea).get(_url(pending))
    assert response.status_code == 403
    page = response.content.decode()
    assert "you are in Fraud Detection" in page
    assert "nobody reviews their own team" in page


def test_a_unit_reviewer_gets_404_outside_their_units(client_for, ursula, pending):
    assert client_for(ursula).get(_url(pending)).status_code == 404


def test_a_unit_reviewer_opens_a_submission_of_their_subtree(
    client_for, ursula, units, submit_pending
):
    (inside,) = submit_pending(1, unit=units["payments"])
    assert client_for(ursula).get(_url(inside)).status_code == 200


def test_a_draft_never_submitted_is_not_there(client_for, rhea, assessment):
    assert client_for(rhea).get(_url(assessment)).status_code == 404


def test_it_shows_the_claim_against_last_quarter_and_each_signal_sentence(
    client_for, rhea, pending
):
    response = client_for(rhea).get(_url(pending))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Review: Card transaction scoring · 2026-Q4" in page
    assert "submitted by Alice" in page
    claims = response.context["page"].claims
    assert claims and all(c.result.level == 2 and c.result.previous_level == 0 for c in claims)
    assert page.count("▲ up 2") == len(claims)
    assert "2026-Q3: L0" in page
    assert rules.BIG_RISE in rules.signal_kinds(pending.signals)
    for signal in pending.signals:
        assert signal["text"] in page
    assert rules.SIGNAL_NAMES[rules.BIG_RISE] in page


def test_it_shows_every_practice_with_its_answer_last_quarters_and_a_comment_box(
    client_for, rhea, pending
):
    page = client_for(rhea).get(_url(pending)).content.decode()
    keys = list(pending.answers.values_list("practice__key", flat=True))
    for key in keys:
        assert f'id="review-practice-{key}"' in page
        assert f'name="comment-{key}"' in page
    assert page.count("changed from <strong>Not in place</strong> in 2026-Q3") == len(keys)
    assert page.count("<summary>Question this answer") == len(keys)
    assert 'name="decision" value="accept"' in page
    assert 'name="decision" value="return"' in page


def test_it_shows_notes_and_evidence_links(client_for, rhea, pending):
    row = pending.answers.select_related("practice").order_by("practice__order").first()
    row.note = "Nightly retraining in Airflow since March."
    row.evidence_url = "https://ci.example.com/pipelines/42"
    row.save()
    page = client_for(rhea).get(_url(pending)).content.decode()
    assert "Nightly retraining in Airflow since March." in page
    assert 'href="https://ci.example.com/pipelines/42"' in page


def test_it_shows_an_exemption_request_with_its_justification_and_history(
    client_for, rhea, alice, past_period, period, project
):
    import datetime

    import time_machine

    from assessments.services.answering import assessment_submit
    from assessments.services.periods import period_open
    from tests.assessments.fixtures import answer_all

    set_policy(rules.EVERY)
    # Last quarter: the exemption was requested and declined, the practice answered.
    with time_machine.travel(past_period.opens_on + datetime.timedelta(days=2)):
        period_open(period=past_period)
        earlier = Assessment.objects.get(period=past_period, project=project)
        answer_all(earlier, "partly")
        key = first_key(earlier)
        answer(earlier, key, "na", alice, "We only score in batch.")
        assessment_submit(assessment=earlier, user=alice)
        decline = ExemptionDecision(False, "The batch job counts.")
        review_return(
            assessment=earlier, reviewer=rhea, decision=ReviewInput(exemptions={key: decline})
        )
        answer(earlier, key, "partly", alice)
        assessment_submit(assessment=earlier, user=alice)
        review_accept(assessment=earlier, reviewer=rhea, decision=ReviewInput())
    # This quarter: requested again.
    period_open(period=period)
    now = Assessment.objects.get(period=period, project=project)
    answer_all(now, "partly")
    answer(now, key, "na", alice, "Scoring moved to the platform team.")
    assessment_submit(assessment=now, user=alice, confirm_carried=True)

    response = client_for(rhea).get(_url(now))
    page = response.content.decode()
    assert [row.practice.key for row in response.context["page"].exemption_rows] == [key]
    assert "Exemption requested" in page
    assert "Scoring moved to the platform team." in page
    assert f'name="exemption-{key}" value="approve"' in page
    assert f'name="exemption-note-{key}"' in page
    assert "Earlier exemptions of this practice (1)" in page
    assert "We only score in batch." in page and "The batch job counts." in page
    assert "1 exemption request</strong> waits for your decision" in page


def test_it_shows_the_comments_of_an_earlier_return_beside_the_practice(
    client_for, rhea, alice, pending
):
    from assessments.services.answering import assessment_submit

    key = first_key(pending)
    review_return(
        assessment=pending, reviewer=rhea, decision=ReviewInput(comments={key: "Which pipeline?"})
    )
    answer(pending, key, "partly", alice)
    assessment_submit(assessment=pending, user=alice)
    page = client_for(rhea).get(_url(pending)).content.decode()
    assert "Earlier review" in page and "Which pipeline?" in page
    assert "The answer was Fully in place; now Partly." in page


def test_a_decided_submission_shows_its_status_and_decisions_read_only(client_for, rhea, pending):
    key = first_key(pending)
    review_return(
        assessment=pending,
        reviewer=rhea,
        decision=ReviewInput(summary="Good progress.", comments={key: "Link the pipeline."}),
    )
    response = client_for(rhea).get(_url(pending))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Returned for changes" in page
    assert "back with the team as a draft" in page
    assert "Good progress." in page and "Link the pipeline." in page
    assert "by Rhea" in page
    assert 'name="decision"' not in page


def test_an_accepted_submission_says_it_is_reviewed(client_for, rhea, pending):
    review_accept(assessment=pending, reviewer=rhea, decision=ReviewInput())
    page = client_for(rhea).get(_url(pending)).content.decode()
    assert "This assessment is reviewed" in page
    assert "Accepted</span> by Rhea" in page


def test_a_self_assessed_submission_says_no_review_was_asked(client_for, rhea, assessment, alice):
    from assessments.services.answering import assessment_submit
    from tests.assessments.fixtures import answer_all

    answer_all(assessment, "yes")
    assessment_submit(assessment=assessment, user=alice)
    page = client_for(rhea).get(_url(assessment)).content.decode()
    assert "does not wait for review" in page
    assert "No reviewer has decided" in page


def test_it_renders_in_a_fixed_number_of_queries(
    client_for, rhea, alice, pending, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from assessments.services.answering import assessment_submit

    def withdrawn_before(keys: list[str]) -> None:
        for key in keys:
            Exemption.objects.create(
                project=pending.project,
                practice_key=key,
                assessment=pending,
                justification="Once did not apply.",
                status=Exemption.Status.WITHDRAWN,
            )
        pending.answers.filter(practice__key__in=keys).update(value="na", na_reason="Batch.")

    keys = list(pending.answers.values_list("practice__key", flat=True))
    withdrawn_before(keys[:1])
    client = client_for(rhea)
    with CaptureQueriesContext(connection) as few:
        client.get(_url(pending))
    # More of everything the page lists: an earlier review's comments, an exemption request,
    # more practices not applicable with their history.
    review_return(
        assessment=pending, reviewer=rhea, decision=ReviewInput(comments={keys[2]: "Really?"})
    )
    assessment_submit(assessment=pending, user=alice)
    withdrawn_before(keys[1:6])
    with django_assert_num_queries(len(few)):
        client.get(_url(pending))
