import datetime
from unittest import mock

import pytest
import time_machine

from assessments.models import Assessment, Period
from assessments.services import periods
from notifications.models import SentEmail
from reports.models import Report
from scheduler import tick
from tests.dated_quarter import CLOSES, OPENS, day
from tests.factories import TeamFactory


def test_it_creates_the_next_quarters_period_ahead_of_time(framework, settings):
    settings.PERIOD_CREATE_AHEAD_DAYS = 14
    assert periods.period_upcoming_ensure(today=datetime.date(2026, 12, 17)) is None
    created = periods.period_upcoming_ensure(today=datetime.date(2026, 12, 18))
    assert (created.key, created.opens_on, created.due_on, created.closes_on) == (
        "2027-Q1",
        datetime.date(2027, 1, 1),
        datetime.date(2027, 1, 21),
        datetime.date(2027, 2, 4),
    )
    assert periods.period_upcoming_ensure(today=datetime.date(2026, 12, 19)) is None


def test_it_opens_a_period_on_its_day_and_queues_the_open_emails(
    quarter, project, alice, django_capture_on_commit_callbacks
):
    with (
        mock.patch("notifications.tasks.period_email_send.delay") as send,
        django_capture_on_commit_callbacks(execute=True),
        time_machine.travel(OPENS),
    ):
        result = tick.schedule_tick()
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
        mock.patch("notifications.tasks.period_email_send.delay") as send,
        django_capture_on_commit_callbacks(execute=True),
        time_machine.travel(day(-10)),
    ):
        result = tick.schedule_tick()
    assert result.opened == []
    assert [call.args[2] for call in send.call_args_list] == ["period_open"]  # dave's only


def test_it_closes_a_period_after_its_closing_day_and_queues_its_reports(
    opened, project, other_project, django_capture_on_commit_callbacks
):
    after = CLOSES + datetime.timedelta(days=1)
    with (
        mock.patch("reports.tasks.report_generate.delay") as generate,
        django_capture_on_commit_callbacks(execute=True),
        time_machine.travel(after),
    ):
        first = tick.schedule_tick()
        second = tick.schedule_tick()
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
    assert list(Period.objects.due_to_close(CLOSES + datetime.timedelta(days=5))) == []


def test_it_closes_early_on_an_operators_request_and_makes_answers_read_only(opened):
    today = datetime.date(2026, 10, 15)
    with (
        time_machine.travel(today),
        mock.patch("reports.tasks.report_generate.delay_on_commit"),
    ):
        result = tick.period_close_and_report(period=opened, today=today)
        assert result.newly_closed
        assert (result.period.due_on, result.period.closes_on) == (
            datetime.date(2026, 10, 14),
            datetime.date(2026, 10, 14),
        )
        assert result.period.state == Period.State.CLOSED
        assert not tick.period_close_and_report(period=opened, today=today).newly_closed
    assert Report.objects.filter(period=opened).count() == 3


def test_it_refuses_to_close_a_period_on_its_opening_day(opened):
    with pytest.raises(periods.PeriodError):
        tick.period_close_and_report(period=opened, today=OPENS)


def test_it_writes_one_report_per_assessed_team_only(opened, project):
    TeamFactory(name="Empty Team")
    with mock.patch("reports.tasks.report_generate.delay_on_commit"):
        tick.period_close_and_report(period=opened, today=CLOSES + datetime.timedelta(days=1))
    assert Report.objects.filter(scope="team").count() == 2
