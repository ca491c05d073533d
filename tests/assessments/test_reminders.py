import datetime
from unittest import mock

import pytest
import time_machine

from assessments.models import Assessment, NotificationPreference, Period, Report, SentEmail
from assessments.services import reminders
from assessments.services.periods import period_open
from teams.models import Membership
from tests.factories import ProjectFactory, TeamFactory

OPENS = datetime.date(2026, 10, 1)
DUE = datetime.date(2026, 10, 21)
CLOSES = datetime.date(2026, 11, 4)


def day(offset_from_due: int) -> datetime.date:
    return DUE + datetime.timedelta(days=offset_from_due)


@pytest.fixture
def quarter(framework) -> Period:
    return Period.objects.create(
        key="2026-Q4", framework=framework, opens_on=OPENS, due_on=DUE, closes_on=CLOSES
    )


@pytest.fixture
def opened(quarter, project, other_project, alice, dave, bob) -> Period:
    with time_machine.travel(OPENS):
        period_open(period=quarter)
    return quarter


def submit(assessment: Assessment) -> None:
    Assessment.objects.filter(pk=assessment.pk).update(status=Assessment.Status.SUBMITTED)


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


def test_it_creates_the_next_quarters_period_ahead_of_time(framework, settings):
    settings.PERIOD_CREATE_AHEAD_DAYS = 14
    assert reminders.period_upcoming_ensure(today=datetime.date(2026, 12, 17)) is None
    created = reminders.period_upcoming_ensure(today=datetime.date(2026, 12, 18))
    assert (created.key, created.opens_on, created.due_on, created.closes_on) == (
        "2027-Q1",
        datetime.date(2027, 1, 1),
        datetime.date(2027, 1, 21),
        datetime.date(2027, 2, 4),
    )
    assert reminders.period_upcoming_ensure(today=datetime.date(2026, 12, 19)) is None


def test_it_opens_a_period_on_its_day_and_queues_the_open_emails(
    quarter, project, alice, django_capture_on_commit_callbacks
):
    with (
        mock.patch("assessments.tasks.period_email_send.delay") as send,
        django_capture_on_commit_callbacks(execute=True),
        time_machine.travel(OPENS),
    ):
        result = reminders.schedule_tick()
    assert result.opened == [quarter]
    assert Assessment.objects.filter(period=quarter, project=project).exists()
    send.assert_called_once_with(quarter.pk, alice.pk, "period_open")


def test_it_queues_nothing_new_when_ticked_again_after_sending(
    opened, alice, django_capture_on_commit_callbacks
):
    SentEmail.objects.create(
        key=f"period_open:2026-Q4:user-{alice.pk}", kind="period_open", status="sent"
    )
    with (
        mock.patch("assessments.tasks.period_email_send.delay") as send,
        django_capture_on_commit_callbacks(execute=True),
        time_machine.travel(day(-10)),
    ):
        result = reminders.schedule_tick()
    assert result.opened == []
    assert [call.args[2] for call in send.call_args_list] == ["period_open"]  # dave's only


def test_it_closes_a_period_after_its_closing_day_and_queues_its_reports(
    opened, project, other_project, django_capture_on_commit_callbacks
):
    after = CLOSES + datetime.timedelta(days=1)
    with (
        mock.patch("assessments.tasks.report_generate.delay") as generate,
        django_capture_on_commit_callbacks(execute=True),
        time_machine.travel(after),
    ):
        first = reminders.schedule_tick()
        second = reminders.schedule_tick()
    assert first.closed == [opened] and second.closed == []
    reports = Report.objects.filter(period=opened, automatic=True)
    assert sorted(str(r) for r in reports) == [
        "Fraud Detection report 2026-Q4",
        "Organisation report 2026-Q4",
        "Search Ranking report 2026-Q4",
    ]
    assert sorted(call.args[0] for call in generate.call_args_list) == sorted(r.pk for r in reports)


def test_it_keeps_a_reopened_period_open(opened):
    Period.objects.filter(pk=opened.pk).update(reopened_until=CLOSES + datetime.timedelta(days=9))
    assert reminders.periods_to_close(today=CLOSES + datetime.timedelta(days=5)) == []


def test_it_closes_early_on_an_operators_request_and_makes_answers_read_only(opened):
    today = datetime.date(2026, 10, 15)
    with (
        time_machine.travel(today),
        mock.patch("assessments.tasks.report_generate.delay_on_commit"),
    ):
        result = reminders.period_close(period=opened, today=today)
        assert result.newly_closed
        assert (result.period.due_on, result.period.closes_on) == (
            datetime.date(2026, 10, 14),
            datetime.date(2026, 10, 14),
        )
        assert result.period.state == Period.State.CLOSED
        assert not reminders.period_close(period=opened, today=today).newly_closed
    assert Report.objects.filter(period=opened).count() == 3


def test_it_refuses_to_close_a_period_on_its_opening_day(opened):
    with pytest.raises(reminders.PeriodCloseError):
        reminders.period_close(period=opened, today=OPENS)


def test_it_writes_one_report_per_assessed_team_only(opened, project):
    TeamFactory(name="Empty Team")
    with mock.patch("assessments.tasks.report_generate.delay_on_commit"):
        reminders.period_close(period=opened, today=CLOSES + datetime.timedelta(days=1))
    assert Report.objects.filter(scope="team").count() == 2
