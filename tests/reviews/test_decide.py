"""POST /reviews/<pk>/decide/: accepting, returning with comments, deciding exemptions, and
everything that must be refused without changing anything."""

import datetime
from unittest import mock

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessments.models import Assessment, Exemption
from reviews.models import Review, ReviewComment
from reviews.services.reviews import ReviewConflict, ReviewInput, review_accept
from teams.models import Membership
from tests.reviews.conftest import first_key


def _decide(client, assessment: Assessment, **data):
    return client.post(f"/reviews/{assessment.pk}/decide/", data)


def _unchanged(assessment: Assessment) -> None:
    assessment.refresh_from_db()
    assert assessment.awaits_review
    assert not Review.objects.exists()
    assert not ReviewComment.objects.exists()


def test_accepting_marks_it_reviewed_and_goes_back_to_the_queue(client_for, rhea, pending):
    client = client_for(rhea)
    response = _decide(client, pending, decision="accept", summary="Well evidenced.")
    assert response.status_code == 302 and response["Location"] == "/reviews/"
    pending.refresh_from_db()
    assert pending.review_status == Assessment.Review.REVIEWED
    review = Review.objects.get()
    assert (review.reviewer, review.decision, review.summary) == (
        rhea,
        "accepted",
        "Well evidenced.",
    )
    page = client.get("/reviews/").content.decode()
    assert "Accepted Card transaction scoring 2026-Q4" in page


def test_returning_with_a_comment_sends_it_back_with_the_comment(client_for, rhea, pending):
    key = first_key(pending)
    client = client_for(rhea)
    response = _decide(
        client,
        pending,
        decision="return",
        summary="Mostly fine.",
        **{f"comment-{key}": "Which pipeline retrains it? Link a run."},
    )
    assert response.status_code == 302 and response["Location"] == "/reviews/"
    pending.refresh_from_db()
    assert pending.status == Assessment.Status.DRAFT
    assert pending.review_status == Assessment.Review.RETURNED
    comment = ReviewComment.objects.get()
    assert (comment.practice_key, comment.text) == (key, "Which pipeline retrains it? Link a run.")
    page = client.get("/reviews/").content.decode()
    assert "Returned Card transaction scoring 2026-Q4 to the team with 1 comment." in page


