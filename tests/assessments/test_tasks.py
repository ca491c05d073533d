from unittest import mock

import pytest
from celery.exceptions import Retry
from celery.schedules import crontab
from django.conf import settings as django_settings

from assessments import tasks
from assessments.models import Period
from assessments.services import notifications, reports
from mlops_portal.celery import app

SERVICE = "assessments.services.notifications.period_email_send"


@pytest.fixture
def quarter(period) -> Period:
    return period


def test_it_ticks_by_calling_the_schedule_service():
    with mock.patch("assessments.services.reminders.schedule_tick") as tick:
        tasks.tick()
    tick.assert_called_once_with()


def test_it_sends_a_period_email_by_ids(quarter, alice):
    with mock.patch(SERVICE) as service:
        tasks.period_email_send(quarter.pk, alice.pk, "reminder_due_1")
    service.assert_called_once_with(period=quarter, user=alice, kind="reminder_due_1")


def test_it_retries_a_deferred_email_with_back_off_from_settings(quarter, alice, settings):
    settings.EMAIL_MAX_RETRIES = 3
    settings.EMAIL_RETRY_BACKOFF = 4
    deferred = notifications.EmailDeferred("421 busy")
    with (
        mock.patch(SERVICE, side_effect=deferred),
        mock.patch.object(tasks.period_email_send, "retry", side_effect=Retry()) as retry,
        pytest.raises(Retry),
    ):
        tasks.period_email_send(quarter.pk, alice.pk, "reminder_due_1")
    retry.assert_called_once_with(exc=deferred, countdown=mock.ANY, max_retries=3)
    assert 0 <= retry.call_args.kwargs["countdown"] <= 4  # first retry: up to 4 s, jittered


def test_it_does_not_retry_an_email_the_service_settled(quarter, alice):
    # A permanent refusal is recorded by the service, which returns: nothing to retry.
    with (
        mock.patch(SERVICE, return_value=None) as service,
        mock.patch.object(tasks.period_email_send, "retry") as retry,
    ):
        tasks.period_email_send(quarter.pk, alice.pk, "reminder_due_1")
    service.assert_called_once()
    retry.assert_not_called()


def test_it_generates_a_report_by_id():
    with mock.patch("assessments.services.reports.report_generate") as generate:
        tasks.report_generate(42)
    generate.assert_called_once_with(report_id=42)


def test_it_queues_a_requested_report_only_after_commit(
    quarter, carol, django_capture_on_commit_callbacks
):
    with (
        mock.patch.object(tasks.report_generate, "delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        report = reports.report_request(period=quarter, team=None, user=carol)
        delay.assert_not_called()
    delay.assert_called_once_with(report.pk)


def test_it_gives_every_task_time_limits_and_late_acks_only_because_they_are_idempotent():
    for task in (tasks.tick, tasks.period_email_send, tasks.report_email_send):
        assert task.acks_late
        assert task.soft_time_limit < task.time_limit <= 90
    assert tasks.report_generate.acks_late
    assert tasks.report_generate.time_limit == django_settings.REPORT_TASK_TIME_LIMIT
    assert not django_settings.CELERY_TASK_ACKS_LATE


def test_it_ticks_hourly_from_the_settings_schedule():
    entry = app.conf.beat_schedule["tick"]
    assert entry["task"] == "assessments.tasks.tick"
    assert entry["schedule"] == crontab(minute=5)
    assert "assessments.tasks.tick" in app.tasks


def test_it_keeps_redis_from_redelivering_a_running_task():
    timeout = app.conf.broker_transport_options["visibility_timeout"]
    longest_task = max(
        task.time_limit or 0 for name, task in app.tasks.items() if name.startswith("assess")
    )
    assert timeout > longest_task + django_settings.EMAIL_RETRY_BACKOFF_MAX
