"""E-mails about reviews: the decision to the lead, the reviewers' daily digest of their
queue and their weekly list of exemption requests; each claimed once under its key, each
opt-out respected except the returned one's."""

import datetime
from unittest import mock

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from assessments.models import Assessment, Exemption, ReviewPolicy
from assessments.rules import review as rules
from assessments.services.answering import assessment_submit
from notifications import tasks
from notifications.models import NotificationPreference, SentEmail
from notifications.services import reviews as review_emails
from notifications.services.plans import digest_week_key
from reviews.services.reviews import ReviewInput, review_accept, review_return
from teams.models import Membership, UnitReviewer
from teams.units import unit_create
from tests.assessments.fixtures import answer_all, submit_last_quarter
from tests.factories import UserFactory

# Tasks queued on commit run at once, broker or not.
pytestmark = pytest.mark.usefixtures("eager_tasks")


def opt(user, **choices: bool) -> None:
    NotificationPreference.objects.update_or_create(user=user, defaults=choices)


def keys() -> list[str]:
    return sorted(SentEmail.objects.values_list("key", flat=True))


def every_submission_waits() -> None:
    ReviewPolicy.objects.update_or_create(pk=1, defaults={"rule": rules.EVERY})


@pytest.fixture
def pending(past_period, period, project, alice, assessment) -> Assessment:
    """alice's project rose from "no" to "fully in place" everywhere and waits for review."""
    submit_last_quarter(past_period, project, alice, "no")
    every_submission_waits()
    assessment.refresh_from_db()
    answer_all(assessment, "yes")
    assessment_submit(assessment=assessment, user=alice, confirm_carried=True)
    assessment.refresh_from_db()
    assert assessment.awaits_review
    return assessment


def first_key(assessment: Assessment) -> str:
    return assessment.answers.select_related("practice").order_by("practice__order")[0].practice.key


def decide(capture, action, **kwargs):
    with capture(execute=True):
        return action(**kwargs)


# --- The decision, to the lead ----------------------------------------------------------------


