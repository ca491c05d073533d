import datetime

import pytest

from assessments.models import Assessment
from assessments.services.periods import period_open
from notifications.models import NotificationPreference, SentEmail
from notifications.services import reminders
from teams.models import Membership
from tests.dated_quarter import CLOSES, DUE, OPENS, day, submit
from tests.factories import ProjectFactory


def kinds_on(today: datetime.date) -> list[str]:
    return reminders.period_email_kinds_on(
        opens_on=OPENS, due_on=DUE, closes_on=CLOSES, today=today, grace_days=7
    )


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (OPENS - datetime.timedelta(days=1), []),
        (OPENS, ["period_open"]),
        (day(-8), ["period_open"]),
        (day(-7), ["period_open", "reminder_due_7"]),
        (day(-2), ["period_open", "reminder_due_7"]),
        (day(-1), ["period_open", "reminder_due_1"]),
        (DUE, ["period_open", "reminder_due_1"]),
        (day(1), ["reminder_overdue"]),
        (day(6), ["reminder_overdue"]),
        (day(7), ["reminder_overdue", "escalation"]),
        (CLOSES, ["reminder_overdue", "escalation"]),
        (CLOSES + datetime.timedelta(days=1), []),
    ],
)
def test_it_starts_each_kind_of_email_on_its_day(today, expected):
    assert kinds_on(today) == expected


def test_it_lists_only_unsubmitted_assessments_for_each_lead(opened, project, alice, dave):
    second = ProjectFactory(team=project.team, name="Chargeback prediction")
    done = ProjectFactory(team=project.team, name="Merchant risk")
    period_open(period=opened)
    submit(Assessment.objects.get(period=opened, project=done))
    notices = reminders.notices_due(today=day(-7))
    reminders_due = {n.user.username: n for n in notices if n.kind == "reminder_due_7"}
    assert set(reminders_due) == {"alice", "dave"}  # bob is a member, not a lead
    assert [a.project for a in reminders_due["alice"].assessments] == [project, second]


def test_it_sends_one_email_per_lead_across_the_teams_they_lead(opened, alice, other_project):
    Membership.objects.create(user=alice, team=other_project.team, role=Membership.Role.LEAD)
    notices = [n for n in reminders.notices_due(today=day(-1)) if n.user == alice]
    assert [n.kind for n in notices] == ["period_open", "reminder_due_1"]
    assert len(notices[1].assessments) == 2


def test_it_leaves_out_leads_whose_projects_are_all_submitted(opened, project, alice):
    submit(Assessment.objects.get(period=opened, project=project))
    assert not [n for n in reminders.notices_due(today=day(1)) if n.user == alice]


def test_it_leaves_out_reminders_for_users_who_switched_them_off(opened, alice):
    NotificationPreference.objects.create(user=alice, reminders_enabled=False)
    kinds = {n.kind for n in reminders.notices_due(today=day(-7)) if n.user == alice}
    assert kinds == {"period_open"}


def test_it_escalates_to_management_and_admins_after_the_grace_period(opened, carol, erin):
    assert not [n for n in reminders.notices_due(today=day(6)) if n.kind == "escalation"]
    escalations = [n for n in reminders.notices_due(today=day(7)) if n.kind == "escalation"]
    assert {n.user.username for n in escalations} == {"carol", "erin"}
    assert len(escalations[0].assessments) == 2  # every overdue project, all teams


def test_it_escalates_even_to_users_who_switched_reminders_off(opened, carol):
    NotificationPreference.objects.create(user=carol, reminders_enabled=False)
    assert [n.kind for n in reminders.notices_due(today=day(7)) if n.user == carol] == [
        "escalation"
    ]


def test_it_leaves_out_emails_already_sent_or_being_sent(opened, alice, dave):
    for user, status in ((alice, SentEmail.Status.SENT), (dave, SentEmail.Status.CLAIMED)):
        SentEmail.objects.create(
            key=f"reminder_due_7:2026-Q4:user-{user.pk}",
            kind="reminder_due_7",
            recipient=user.email,
            status=status,
        )
    assert not [n for n in reminders.notices_due(today=day(-7)) if n.kind == "reminder_due_7"]


def test_it_tries_a_failed_email_again_until_its_attempts_run_out(opened, alice, settings):
    row = SentEmail.objects.create(
        key=f"reminder_due_7:2026-Q4:user-{alice.pk}",
        kind="reminder_due_7",
        recipient=alice.email,
        status=SentEmail.Status.FAILED,
        attempts=1,
    )
    due = [n.key for n in reminders.notices_due(today=day(-7))]
    assert row.key in due
    SentEmail.objects.filter(pk=row.pk).update(attempts=settings.EMAIL_MAX_ATTEMPTS)
    assert row.key not in [n.key for n in reminders.notices_due(today=day(-7))]


def test_it_ignores_periods_not_opened_or_already_closed(quarter, project, alice):
    assert reminders.notices_due(today=day(-7)) == []
