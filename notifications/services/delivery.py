"""Emails sent exactly once: each is claimed under a unique key before the SMTP call.

Keys are kind + period + recipient (reports add the report), so a retried, duplicated or
re-run task, or two beat ticks at once, find the key taken and send nothing. SMTP is not
transactional, so one gap remains: a worker that dies after the server accepted a message
but before the row was marked sent leaves the row "claimed", and that email is not sent
again automatically (it may have arrived). Admins see such rows as "Sending".
"""

import logging
import smtplib
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone

from assessments.models import Period
from notifications.models import SentEmail

logger = logging.getLogger(__name__)


class EmailDeferred(Exception):
    """A transient failure (connection lost, 4xx): the claim was released; retry later."""


@dataclass(frozen=True)
class Email:
    key: str
    kind: str
    user: User
    period: Period | None  # None for e-mails about plans and initiatives
    subject: str
    text: str
    html: str
    attachments: list[tuple[str, bytes, str]] = field(default_factory=list)


def absolute_url(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


# --- Composing and sending --------------------------------------------------------------------


def email_compose(
    *,
    key: str,
    kind: str,
    user: User,
    period: Period | None,
    context: dict,
    attachments: list[tuple[str, bytes, str]] | None = None,
) -> Email:
    """Render templates/emails/<kind>-subject.txt, -body.txt and -body.html."""
    context = {"site_url": settings.SITE_URL, **context}
    subject = render_to_string(f"emails/{kind}-subject.txt", context)
    return Email(
        key=key,
        kind=kind,
        user=user,
        period=period,
        subject=" ".join(subject.split()),
        text=render_to_string(f"emails/{kind}-body.txt", context),
        html=render_to_string(f"emails/{kind}-body.html", context),
        attachments=attachments or [],
    )


# Deliberately not one transaction: the claim must be committed before the SMTP call, so a
# concurrent sender sees it, and no transaction stays open during the SMTP conversation.
def email_send_once(*, email: Email) -> SentEmail | None:
    """Claim, send, mark sent; None if someone else holds the key.

    1. Claim the key: insert the row, or take back a failed row (failed -> claimed) while
       attempts remain. A sent or claimed row, or one given up, means nothing to do.
    2. Send through the default mailer.
    3. Mark the row sent. A transient failure releases the claim (failed, attempts + 1)
       and raises EmailDeferred for the task to retry; a permanent refusal (5xx) records
       the error, uses up the attempts and is not retried.
    """
    row = _claim(email)
    if row is None:
        return None
    try:
        _message(email).send()
    except Exception as error:
        permanent = _is_permanent(error)
        _release(row, error, permanent=permanent)
        if not permanent:
            raise EmailDeferred(f"{email.key}: {error}") from error
        logger.warning("Email %s refused for good: %s", email.key, error)
        row.refresh_from_db()
        return row
    SentEmail.objects.filter(pk=row.pk).update(
        status=SentEmail.Status.SENT, sent_at=timezone.now(), attempts=F("attempts") + 1, error=""
    )
    row.refresh_from_db()
    return row


def _claim(email: Email) -> SentEmail | None:
    try:
        with transaction.atomic():
            return SentEmail.objects.create(
                key=email.key,
                kind=email.kind,
                recipient=email.user.email,
                user=email.user,
                period=email.period,
                status=SentEmail.Status.CLAIMED,
            )
    except IntegrityError:
        pass
    reclaimed = SentEmail.objects.filter(
        key=email.key,
        status=SentEmail.Status.FAILED,
        attempts__lt=settings.EMAIL_MAX_ATTEMPTS,
    ).update(status=SentEmail.Status.CLAIMED, recipient=email.user.email)
    return SentEmail.objects.get(key=email.key) if reclaimed else None


def _release(row: SentEmail, error: Exception, *, permanent: bool) -> None:
    SentEmail.objects.filter(pk=row.pk).update(
        status=SentEmail.Status.FAILED,
        attempts=settings.EMAIL_MAX_ATTEMPTS if permanent else F("attempts") + 1,
        error=f"{type(error).__name__}: {error}"[:2000],
    )


def _is_permanent(error: Exception) -> bool:
    """5xx answers are final; lost connections, timeouts and 4xx answers are worth a retry."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code >= 500
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return False
    if isinstance(error, smtplib.SMTPException):
        return True
    # Connection refused, reset, timeouts and DNS failures.
    return not isinstance(error, OSError)


def _message(email: Email) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.user.email],
        headers={"Auto-Submitted": "auto-generated", "X-Portal-Email-Key": email.key},
    )
    message.attach_alternative(email.html, "text/html")
    for name, content, mimetype in email.attachments:
        message.attach(name, content, mimetype)
    return message
