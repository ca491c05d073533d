"""Redis down: pages keep working, the work waits in the database and is queued again."""

from unittest import mock

import pytest

from mlops_portal.celery import app
from reports.models import Report
from scheduler import tick


def _forget_connections() -> None:
    # The app caches its connection and producer pools; the next use builds them from
    # the current broker_url. Closing them instead would break later tests' workers.
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def broker_down():
    """A real broker connection to a port nothing listens on."""
    saved = app.conf.broker_url, app.conf.task_always_eager
    app.conf.broker_url, app.conf.task_always_eager = "redis://127.0.0.1:9/0", False
    _forget_connections()
    yield
    app.conf.broker_url, app.conf.task_always_eager = saved
    _forget_connections()


def test_it_keeps_the_report_queued_and_tells_the_user(
    client_for, carol, period, broker_down, django_capture_on_commit_callbacks
):
    client = client_for(carol)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/reports/generate/", {"period": period.pk, "team": ""})
    assert response.status_code == 302
    report = Report.objects.get()
    assert report.status == Report.Status.QUEUED
    page = client.get(response["Location"]).text
    assert "If the job queue is down, the report waits and starts as soon as it is back" in page


def test_it_queues_waiting_reports_again_when_the_tick_runs(period, carol):
    report = Report.objects.create(scope="organisation", period=period, requested_by=carol)
    Report.objects.filter(pk=report.pk).update(created_at="2020-01-01T00:00Z")
    with mock.patch("reports.tasks.report_generate.delay_on_commit") as generate:
        tick.schedule_tick()
    generate.assert_called_once_with(report.pk)
