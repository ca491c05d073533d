"""The reminder button: one e-mail per lead of a team behind, once a day."""

import datetime

import pytest
import time_machine
from django.core import mail

from core.models import AuditEntry
from notifications.models import SentEmail
from notifications.services.initiatives import (
    initiative_reminder_send,
    initiative_reminders_queue,
)
from teams.models import Membership
from tests.factories import ProjectFactory, TeamFactory, UserFactory
from tests.improvement.initiative_data import (
    Q4_OPENS,
    TODAY,
    assess,
    initiative,
    quarter,
    small_framework,
)

# Tasks queued on commit run at once, broker or not.
pytestmark = pytest.mark.usefixtures("eager_tasks")


@pytest.fixture(autouse=True)
def on_a_fixed_day():
    """The pages compute "today" themselves: the tests' data sits around TODAY."""
    with time_machine.travel(datetime.datetime.combine(TODAY, datetime.time(12), datetime.UTC)):
        yield


@pytest.fixture
def q4(db):
    return quarter(small_framework(), "2026-Q4", Q4_OPENS)


@pytest.fixture
def behind(q4, team, other_team, alice, bob, dave):
    """Fraud Detection (alice) and Search Ranking (dave) behind, a third team on pace."""
    assess(ProjectFactory(team=team), q4, business_kpi_tracking="no")
    assess(ProjectFactory(team=other_team), q4, business_kpi_tracking="partly")
    ahead = TeamFactory(name="Ahead")
    Membership.objects.create(user=UserFactory(username="ann"), team=ahead, role="lead")
    assess(ProjectFactory(team=ahead), q4, business_kpi_tracking="yes", drift_monitoring="yes")
    return initiative(title="KPIs everywhere", slug="kpis-everywhere", why="Models drift.")


def click(subject, user, capture, today=TODAY):
    with capture(execute=True):
        return initiative_reminders_queue(initiative=subject, actor=user, today=today)


def test_it_emails_each_lead_behind_once(behind, carol, django_capture_on_commit_callbacks):
    outcome = click(behind, carol, django_capture_on_commit_callbacks)
    assert (outcome.reminded_now, outcome.reminded_before, outcome.teams_behind) == (2, 0, 2)
    assert sorted(message.to[0] for message in mail.outbox) == [
        "alice@example.com",
        "dave@example.com",
    ]
    keys = set(SentEmail.objects.values_list("key", flat=True))
    assert all(key.startswith(f"initiative_reminder:{behind.pk}:2026-11-18:user-") for key in keys)


def test_it_sends_none_on_a_second_click_the_same_day(
    behind, carol, django_capture_on_commit_callbacks
):
    click(behind, carol, django_capture_on_commit_callbacks)
    again = click(behind, carol, django_capture_on_commit_callbacks)
    assert (again.reminded_now, again.reminded_before) == (0, 2)
    assert len(mail.outbox) == 2
    tomorrow = click(behind, carol, django_capture_on_commit_callbacks, TODAY.replace(day=19))
    assert tomorrow.reminded_now == 2 and len(mail.outbox) == 4


def test_it_sends_one_email_to_a_lead_of_several_teams_behind(
    behind, carol, alice, other_team, django_capture_on_commit_callbacks
):
    Membership.objects.create(user=alice, team=other_team, role="lead")
    click(behind, carol, django_capture_on_commit_callbacks)
    to_alice = [message for message in mail.outbox if message.to == ["alice@example.com"]]
    assert len(to_alice) == 1
    body = to_alice[0].body
    assert "Fraud Detection" in body and "Search Ranking" in body
    assert "2 of your teams are behind pace" in to_alice[0].subject


def test_it_says_what_why_which_practices_the_numbers_and_where_to_go(
    behind, carol, django_capture_on_commit_callbacks
):
    click(behind, carol, django_capture_on_commit_callbacks)
    message = next(m for m in mail.outbox if m.to == ["alice@example.com"])
    assert message.subject == "KPIs everywhere: Fraud Detection is behind pace for 29 Mar 2027"
    for text in (
        "Models drift.",
        "Is business-kpi-tracking in place?",
        "Is drift-monitoring in place?",
        "0 of 1 project complete (0 %)",
        "29 Mar 2027",
        "/initiatives/kpis-everywhere/",
        "/teams/fraud-detection/plan/",
    ):
        assert text in message.body
    html = message.alternatives[0][0]
    assert "/teams/fraud-detection/plan/" in html and "Open the initiative" in html


def test_it_skips_leads_who_cannot_be_reached(
    behind, carol, alice, dave, django_capture_on_commit_callbacks
):
    alice.is_active = False
    alice.save()
    dave.email = ""
    dave.save()
    outcome = click(behind, carol, django_capture_on_commit_callbacks)
    assert (outcome.reminded_now, outcome.leads_unreachable) == (0, 2)
    assert mail.outbox == []


def test_it_audits_the_click(behind, carol, django_capture_on_commit_callbacks):
    click(behind, carol, django_capture_on_commit_callbacks)
    entry = AuditEntry.objects.get(action="initiative.remind")
    assert entry.actor == carol and entry.target_id == behind.pk
    assert entry.after["reminded_now"] == ["alice", "dave"]


def test_it_sends_nothing_to_a_lead_whose_team_caught_up(behind, q4, alice, team):
    for assessment in q4.assessments.filter(project__team=team):
        assessment.answers.update(value="yes")
        assess_drift = assessment.answers.model(
            assessment=assessment,
            practice=q4.framework.practices.get(key="drift-monitoring"),
            value="yes",
        )
        assess_drift.save()
    sent = initiative_reminder_send(initiative_id=behind.pk, user_id=alice.pk, day="2026-11-18")
    assert sent is None and mail.outbox == []


def test_it_sends_once_even_when_the_task_runs_twice(behind, alice):
    day = TODAY.isoformat()
    first = initiative_reminder_send(initiative_id=behind.pk, user_id=alice.pk, day=day)
    second = initiative_reminder_send(initiative_id=behind.pk, user_id=alice.pk, day=day)
    assert first is not None and first.status == SentEmail.Status.SENT
    assert second is None and len(mail.outbox) == 1


def test_it_shows_the_outcome_on_the_page(
    client_for, carol, behind, django_capture_on_commit_callbacks
):
    client = client_for(carol)
    url = f"/initiatives/{behind.slug}/remind/"
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(url, headers={"HX-Request": "true"})
    assert first.status_code == 200
    assert "Reminded <strong>2</strong> leads now" in first.text
    assert len(mail.outbox) == 2
    with django_capture_on_commit_callbacks(execute=True):
        second = client.post(url, headers={"HX-Request": "true"})
    assert "Reminded <strong>0</strong> leads now" in second.text
    assert "<strong>2</strong> had been reminded today already" in second.text
    with django_capture_on_commit_callbacks(execute=True):
        third = client.post(url, follow=True)
    assert "Reminded 0 leads now; 2 had been reminded today already." in third.text
    assert len(mail.outbox) == 2


def test_it_tells_the_day_in_the_key(behind, alice):
    sent = initiative_reminder_send(initiative_id=behind.pk, user_id=alice.pk, day="2026-11-18")
    assert sent.key == f"initiative_reminder:{behind.pk}:2026-11-18:user-{alice.pk}"
    assert sent.period is None
    assert datetime.date.fromisoformat("2026-11-18") == TODAY
