"""Emails and reports through a real Celery worker, Redis and an SMTP server on loopback."""

import datetime
import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from assessments.models import Assessment, Period
from assessments.services.periods import period_open
from notifications.models import SentEmail
from notifications.tasks import period_email_send
from reports import services as reports
from reports.models import Report
from scheduler import tasks
from tests.assessments.conftest import FRAMEWORK_PATH
from tests.integration.conftest import wait_for, wait_idle

pytestmark = pytest.mark.services

OPENS = datetime.datetime(2026, 10, 1, 9, 0, tzinfo=datetime.UTC)
DUE = OPENS + datetime.timedelta(days=20)
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def quarter(services) -> Period:
    from assessments.services.frameworks import framework_load

    framework = framework_load(path=FRAMEWORK_PATH).framework
    return Period.objects.create(
        key="2026-Q4",
        framework=framework,
        opens_on=OPENS.date(),
        due_on=DUE.date(),
        closes_on=(OPENS + datetime.timedelta(days=34)).date(),
    )


@pytest.fixture
def people(project, other_project, alice, bob, dave, carol, erin):
    return {"alice": alice, "bob": bob, "dave": dave, "carol": carol, "erin": erin}


def test_it_sends_the_open_emails_when_a_period_opens(worker, smtp, quarter, people):
    with time_machine.travel(OPENS, tick=True):
        tasks.tick.delay()
        wait_for(lambda: len(smtp.messages) == 2, what="two 'assessment open' emails")
        wait_idle()
    quarter.refresh_from_db()
    assert quarter.opened_at is not None
    assert Assessment.objects.filter(period=quarter).count() == 2
    assert sorted(message["To"] for message in smtp.messages) == [
        "alice@example.com",
        "dave@example.com",
    ]
    [alice_email] = smtp.to("alice@example.com")
    subject = alice_email["Subject"].strip()  # Python folds long headers after the colon
    assert subject == "2026-Q4 maturity assessment is open: 1 project to assess by 21 October"
    text = smtp.text(alice_email)
    assessment = Assessment.objects.get(project__team__memberships__user=people["alice"])
    assert f"https://portal.example.com{assessment.get_absolute_url()}" in text


def test_it_sends_each_reminder_on_its_day_and_only_to_leads_who_have_not_submitted(
    worker, smtp, quarter, people, project
):
    with time_machine.travel(OPENS, tick=True):
        period_open(period=quarter)
    Assessment.objects.filter(period=quarter, project=project).update(status="submitted")
    # Days from the due date, and how many emails have arrived in all once that day's
    # tick is done (the first day also sends the "assessment open" email).
    days = {"reminder_due_7": (-7, 2), "reminder_due_1": (-1, 3), "reminder_overdue": (1, 4)}
    days["escalation"] = (7, 6)
    for kind, (offset, total) in days.items():
        with time_machine.travel(DUE + datetime.timedelta(days=offset), tick=True):
            tasks.tick.delay()
            wait_for(lambda total=total: len(smtp.messages) >= total, what=kind)
            wait_idle()
    kinds = Counter((m["To"], m["X-Portal-Email-Key"].split(":")[0]) for m in smtp.messages)
    assert kinds == {
        ("dave@example.com", "period_open"): 1,
        ("dave@example.com", "reminder_due_7"): 1,
        ("dave@example.com", "reminder_due_1"): 1,
        ("dave@example.com", "reminder_overdue"): 1,
        ("carol@example.com", "escalation"): 1,
        ("erin@example.com", "escalation"): 1,
    }
    # alice submitted: no reminder; bob is a member, not a lead.
    [escalation] = smtp.to("carol@example.com")
    body = smtp.text(escalation)
    assert "Product ranker" in body and "Card transaction scoring" not in body


def test_it_delivers_every_email_exactly_once_when_the_same_task_runs_twice_at_once(
    worker, smtp, quarter, people
):
    smtp.delay = 0.5  # a slow SMTP server keeps both copies of each task in flight together
    with time_machine.travel(DUE - datetime.timedelta(days=7), tick=True):
        period_open(period=quarter)
        dave = people["dave"]
        for _ in range(2):
            period_email_send.delay(quarter.pk, dave.pk, "reminder_due_7")
        for _ in range(2):
            tasks.tick.delay()
        wait_for(lambda: len(smtp.messages) >= 4, what="the four emails due")
        wait_idle()
    keys = Counter(smtp.keys())
    assert set(keys.values()) == {1}, keys
    assert sorted(key.split(":")[0] for key in keys) == [
        "period_open",
        "period_open",
        "reminder_due_7",
        "reminder_due_7",
    ]
    assert set(SentEmail.objects.values_list("status", flat=True)) == {"sent"}


def test_it_delivers_once_after_the_smtp_server_fails_twice(worker, smtp, quarter, people):
    smtp.refuse_next = 2
    with time_machine.travel(DUE - datetime.timedelta(days=7), tick=True):
        period_open(period=quarter)
        period_email_send.delay(quarter.pk, people["dave"].pk, "reminder_due_7")
        wait_for(lambda: smtp.messages, timeout=30, what="delivery after two refusals")
        wait_idle()
    assert smtp.refused == 2
    assert len(smtp.messages) == 1
    row = SentEmail.objects.get()
    assert (row.status, row.attempts, row.error) == ("sent", 3, "")


# --- A worker killed in the middle of a report ------------------------------------------------


def _worker_process(log: Path, media: Path) -> subprocess.Popen:
    database = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": (
            f"postgres://{database['USER']}:{database['PASSWORD'] or ''}"
            f"@{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}/{database['NAME']}"
        ),
        "MEDIA_ROOT": str(media),
        "REPORT_TASK_TIME_LIMIT": "120",
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "mlops_portal",
            "worker",
            "--pool=prefork",
            "--concurrency=1",
            "--loglevel=INFO",
            "--without-mingle",
            "--without-gossip",
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("a"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _stop(process: subprocess.Popen, sig: int) -> None:
    if process.poll() is None:
        os.killpg(process.pid, sig)
        process.wait(timeout=30)


def test_it_finishes_a_report_whose_worker_was_killed_after_a_restart(
    services, quarter, people, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    settings.REPORT_TASK_TIME_LIMIT = 120
    log = tmp_path / "worker.log"
    first = _worker_process(log, tmp_path)
    try:
        report = reports.report_request(period=quarter, team=None, user=people["carol"])
        wait_for(
            lambda: Report.objects.filter(pk=report.pk, status="running").exists(),
            timeout=60,
            what=f"the worker to start the report ({log})",
        )
        _stop(first, signal.SIGKILL)
    finally:
        _stop(first, signal.SIGKILL)
    report.refresh_from_db()
    assert report.status == "running"  # nobody is left to finish it

    second = _worker_process(log, tmp_path)
    try:
        # The next tick after the hard time limit has passed rescues it.
        later = timezone.now() + reports.report_stale_after() + datetime.timedelta(seconds=5)
        with time_machine.travel(later, tick=True):
            rescued = reports.reports_rescue()
        assert [r.pk for r in rescued] == [report.pk]
        wait_for(
            lambda: Report.objects.filter(pk=report.pk, status__in=["done", "failed"]).exists(),
            timeout=120,
            what=f"the restarted worker to finish the report ({log})",
        )
    finally:
        _stop(second, signal.SIGTERM)
    report.refresh_from_db()
    assert report.status == "done", report.error
    assert report.pdf_file and (tmp_path / report.pdf_file.name).exists()