def test_returning_without_a_comment_keeps_what_was_typed(client_for, rhea, pending):
    key = first_key(pending)
    response = _decide(
        client_for(rhea),
        pending,
        decision="return",
        summary="I doubt the rise & the evidence <b>here</b>.",
        **{f"comment-{key}": "   "},
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "write a comment on at least one practice" in page
    assert "I doubt the rise &amp; the evidence &lt;b&gt;here&lt;/b&gt;." in page
    assert "Everything you typed is still here" in page
    _unchanged(pending)


def test_a_comment_too_long_is_refused_beside_its_question(client_for, rhea, pending):
    key = first_key(pending)
    other = pending.answers.values_list("practice__key", flat=True).order_by("practice__order")[1]
    response = _decide(
        client_for(rhea),
        pending,
        decision="return",
        **{f"comment-{key}": "x" * 2001, f"comment-{other}": "Keep this one."},
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "Keep each comment to 2000 characters." in page
    assert f'aria-describedby="comment-{key}-error"' in page
    assert "Keep this one.</textarea>" in page
    _unchanged(pending)


def test_a_summary_too_long_is_refused(client_for, rhea, pending):
    response = _decide(client_for(rhea), pending, decision="accept", summary="y" * 2001)
    assert response.status_code == 422
    assert "Keep the summary to 2000 characters." in response.content.decode()
    _unchanged(pending)


@pytest.mark.parametrize("decision", ["", "approve", "accept; DROP TABLE"])
def test_a_decision_is_required(client_for, rhea, pending, decision):
    response = _decide(client_for(rhea), pending, decision=decision)
    assert response.status_code == 422
    assert "Choose Accept or Return with comments." in response.content.decode()
    _unchanged(pending)


def test_a_comment_on_a_practice_the_assessment_lacks_is_refused(client_for, rhea, pending):
    response = _decide(
        client_for(rhea), pending, decision="return", **{"comment-no-such-practice": "Hm."}
    )
    assert response.status_code == 422
    assert "no practice called no-such-practice" in response.content.decode()
    _unchanged(pending)


def test_accepting_with_comments_written_does_not_lose_them(client_for, rhea, pending):
    key = first_key(pending)
    response = _decide(
        client_for(rhea), pending, decision="accept", **{f"comment-{key}": "Are you sure?"}
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "accepting would not send them" in page
    assert "Are you sure?</textarea>" in page
    _unchanged(pending)


# --- Exemptions ---------------------------------------------------------------------------------


def test_accepting_approves_the_exemptions_requested(client_for, rhea, with_exemption):
    assessment, key = with_exemption
    response = _decide(
        client_for(rhea),
        assessment,
        decision="accept",
        **{f"exemption-{key}": "approve", f"exemption-note-{key}": "Fair: batch only."},
    )
    assert response.status_code == 302
    exemption = Exemption.objects.get(practice_key=key)
    assert exemption.status == Exemption.Status.APPROVED
    assert exemption.decided_by == rhea and exemption.decision_note == "Fair: batch only."
    assert exemption.expires_on > assessment.period.opens_on + datetime.timedelta(days=300)
    assessment.refresh_from_db()
    assert assessment.is_reviewed


def test_declining_an_exemption_returns_it_with_the_note_as_the_comment(
    client_for, rhea, with_exemption
):
    assessment, key = with_exemption
    client = client_for(rhea)
    response = _decide(
        client,
        assessment,
        decision="return",
        **{f"exemption-{key}": "decline", f"exemption-note-{key}": "The nightly job counts."},
    )
    assert response.status_code == 302
    assert Exemption.objects.get(practice_key=key).status == Exemption.Status.DECLINED
    comment = ReviewComment.objects.get()
    assert (comment.practice_key, comment.text) == (key, "The nightly job counts.")
    page = client.get("/reviews/").content.decode()
    assert "to the team with 1 comment" in page


def test_an_exemption_left_undecided_is_marked(client_for, rhea, with_exemption):
    assessment, key = with_exemption
    response = _decide(client_for(rhea), assessment, decision="accept", summary="Looks fine.")
    assert response.status_code == 422
    page = response.content.decode()
    assert "Approve or decline this exemption." in page
    assert "Looks fine.</textarea>" in page
    assert Exemption.objects.get(practice_key=key).status == Exemption.Status.REQUESTED
    _unchanged(assessment)


def test_accepting_with_a_declined_exemption_is_refused(client_for, rhea, with_exemption):
    assessment, key = with_exemption
    response = _decide(
        client_for(rhea), assessment, decision="accept", **{f"exemption-{key}": "decline"}
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "return the assessment so the team answers that practice" in page
    assert f'name="exemption-{key}" value="decline" checked' in page
    assert Exemption.objects.get(practice_key=key).status == Exemption.Status.REQUESTED
    _unchanged(assessment)


def test_a_decision_on_an_exemption_nobody_requested_is_refused(client_for, rhea, pending):
    key = first_key(pending)
    response = _decide(
        client_for(rhea), pending, decision="accept", **{f"exemption-{key}": "approve"}
    )
    assert response.status_code == 422
    assert "No exemption was requested" in response.content.decode()
    assert not Exemption.objects.exists()
    _unchanged(pending)


# --- Refused: who, when, how --------------------------------------------------------------------


def test_a_reviewer_in_the_team_is_refused_by_a_crafted_post(client_for, rhea, team, pending):
    Membership.objects.create(user=rhea, team=team, role=Membership.Role.MEMBER)
    key = first_key(pending)
    for decision in ("accept", "return"):
        response = _decide(
            client_for(rhea), pending, decision=decision, **{f"comment-{key}": "Mine."}
        )
        assert response.status_code == 403
    _unchanged(pending)


@pytest.mark.parametrize("persona", ["lead", "member", "management", "admin", "other_lead"])
def test_no_one_but_a_reviewer_can_decide(client_for, personas, persona, pending):
    response = _decide(client_for(personas[persona]), pending, decision="accept")
    assert response.status_code == 403
    _unchanged(pending)


def test_a_unit_reviewer_cannot_decide_outside_their_units(client_for, ursula, pending):
    assert _decide(client_for(ursula), pending, decision="accept").status_code == 404
    _unchanged(pending)


def test_anonymous_visitors_decide_nothing(client, pending):
    response = _decide(client, pending, decision="accept")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    _unchanged(pending)


def test_it_needs_the_csrf_token(rhea, pending):
    client = Client(enforce_csrf_checks=True)
    client.force_login(rhea)
    assert _decide(client, pending, decision="accept").status_code == 403
    _unchanged(pending)


def test_it_answers_only_posts(client_for, rhea, pending):
    assert client_for(rhea).get(f"/reviews/{pending.pk}/decide/").status_code == 405


def test_the_second_reviewer_is_told_someone_decided_first(client_for, rhea, pending):
    review_accept(assessment=pending, reviewer=rhea, decision=ReviewInput())
    key = first_key(pending)
    client = client_for(rhea)
    response = _decide(client, pending, decision="return", **{f"comment-{key}": "Late."})
    assert response.status_code == 302 and response["Location"] == f"/reviews/{pending.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "Someone decided on it first" in page
    assert Review.objects.count() == 1


def test_a_race_lost_inside_the_service_is_told_the_same(client_for, rhea, pending):
    with mock.patch("reviews.views.review_accept", side_effect=ReviewConflict("first")):
        response = _decide(client_for(rhea), pending, decision="accept")
    assert response.status_code == 302 and response["Location"] == f"/reviews/{pending.pk}/"


def test_a_closed_period_cannot_be_returned(client_for, rhea, pending):
    key = first_key(pending)
    period = pending.period
    period.closes_on = period.due_on = period.opens_on
    period.save()
    response = _decide(client_for(rhea), pending, decision="return", **{f"comment-{key}": "Hm?"})
    assert response.status_code == 422
    assert "is closed, so the team could not answer" in response.content.decode()
    _unchanged(pending)


# --- Hostile input ------------------------------------------------------------------------------

hostile = st.one_of(
    st.text(max_size=40),
    st.text(min_size=2001, max_size=4000),
    st.sampled_from(["\x00", "a\x00b", '<script>alert("x")</script>', "' OR 1=1 --", "🚀" * 700]),
)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    decision=st.one_of(st.sampled_from(["accept", "return"]), hostile),
    summary=hostile,
    comment=hostile,
    stray=st.dictionaries(hostile.map(lambda text: f"comment-{text}"), hostile, max_size=2),
)
def test_hostile_input_never_fails_nor_half_saves(
    client_for, rhea, pending, decision, summary, comment, stray
):
    client = Client(raise_request_exception=False)
    client.force_login(rhea)
    reviews = Review.objects.count()
    data = {
        **stray,
        "decision": decision,
        "summary": summary,
        f"comment-{first_key(pending)}": comment,
    }
    response = client.post(f"/reviews/{pending.pk}/decide/", data)
    assert response.status_code in (302, 422)
    if response.status_code == 422:
        assert Review.objects.count() == reviews
        assert "<script>" not in response.content.decode().split("<main", 1)[1]
