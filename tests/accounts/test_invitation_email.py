"""The invitation e-mail: who invited whom to what, an absolute link from SITE_URL, the
expiry; sent once per link, claimed under its key, and a failure recorded, not raised."""

import datetime
import re
import smtplib
from unittest import mock

import time_machine
from django.core import mail

from accounts import emails, services
from notifications.models import SentEmail
from tests.accounts.conftest import link_in

NOW = datetime.datetime(2026, 5, 4, 9, 30, tzinfo=datetime.UTC)


def test_it_says_who_invited_whom_to_what_until_when(invite, team, erin, settings):
    settings.SITE_URL = "https://portal.example.com"
    erin.last_name = "Admin"
    erin.save()
    with time_machine.travel(NOW, tick=False):
        invitation, token = invite(name="Jane Doe", team=team, role="lead")
    (message,) = mail.outbox
    assert message.subject == "Erin Admin invited you to the MLOps Maturity Portal"
    assert message.to == ["jane.doe@example.com"]
    assert message.reply_to == ["erin@example.com"]
    assert message.extra_headers["X-Portal-Email-Key"] == f"invitation:{invitation.pk}:1"
    body = message.body
    assert body.startswith("Hi Jane,\n\nErin Admin has invited you to the MLOps Maturity ")
    assert "as a team lead of Fraud Detection." in body
    url, _ = link_in(message)
    assert url == f"https://portal.example.com/invitations/{token}/"
    assert "works once, until Monday 11 May 2026, 09:30 UTC." in body
    assert "ask Erin Admin (erin@example.com) to send a new one" in body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert f'href="{url}"' in html and "Accept the invitation" in html
    assert "<strong>Erin Admin</strong> has invited you" in html
    assert "Monday 11 May 2026, 09:30 UTC" in html


def test_it_never_builds_the_link_from_the_request(
    client, erin, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://portal.example.com"
    client.force_login(erin)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/manage/invitations/",
            {"email": "jane@example.com", "name": "Jane"},
            HTTP_HOST="attacker.example",
        )
    (message,) = mailoutbox
    assert "attacker.example" not in message.body
    assert link_in(message)[0].startswith("https://portal.example.com/invitations/")


def test_it_escapes_names_in_the_html_and_says_nothing_of_a_role_without_one(invite, erin):
    erin.first_name = "<b>Erin</b>"
    erin.save()
    invite(name="<i>Jane</i> Doe")
    html = mail.outbox[0].alternatives[0][0]
    assert "<i>Jane" not in html and "&lt;i&gt;Jane&lt;/i&gt;" in html
    assert "<b>Erin</b>" not in html
    assert " as a " not in mail.outbox[0].body


def test_it_sends_each_link_once(invite):
    invitation, token = invite()
    assert emails.invitation_email_send(invitation_id=invitation.pk, token=token) is None
    assert len(mail.outbox) == 1
    row = SentEmail.objects.get()
    assert (row.key, row.kind, row.recipient) == (
        f"invitation:{invitation.pk}:1",
        "invitation",
        "jane.doe@example.com",
    )
    assert row.status == SentEmail.Status.SENT
    assert token not in str(SentEmail.objects.values().get())


def test_it_sends_nothing_for_a_link_replaced_before_the_commit(invite, erin):
    invitation, old_token = invite()
    services.invitation_resend(invitation=invitation, actor=erin)  # its e-mail not sent yet
    assert emails.invitation_email_send(invitation_id=invitation.pk, token=old_token) is None
    assert len(mail.outbox) == 1


def test_a_refused_e_mail_is_recorded_and_shown_not_raised(
    erin, client_for, django_capture_on_commit_callbacks
):
    refused = smtplib.SMTPRecipientsRefused({"jane@example.com": (550, b"no such user")})
    with (
        mock.patch("django.core.mail.EmailMultiAlternatives.send", side_effect=refused),
        django_capture_on_commit_callbacks(execute=True),
    ):
        invited = services.invitation_create(email="jane@example.com", name="J", invited_by=erin)
    row = SentEmail.objects.get(key=f"invitation:{invited.invitation.pk}:1")
    assert row.status == SentEmail.Status.FAILED and "SMTPRecipientsRefused" in row.error
    page = client_for(erin).get("/manage/invitations/").text
    assert "Not delivered" in page and "Resend to try again." in page


def test_the_text_e_mail_reads_as_plain_text(invite, erin):
    erin.last_name = "O'Neil & Co"
    erin.save()
    invite(name="Zoë <Z> Brown")
    message = mail.outbox[0]
    assert message.subject == "Erin O'Neil & Co invited you to the MLOps Maturity Portal"
    assert message.body.startswith("Hi Zoë,\n\nErin O'Neil & Co has invited you")
    assert not re.search(r"&(amp|lt|gt|#x27|#39);", message.body)