def test_a_returned_assessment_tells_the_lead_each_comment_beside_its_question(
    pending, alice, rhea, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://portal.example.com"
    key = first_key(pending)
    question = pending.answers.get(practice__key=key).practice.question
    review = decide(
        django_capture_on_commit_callbacks,
        review_return,
        assessment=pending,
        reviewer=rhea,
        decision=ReviewInput(
            summary="Good progress; two answers need a link.",
            comments={key: "Which pipeline runs this? Link it."},
        ),
    )
    [email] = mail.outbox
    assert email.to == ["alice@example.com"]
    assert email.subject == (
        f"Returned for changes: {pending.project.name}, {pending.period.key} (1 comment to answer)"
    )
    link = f"https://portal.example.com/assessments/{pending.pk}/"
    for body in (email.body, email.alternatives[0].content):
        assert "Good progress; two answers need a link." in body
        assert "Which pipeline runs this? Link it." in body
        assert question.replace("'", "&#x27;") in body or question in body
        assert "Fully in place" in body  # the answer the comment was about
        assert f"{link}#practice-{key}" in body
        assert "cannot be switched off" in body
    assert email.extra_headers["X-Portal-Email-Key"] == (
        f"review_returned:review-{review.pk}:user-{alice.pk}"
    )


def test_the_returned_email_ignores_the_opt_outs_and_is_sent_once(
    pending, alice, rhea, django_capture_on_commit_callbacks
):
    opt(
        alice,
        reminders_enabled=False,
        action_reminders_enabled=False,
        review_accepted_enabled=False,
    )
    review = decide(
        django_capture_on_commit_callbacks,
        review_return,
        assessment=pending,
        reviewer=rhea,
        decision=ReviewInput(comments={first_key(pending): "Why?"}),
    )
    assert len(mail.outbox) == 1
    assert review_emails.review_decision_send(review_id=review.pk) == []  # claimed already
    tasks.review_decision_send(review.pk)
    assert len(mail.outbox) == 1
    assert keys() == [f"review_returned:review-{review.pk}:user-{alice.pk}"]


def test_an_accepted_assessment_tells_the_lead_briefly_with_a_link_to_the_result(
    pending, alice, rhea, django_capture_on_commit_callbacks
):
    review = decide(
        django_capture_on_commit_callbacks,
        review_accept,
        assessment=pending,
        reviewer=rhea,
        decision=ReviewInput(summary="Checked the links: all good."),
    )
    [email] = mail.outbox
    assert email.to == ["alice@example.com"]
    assert email.subject == (
        f"Accepted: {pending.project.name}, {pending.period.key} at level 2, now reviewed"
    )
    assert "Rhea accepted" in email.body
    assert "Checked the links: all good." in email.body
    assert f"/assessments/{pending.pk}/" in email.body
    assert "/account/notifications/" in email.body  # how to switch it off
    assert keys() == [f"review_accepted:review-{review.pk}:user-{alice.pk}"]


def test_a_lead_who_opted_out_gets_no_accepted_email(
    pending, alice, rhea, django_capture_on_commit_callbacks
):
    opt(alice, review_accepted_enabled=False)
    decide(
        django_capture_on_commit_callbacks,
        review_accept,
        assessment=pending,
        reviewer=rhea,
        decision=ReviewInput(),
    )
    assert mail.outbox == []
    assert keys() == []


def test_when_the_submitter_no_longer_leads_the_team_its_leads_are_told(
    pending, alice, team, rhea, django_capture_on_commit_callbacks
):
    Membership.objects.filter(user=alice, team=team).update(role=Membership.Role.MEMBER)
    lena = UserFactory(username="lena", first_name="Lena")
    Membership.objects.create(user=lena, team=team, role=Membership.Role.LEAD)
    decide(
        django_capture_on_commit_callbacks,
        review_return,
        assessment=pending,
        reviewer=rhea,
        decision=ReviewInput(comments={first_key(pending): "Link it, please."}),
    )
    [email] = mail.outbox
    assert email.to == ["lena@example.com"]
    assert "(Fraud Detection, a team you lead)" in email.body
    assert "because you lead Fraud Detection" in email.body


def test_nothing_is_sent_for_a_review_that_is_gone(db):
    assert review_emails.review_decision_send(review_id=999) == []


# --- The reviewers' daily digest --------------------------------------------------------------


@pytest.fixture
def units(team, other_team, erin):
    """Fraud Detection (alice's) in Payments, Search Ranking (dave's) in Discovery."""
    payments = unit_create(name="Payments", parent=None, actor=erin)
    discovery = unit_create(name="Discovery", parent=None, actor=erin)
    team.unit, other_team.unit = payments, discovery
    team.save(update_fields=["unit"])
    other_team.save(update_fields=["unit"])
    return {"payments": payments, "discovery": discovery}


def test_the_digest_lists_the_queue_with_signals_to_the_reviewers_whose_units_hold_it(
    pending, rhea, units, settings
):
    settings.SITE_URL = "https://portal.example.com"
    pam = UserFactory(username="pam", first_name="Pam")  # reviews Payments: alice's team
    dan = UserFactory(username="dan", first_name="Dan")  # reviews Discovery: not alice's
    UnitReviewer.objects.create(user=pam, unit=units["payments"])
    UnitReviewer.objects.create(user=dan, unit=units["discovery"])
    notices = review_emails.review_digest_notices_due()
    assert sorted(notice.user.username for notice in notices) == ["pam", "rhea"]
    today = timezone.localdate().isoformat()
    assert notices[0].key == f"review_digest:{today}:user-{notices[0].user.pk}"
    review_emails.review_digest_send(user_id=rhea.pk, day=today)
    [email] = mail.outbox
    assert email.to == ["rhea@example.com"]
    assert email.subject == "Reviews waiting: 1 new, 1 in your queue"
    assert pending.project.name in email.body
    assert "Rose more than one level in a quarter" in email.alternatives[0].content
    signal = next(s["text"] for s in pending.signals if s["kind"] == rules.BIG_RISE)
    assert signal in email.body
    assert f"https://portal.example.com/reviews/{pending.pk}/" in email.body
    assert "https://portal.example.com/reviews/" in email.body


def test_a_reviewer_in_the_team_gets_no_digest_for_its_submission(pending, rhea, team):
    Membership.objects.create(user=rhea, team=team, role=Membership.Role.MEMBER)
    assert review_emails.review_digest_notices_due() == []
    day = timezone.localdate().isoformat()
    assert review_emails.review_digest_send(user_id=rhea.pk, day=day) is None
    assert mail.outbox == []


def test_it_sends_at_most_one_digest_a_day_and_only_for_something_new(
    pending, rhea, other_assessment, dave
):
    now = timezone.now()
    day = timezone.localdate(now).isoformat()
    assert review_emails.review_digest_send(user_id=rhea.pk, day=day) is not None
    assert review_emails.review_digest_send(user_id=rhea.pk, day=day) is None
    assert review_emails.review_digest_notices_due() == []  # today's is sent
    tomorrow = now + datetime.timedelta(days=1)
    with time_machine.travel(tomorrow):
        assert review_emails.review_digest_notices_due() == []  # nothing new since
        answer_all(other_assessment, "partly")
        assessment_submit(assessment=other_assessment, user=dave)
        [notice] = review_emails.review_digest_notices_due()
        assert notice.user == rhea
        review_emails.review_digest_send(user_id=rhea.pk, day=tomorrow.date().isoformat())
    second = mail.outbox[1]
    assert second.subject == "Reviews waiting: 1 new, 2 in your queue"
    assert "since your last digest" in second.body
    assert second.body.index(other_assessment.project.name) < second.body.index(
        pending.project.name
    )  # the new one first


def test_nothing_became_ready_in_the_last_day_so_no_first_digest(pending, rhea):
    Assessment.objects.filter(pk=pending.pk).update(
        submitted_at=timezone.now() - datetime.timedelta(hours=30)
    )
    assert review_emails.review_digest_notices_due() == []


def test_reviewers_may_switch_the_digest_off(pending, rhea):
    opt(rhea, review_digest_enabled=False)
    assert review_emails.review_digest_notices_due() == []
    day = timezone.localdate().isoformat()
    assert review_emails.review_digest_send(user_id=rhea.pk, day=day) is None


def test_a_digest_queued_yesterday_is_not_sent_today(pending, rhea):
    yesterday = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    assert review_emails.review_digest_send(user_id=rhea.pk, day=yesterday) is None


# --- The reviewers' weekly list of exemption requests -----------------------------------------


@pytest.fixture
def exempted(past_period, period, project, alice, assessment) -> Assessment:
    """alice's submission asks to exempt two practices."""
    submit_last_quarter(past_period, project, alice, "partly")
    assessment.refresh_from_db()
    practices = assessment.answers.select_related("practice").order_by("practice__order")
    na = {answer.practice.key: "na" for answer in practices[:2]}
    answer_all(assessment, "partly", **na)
    assessment_submit(assessment=assessment, user=alice, confirm_carried=True)
    requested = Exemption.objects.filter(status=Exemption.Status.REQUESTED)
    assert requested.update(requested_at=timezone.now() - datetime.timedelta(days=9)) == 2
    return assessment


def test_the_weekly_list_gives_each_request_with_its_justification_and_age(
    exempted, rhea, settings
):
    settings.SITE_URL = "https://portal.example.com"
    today = timezone.localdate()
    [notice] = review_emails.exemption_digest_notices_due(today=today)
    week = digest_week_key(today)
    assert notice.key == f"exemption_digest:{week}:user-{rhea.pk}"
    review_emails.exemption_digest_send(user_id=rhea.pk, week_key=week)
    [email] = mail.outbox
    assert email.subject == "Exemptions waiting for your decision: 2, the oldest 9 days old"
    assert email.body.count("Does not apply here.") == 2
    assert "requested 9 days ago by Alice" in email.body
    assert email.body.count(f"https://portal.example.com/reviews/{exempted.pk}/") == 2
    question = exempted.answers.select_related("practice").order_by("practice__order")[0]
    assert question.practice.question in email.body
    assert review_emails.exemption_digest_send(user_id=rhea.pk, week_key=week) is None
    assert review_emails.exemption_digest_notices_due(today=today) == []


def test_the_weekly_list_respects_the_opt_out_the_scope_and_the_team(exempted, rhea, team):
    today = timezone.localdate()
    opt(rhea, exemption_digest_enabled=False)
    assert review_emails.exemption_digest_notices_due(today=today) == []
    opt(rhea, exemption_digest_enabled=True)
    Membership.objects.create(user=rhea, team=team, role=Membership.Role.MEMBER)
    assert review_emails.exemption_digest_notices_due(today=today) == []
    assert (
        review_emails.exemption_digest_send(user_id=rhea.pk, week_key=digest_week_key(today))
        is None
    )


def test_a_draft_s_requests_wait_for_its_submission_not_for_a_reviewer(
    period, project, alice, rhea, assessment
):
    answer_all(assessment, "partly", **{first_key(assessment): "na"})
    Exemption.objects.create(
        project=project,
        practice_key=first_key(assessment),
        assessment=assessment,
        justification="Not yet submitted.",
    )
    assert review_emails.exemption_digest_notices_due(today=timezone.localdate()) == []


# --- Tasks ------------------------------------------------------------------------------------


def test_the_tasks_call_their_service(pending, rhea):
    day = timezone.localdate().isoformat()
    with mock.patch("notifications.services.reviews.review_digest_send") as send:
        tasks.review_digest_send(rhea.pk, day)
    send.assert_called_once_with(user_id=rhea.pk, day=day)
    with mock.patch("notifications.services.reviews.exemption_digest_send") as send:
        tasks.exemption_digest_send(rhea.pk, "2026-W49")
    send.assert_called_once_with(user_id=rhea.pk, week_key="2026-W49")


# --- The settings page ------------------------------------------------------------------------


def test_reviewers_and_leads_see_their_switches_and_what_cannot_be_switched_off(
    client_for, rhea, alice, bob
):
    page = client_for(rhea).get("/account/notifications/").content.decode()
    assert "Send me a daily digest of submissions waiting for my review" in page
    assert "Send me a weekly list of exemptions waiting for my decision" in page
    assert "accepts an assessment I submitted" not in page
    page = client_for(alice).get("/account/notifications/").content.decode()
    assert "Email me when a reviewer accepts an assessment I submitted" in page
    assert "daily digest of submissions" not in page
    assert "Returned for changes" in page and "cannot be switched off" in page
    page = client_for(bob).get("/account/notifications/").content.decode()
    assert "accepts an assessment" not in page and "daily digest of submissions" not in page


def test_reviewers_save_their_switches(client_for, rhea):
    response = client_for(rhea).post(
        "/account/notifications/", {"exemption_digest_enabled": "on"}, follow=True
    )
    assert (
        "The daily review digest is off, the weekly list of exemptions on."
        in response.content.decode()
    )
    preference = NotificationPreference.objects.get(user=rhea)
    assert not preference.review_digest_enabled and preference.exemption_digest_enabled
    assert preference.review_accepted_enabled  # not shown to a reviewer: kept


# --- Query counts -----------------------------------------------------------------------------


@pytest.mark.parametrize("size", [1, 5])
def test_it_finds_the_digests_due_in_queries_that_grow_with_reviewers_not_submissions(
    size, pending, rhea, framework, period, django_assert_max_num_queries
):
    from assessments.services.periods import period_open
    from tests.factories import ProjectFactory, TeamFactory

    for number in range(size):
        team = TeamFactory(name=f"Team {number}")
        lead = UserFactory(username=f"lead{number}")
        Membership.objects.create(user=lead, team=team, role=Membership.Role.LEAD)
        ProjectFactory(team=team, name=f"Project {number}")
    period_open(period=period)
    for draft in Assessment.objects.filter(period=period, status=Assessment.Status.DRAFT):
        answer_all(draft, "partly")
        lead = Membership.objects.get(team=draft.project.team, role="lead").user
        assessment_submit(assessment=draft, user=lead)
    with django_assert_max_num_queries(8):
        assert len(review_emails.review_digest_notices_due()) == 1
    with django_assert_max_num_queries(8):
        assert len(review_emails.exemption_digest_notices_due(today=timezone.localdate())) == 0
