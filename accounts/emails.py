"""The invitation e-mail: its content, and sending it once per link.

Each link gets its own e-mail, claimed under the key "invitation:<id>:<send number>" in the
notifications' SentEmail table before it is sent, as every e-mail of the portal is, so a
repeated call sends nothing. It is written here rather than through
`notifications.services.delivery.email_send_once` because that one needs the recipient's
User (and a period), and the person invited has no account yet.

An invitation e-mail is never retried: its token exists only in memory, for this one send.
A failure is recorded on the row (and shown on the invitation list); "Resend" makes a new
link and a new e-mail.
"""

import logging
import smtplib

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import Invitation
from accounts.tokens import token_hash
from notifications.models import SentEmail

logger = logging.getLogger(__name__)

KIND = "invitation"


def invitation_email_key(*, invitation: Invitation) -> str:
    return f"{KIND}:{invitation.pk}:{invitation.sent_count}"


def invitation_accept_url(*, token: str) -> str:
    return f"{settings.SITE_URL}{reverse('accounts:invitation_accept', args=[token])}"


def invitation_email_send(*, invitation_id: int, token: str) -> SentEmail | None:
    """Send the e-mail of the invitation's current link, once; None if there is nothing to
    send (already claimed, or the link was replaced, used or revoked before this ran)."""
    invitation = Invitation.objects.select_related("invited_by", "team").get(pk=invitation_id)
    if not invitation.is_open or invitation.token_hash != token_hash(token):
        return None
    row = _claim(invitation)
    if row is None:
        return None
    try:
        _message(invitation, token).send()
    except (smtplib.SMTPException, OSError) as error:  # refusals, lost connections, DNS
        logger.warning("Invitation e-mail %s not sent: %s", row.key, error)
        SentEmail.objects.filter(pk=row.pk).update(
            status=SentEmail.Status.FAILED,
            attempts=settings.EMAIL_MAX_ATTEMPTS,  # never retried: the token is gone
            error=f"{type(error).__name__}: {error}"[:2000],
        )
    else:
        SentEmail.objects.filter(pk=row.pk).update(
            status=SentEmail.Status.SENT, sent_at=timezone.now(), attempts=1
        )
    row.refresh_from_db()
    return row


def invitation_email_content(*, invitation: Invitation, token: str) -> dict[str, str]:
    """Subject, text and HTML of the e-mail carrying `token`."""
    inviter = invitation.invited_by
    context = {
        "invitation": invitation,
        "first_name": invitation.name.split(" ")[0],
        "inviter": (inviter.get_full_name() or inviter.get_username()) if inviter else "",
        "role": invitation.role_phrase,
        "inviter_email": inviter.email if inviter else "",
        "accept_url": invitation_accept_url(token=token),
        "site_url": settings.SITE_URL,
    }
    subject = render_to_string("accounts/emails/invitation-subject.txt", context)
    return {
        "subject": " ".join(subject.split()),
        "text": render_to_string("accounts/emails/invitation-body.txt", context),
        "html": render_to_string("accounts/emails/invitation-body.html", context),
    }


def _claim(invitation: Invitation) -> SentEmail | None:
    try:
        with transaction.atomic():
            return SentEmail.objects.create(
                key=invitation_email_key(invitation=invitation),
                kind=KIND,
                recipient=invitation.email,
                status=SentEmail.Status.CLAIMED,
            )
    except IntegrityError:
        return None


def _message(invitation: Invitation, token: str) -> EmailMultiAlternatives:
    content = invitation_email_content(invitation=invitation, token=token)
    inviter_email = invitation.invited_by.email if invitation.invited_by else ""
    message = EmailMultiAlternatives(
        subject=content["subject"],
        body=content["text"],
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[invitation.email],
        reply_to=[inviter_email] if inviter_email else [],
        headers={
            "Auto-Submitted": "auto-generated",
            "X-Portal-Email-Key": invitation_email_key(invitation=invitation),
        },
    )
    message.attach_alternative(content["html"], "text/html")
    return message
