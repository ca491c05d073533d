"""The tick's improvement steps: action reminders, the weekly digest, initiatives' points."""

import datetime
from collections import Counter
from unittest import mock

import pytest
import time_machine
from django.core import mail

from improvement.models import Action, InitiativeWeek
from notifications import tasks
from notifications.models import NotificationPreference, SentEmail
from scheduler import tick
from tests.dated_quarter import day
from tests.improvement.factories import ActionFactory, InitiativeFactory

# Tasks queued on commit run at once, broker or not.
pytestmark = pytest.mark.usefixtures("eager_tasks")

TODAY = day(-7)  # Wednesday 14 October 2026: 2026-Q4 is open, its drafts due in 7 days


@pytest.fixture
def plan(opened, project, alice, bob) -> dict[str, Action]:
    NotificationPreference.objects.create(user=alice, action_digest_enabled=True)
    return {
        "soon": ActionFactory(project=project, owner=bob, due_on=TODAY + datetime.timedelta(3)),
        "late": ActionFactory(project=project, owner=alice, due_on=TODAY - datetime.timedelta(1)),
        "later": ActionFactory(project=project, owner=bob, due_on=TODAY + datetime.timedelta(30)),
    }


def ticks(*days: datetime.date, capture) -> list[tick.TickResult]:
    results = []
    for today in days:
        with (
            time_machine.travel(today),
            capture(execute=True),
            mock.patch("reports.tasks.report_generate.delay_on_commit"),  # not about reports
        ):
            results.append(tick.schedule_tick())
    return results


def sent_kinds() -> Counter:
    return Counter(
        SentEmail.objects.filter(kind__startswith="action").values_list("kind", flat=True)
    )


def test_it_sends_each_action_email_once_however_often_it_ticks(
    plan, alice, bob, django_capture_on_commit_callbacks
):
    first, second = ticks(TODAY, TODAY, capture=django_capture_on_commit_callbacks)
    assert [(n.kind, n.action) for n in first.action_notices] == [
        ("action_overdue", plan["late"]),
        ("action_due_7", plan["soon"]),
    ]
    assert [(n.user, n.week_key) for n in first.digest_notices] == [(alice, "2026-W42")]
    assert (second.action_notices, second.digest_notices) == ([], [])
    assert sent_kinds() == {"action_due_7": 1, "action_overdue": 1, "action_digest": 1}
    subjects = sorted(
        email.subject
        for email in mail.outbox
        if email.extra_headers["X-Portal-Email-Key"].startswith("action")
    )
    assert [subject.split(":")[0] for subject in subjects] == [
        "Action due in 3 days",
        "Overdue since 13 Oct",
        "Plan digest, week of 12 Oct",
    ]
    assert subjects[2].endswith(": 3 open actions, 1 overdue")


def test_it_sends_the_next_weeks_digest_and_the_next_reminder_on_their_days(
    plan, django_capture_on_commit_callbacks
):
    ticks(TODAY, capture=django_capture_on_commit_callbacks)
    results = ticks(
        *(TODAY + datetime.timedelta(days=offset) for offset in range(1, 30)),
        capture=django_capture_on_commit_callbacks,
    )
    sent = [(n.kind, n.action) for result in results for n in result.action_notices]
    # "soon" (due 17 October) is overdue on the 18th; "later" (13 November) due in 7 days
    # on 6 November.
    assert sent == [("action_overdue", plan["soon"]), ("action_due_7", plan["later"])]
    assert [n.week_key for result in results for n in result.digest_notices] == [
        "2026-W43",
        "2026-W44",
        "2026-W45",
        "2026-W46",
    ]  # one on each Monday, 19 October to 9 November


def test_it_honours_an_opt_out_made_after_the_tick_queued_the_email(
    plan, bob, django_capture_on_commit_callbacks
):
    queued = []
    with mock.patch(
        "notifications.tasks.action_reminder_send.delay_on_commit",
        side_effect=lambda *args: queued.append(args),
    ):
        ticks(TODAY, capture=django_capture_on_commit_callbacks)
    NotificationPreference.objects.create(user=bob, action_reminders_enabled=False)
    with time_machine.travel(TODAY):
        for args in queued:
            tasks.action_reminder_send(*args)
    assert sent_kinds() == {"action_overdue": 1, "action_digest": 1}  # alice's only


def test_it_records_each_initiatives_point_once_a_week(
    opened, project, django_capture_on_commit_callbacks
):
    initiative = InitiativeFactory(
        starts_on=datetime.date(2026, 9, 1), target_on=datetime.date(2027, 3, 31)
    )
    InitiativeFactory(starts_on=datetime.date(2027, 1, 4), target_on=datetime.date(2027, 3, 31))
    first, second = ticks(TODAY, TODAY, capture=django_capture_on_commit_callbacks)
    assert (first.initiative_weeks, second.initiative_weeks) == (1, 0)
    [week] = InitiativeWeek.objects.all()
    assert (week.initiative, week.week_start) == (initiative, datetime.date(2026, 10, 12))


def test_it_changes_nothing_for_plans_when_nothing_is_due(
    opened, django_capture_on_commit_callbacks
):
    [result] = ticks(TODAY, capture=django_capture_on_commit_callbacks)
    assert (result.action_notices, result.digest_notices, result.initiative_weeks) == ([], [], 0)
    assert sent_kinds() == {}
