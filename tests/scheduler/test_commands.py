import datetime
from io import StringIO
from unittest import mock

import pytest
import time_machine
from django.core.management import CommandError, call_command

from assessments.models import Period
from notifications.models import SentEmail
from reports.models import Report


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.REPORT_CHART_BROWSER_PATH = ""  # fast: these tests are about the commands


@pytest.fixture
def reminded(assessment, other_assessment, alice, dave) -> Period:
    """The period of the two drafts, seven days before it is due."""
    return assessment.period


def due_minus_7(period: Period) -> str:
    return (period.due_on - datetime.timedelta(days=7)).isoformat()


def test_it_prints_who_would_get_what_on_a_dry_run(reminded):
    with mock.patch("notifications.tasks.period_email_send.delay_on_commit") as send:
        output = run("send_reminders", "--dry-run", "--date", due_minus_7(reminded))
    assert "reminder_due_7    2026-Q4  alice@example.com" in output
    assert "1 project(s): Card transaction scoring" in output
    assert "dave@example.com" in output
    assert "Dry run for" in output and "4 email(s) would be sent." in output  # open + due in 7
    send.assert_not_called()
    assert not SentEmail.objects.exists()


def test_it_queues_the_emails_due_today_without_dry_run(reminded, alice, dave):
    with (
        mock.patch("notifications.tasks.period_email_send.delay_on_commit") as send,
        time_machine.travel(reminded.due_on - datetime.timedelta(days=7)),
    ):
        output = run("send_reminders")
    assert "queued 4 email(s)" in output
    assert (reminded.pk, alice.pk, "reminder_due_7") in [c.args for c in send.call_args_list]


def test_it_pretends_another_day_only_on_a_dry_run(reminded):
    with pytest.raises(CommandError, match="--date only goes with --dry-run"):
        run("send_reminders", "--date", due_minus_7(reminded))


def test_it_generates_a_report_now_and_says_where_it_is(reminded, tmp_path):
    output = run("generate_report", "--period", "2026-Q4")
    report = Report.objects.get()
    assert (report.scope, report.status, report.automatic) == ("organisation", "done", False)
    assert f"PDF:  {tmp_path}/reports/2026-Q4-organisation-{report.pk}.pdf" in output
    assert (tmp_path / report.pdf_file.name).read_bytes().startswith(b"%PDF")


def test_it_generates_a_team_report(reminded, team):
    run("generate_report", "--period", "2026-Q4", "--team", "fraud-detection")
    assert Report.objects.get().team == team


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--period", "2030-Q1"], "No period 2030-Q1."),
        (["--period", "2026-Q4", "--team", "nope"], "No team with the slug nope."),
    ],
)
def test_it_refuses_an_unknown_period_or_team(reminded, args, message):
    with pytest.raises(CommandError, match=message):
        run("generate_report", *args)


def test_it_closes_a_period_and_queues_its_reports_once(reminded):
    with (
        mock.patch("reports.tasks.report_generate.delay_on_commit") as generate,
        time_machine.travel(reminded.due_on),
    ):
        output = run("close_period", "2026-Q4")
        again = run("close_period", "2026-Q4")
    assert (
        f"Closed 2026-Q4 (closing day {reminded.due_on - datetime.timedelta(days=1)}); 3 " in output
    )
    assert "Organisation report 2026-Q4: queued" in output
    assert generate.call_count == 3
    assert again == "Period 2026-Q4 was already closed; nothing to do.\n"


def test_it_refuses_to_close_an_unknown_period(db):
    with pytest.raises(CommandError, match=r"No period 2026-Q4\."):
        run("close_period", "2026-Q4")
