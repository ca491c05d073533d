from unittest import mock

from celery.schedules import crontab
from django.conf import settings as django_settings

from mlops_portal.celery import app
from notifications.tasks import period_email_send
from reports.tasks import report_email_send, report_generate
from scheduler import tasks


def test_it_ticks_by_calling_the_schedule_service():
    with mock.patch("scheduler.tick.schedule_tick") as tick:
        tasks.tick()
    tick.assert_called_once_with()


def test_it_gives_every_task_time_limits_and_late_acks_only_because_they_are_idempotent():
    for task in (tasks.tick, period_email_send, report_email_send):
        assert task.acks_late
        assert task.soft_time_limit < task.time_limit <= 90
    assert report_generate.acks_late
    assert report_generate.time_limit == django_settings.REPORT_TASK_TIME_LIMIT
    assert not django_settings.CELERY_TASK_ACKS_LATE


def test_it_ticks_hourly_from_the_settings_schedule():
    entry = app.conf.beat_schedule["tick"]
    assert entry["task"] == "scheduler.tasks.tick"
    assert entry["schedule"] == crontab(minute=5)
    assert "scheduler.tasks.tick" in app.tasks


def test_it_keeps_redis_from_redelivering_a_running_task():
    timeout = app.conf.broker_transport_options["visibility_timeout"]
    ours = ("scheduler.", "notifications.", "reports.")
    longest_task = max(
        task.time_limit or 0 for name, task in app.tasks.items() if name.startswith(ours)
    )
    assert longest_task >= django_settings.REPORT_TASK_TIME_LIMIT
    assert timeout > longest_task + django_settings.EMAIL_RETRY_BACKOFF_MAX
