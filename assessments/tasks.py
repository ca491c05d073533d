"""Celery tasks: interfaces that take ids, call one service and own retries and time limits.

Every task here is safe to run twice (claims and unique keys in the services), which is
what makes late acknowledgement safe: a message redelivered after a lost worker is a no-op.
"""

from celery import Task, shared_task
from celery.utils.time import get_exponential_backoff_interval
from django.conf import settings
from django.contrib.auth.models import User

from assessments.models import Period, Report


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90)
def tick() -> None:
    from assessments.services import reminders

    reminders.schedule_tick()


@shared_task(bind=True, acks_late=True, soft_time_limit=45, time_limit=60)
def period_email_send(self, period_id: int, user_id: int, kind: str) -> None:
    from assessments.services import notifications

    period = Period.objects.get(pk=period_id)
    user = User.objects.get(pk=user_id)
    try:
        notifications.period_email_send(period=period, user=user, kind=kind)
    except notifications.EmailDeferred as error:
        raise _retry(self, error) from error


@shared_task(bind=True, acks_late=True, soft_time_limit=45, time_limit=60)
def report_email_send(self, report_id: int, user_id: int) -> None:
    from assessments.services import notifications

    report = Report.objects.select_related("period", "team").get(pk=report_id)
    user = User.objects.get(pk=user_id)
    try:
        notifications.report_email_send(report=report, user=user)
    except notifications.EmailDeferred as error:
        raise _retry(self, error) from error


@shared_task(
    acks_late=True,
    soft_time_limit=settings.REPORT_TASK_SOFT_TIME_LIMIT,
    time_limit=settings.REPORT_TASK_TIME_LIMIT,
)
def report_generate(report_id: int) -> None:
    from assessments.services import reports

    reports.report_generate(report_id=report_id)


def _retry(task: Task, error: Exception) -> Exception:
    """Exponential back-off with full jitter, read from settings when the retry happens."""
    countdown = get_exponential_backoff_interval(
        factor=settings.EMAIL_RETRY_BACKOFF,
        retries=task.request.retries,
        maximum=settings.EMAIL_RETRY_BACKOFF_MAX,
        full_jitter=True,
    )
    return task.retry(exc=error, countdown=countdown, max_retries=settings.EMAIL_MAX_RETRIES)
