"""Celery tasks for reports: they take ids, call one service and own retries and limits.

Generation starts with a claim and each e-mail is claimed under a unique key, so both are
safe to run twice, and late acknowledgement is safe.
"""

from celery import Task, shared_task
from django.conf import settings
from django.contrib.auth.models import User

from notifications.services.delivery import EmailDeferred
from notifications.tasks import retry_later
from reports import emails, services
from reports.models import Report


@shared_task(
    acks_late=True,
    soft_time_limit=settings.REPORT_TASK_SOFT_TIME_LIMIT,
    time_limit=settings.REPORT_TASK_TIME_LIMIT,
)
def report_generate(report_id: int) -> None:
    services.report_generate(report_id=report_id)


@shared_task(bind=True, acks_late=True, soft_time_limit=45, time_limit=60)
def report_email_send(self: Task, report_id: int, user_id: int) -> None:
    report = Report.objects.select_related("period", "team").get(pk=report_id)
    user = User.objects.get(pk=user_id)
    try:
        emails.report_email_send(report=report, user=user)
    except EmailDeferred as error:
        raise retry_later(self, error) from error
