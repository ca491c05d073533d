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


@shared_task(bind=True, acks_late=True, soft_time_limit=45, time_limit=60)
def action_reminder_send(self: Task, action_id: int, kind: str) -> None:
    from notifications.services import plans

    try:
        plans.action_reminder_send(action_id=action_id, kind=kind)
    except delivery.EmailDeferred as error:
        raise retry_later(self, error) from error


@shared_task(bind=True, acks_late=True, soft_time_limit=45, time_limit=60)
def action_digest_send(self: Task, user_id: int, week_key: str) -> None:
    from notifications.services import plans

    try:
        plans.action_digest_send(user_id=user_id, week_key=week_key)
    except delivery.EmailDeferred as error:
        raise retry_later(self, error) from error


@shared_task(bind=True, acks_late=True, soft_time_limit=45, time_limit=60)
def initiative_reminder_send(self: Task, initiative_id: int, user_id: int, day: str) -> None:
    from notifications.services import initiatives

    try:
        initiatives.initiative_reminder_send(initiative_id=initiative_id, user_id=user_id, day=day)
    except delivery.EmailDeferred as error:
        raise retry_later(self, error) from error


@shared_task(bind=True, acks_late=True, soft_time_limit=45, time_limit=60)
def review_decision_send(self: Task, review_id: int) -> None:
    """Tell the lead who submitted that a reviewer accepted or returned the assessment."""
    from notifications.services import reviews

    try:
        reviews.review_decision_send(review_id=review_id)
    except delivery.EmailDeferred as error:
        raise retry_later(self, error) from error


@shared_task(bind=True, acks_late=True, soft_time_limit=45, time_limit=60)
def review_digest_send(self: Task, user_id: int, day: str) -> None:
    """A reviewer's daily digest of the submissions waiting in their queue."""
    from notifications.services import reviews

    try:
        reviews.review_digest_send(user_id=user_id, day=day)
    except delivery.EmailDeferred as error:
        raise retry_later(self, error) from error


@shared_task(bind=True, acks_late=True, soft_time_limit=45, time_limit=60)
def exemption_digest_send(self: Task, user_id: int, week_key: str) -> None:
    """A reviewer's weekly list of the exemption requests waiting for their decision."""
    from notifications.services import reviews

    try:
        reviews.exemption_digest_send(user_id=user_id, week_key=week_key)
    except delivery.EmailDeferred as error:
        raise retry_later(self, error) from error
