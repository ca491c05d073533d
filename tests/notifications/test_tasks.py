from unittest import mock

import pytest
from celery.exceptions import Retry

from assessments.models import Period
from notifications import tasks
from notifications.services import delivery

SERVICE = "notifications.services.reminders.period_email_send"


@pytest.fixture
def quarter(period) -> Period:
    return period


def test_it_sends_a_period_email_by_ids(quarter, alice):
    with mock.patch(SERVICE) as service:
        tasks.period_email_send(quarter.pk, alice.pk, "reminder_due_1")
    service.assert_called_once_with(period=quarter, user=alice, kind="reminder_due_1")


def test_it_retries_a_deferred_email_with_back_off_from_settings(quarter, alice, settings):
    settings.EMAIL_MAX_RETRIES = 3
    settings.EMAIL_RETRY_BACKOFF = 4
    deferred = delivery.EmailDeferred("421 busy")
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
