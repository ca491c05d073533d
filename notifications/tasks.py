"""Celery tasks for e-mails: they take ids, call one service and own retries and limits.

Every task here is safe to run twice (each e-mail is claimed under a unique key), which is
what makes late acknowledgement safe: a message redelivered after a lost worker is a no-op.
"""

from celery import Task, shared_task
from celery.utils.time import get_exponential_backoff_interval
from django.conf import settings
from django.contrib.auth.models import User

from assessments.models import Period
from notifications.services import delivery, reminders


@shared_task(bind=True, acks_late=True, soft_time_limit=45, time_limit=60)
def period_email_send(self: Task, period_id: int, user_id: int, kind: str) -> None:
    period = Period.objects.get(pk=period_id)
    user = User.objects.get(pk=user_id)
    try:
        reminders.period_email_send(period=period, user=user, kind=kind)
    except delivery.EmailDeferred as error:
        raise retry_later(self, error) from error


def retry_later(task: Task, error: Exception) -> Exception:
    """Exponential back-off with full jitter, read from settings when the retry happens."""
    countdown = get_exponential_backoff_interval(
        factor=settings.EMAIL_RETRY_BACKOFF,
        retries=task.request.retries,
        maximum=settings.EMAIL_RETRY_BACKOFF_MAX,
        full_jitter=True,
    )
    return task.retry(exc=error, countdown=countdown, max_retries=settings.EMAIL_MAX_RETRIES)
