import datetime
import smtplib
from unittest import mock

import pytest
import time_machine
from django.core import mail
from django.core.files.base import ContentFile

from assessments.models import Assessment, Period
from assessments.services.periods import period_open
from notifications.models import NotificationPreference, SentEmail
from notifications.services import delivery as notifications
from notifications.services import reminders
from reports import emails as report_emails
from reports.models import Report
from teams.models import Membership
from tests.factories import ProjectFactory

SEND = "django.core.mail.EmailMultiAlternatives.send"
TODAY = datetime.date(2026, 10, 14)


@pytest.fixture
def quarter(framework, project, other_project) -> Period:
    period = Period.objects.create(
        key="2026-Q4",
        framework=framework,
        opens_on=datetime.date(2026, 10, 1),
        due_on=datetime.date(2026, 10, 21),
        closes_on=datetime.date(2026, 11, 4),
    )
    period_open(period=period)
    return period


def send(period: Period, user, kind: str = "reminder_due_7"):
    return reminders.period_email_send(period=period, user=user, kind=kind, today=TODAY)


def test_it_sends_the_open_email_listing_the_leads_projects_with_links(
    quarter, project, alice, settings
):
    settings.SITE_URL = "https://portal.example.com"
    second = ProjectFactory(team=project.team, name="Chargeback prediction")
    period_open(period=quarter)
    send(quarter, alice, "period_open")
    [email] = mail.outbox
    assert email.to == ["alice@example.com"]
    assert email.subject == (
        "2026-Q4 maturity assessment is open: 2 projects to assess by 21 October"
    )
    for item in (project, second):
        link = (
            "https://portal.example.com" + Assessment.objects.get(project=item).get_absolute_url()
        )
        assert f"- {item.name}: {link}" in email.body
        assert f'href="{link}"' in email.alternatives[0].content
    assert email.alternatives[0].mimetype == "text/html"
    assert email.extra_headers["X-Portal-Email-Key"] == f"period_open:2026-Q4:user-{alice.pk}"


@pytest.mark.parametrize(
    ("kind", "subject"),
    [
        ("reminder_due_7", "Reminder: 1 2026-Q4 assessment due in 7 days"),
        ("reminder_due_1", "Due tomorrow: 1 2026-Q4 assessment not submitted yet"),
        ("reminder_overdue", "Overdue: 1 2026-Q4 assessment was due on 21 October"),
    ],
)
def test_it_words_each_reminder_for_its_day(quarter, alice, kind, subject):
    today = {"reminder_due_7": 14, "reminder_due_1": 20, "reminder_overdue": 22}[kind]
    reminders.period_email_send(
        period=quarter, user=alice, kind=kind, today=datetime.date(2026, 10, today)
    )
    [email] = mail.outbox
    assert email.subject == subject
    assert "Card transaction scoring" in email.body
    assert "/account/notifications/" in email.body  # how to switch reminders off


def test_it_escalates_listing_every_overdue_project_by_team(quarter, carol):
    reminders.period_email_send(
        period=quarter, user=carol, kind="escalation", today=datetime.date(2026, 10, 28)
    )
    [email] = mail.outbox
    assert email.subject == "Escalation: 2 2026-Q4 assessments 7 days overdue"
    body = email.body
    assert body.index("Fraud Detection") < body.index("Card transaction scoring")
    assert body.index("Search Ranking") < body.index("Product ranker")
    assert "cannot be switched off" in body


def test_it_sends_an_email_once_however_often_it_runs(quarter, alice):
    first = send(quarter, alice)
    second = send(quarter, alice)
    assert len(mail.outbox) == 1
    assert (first.status, first.attempts) == (SentEmail.Status.SENT, 1)
    assert second is None


def test_it_sends_nothing_while_another_worker_holds_the_claim(quarter, alice):
    SentEmail.objects.create(
        key=f"reminder_due_7:2026-Q4:user-{alice.pk}", kind="reminder_due_7", status="claimed"
    )
    assert send(quarter, alice) is None
    assert mail.outbox == []


def test_it_sends_nothing_when_every_project_was_submitted_meanwhile(quarter, project, alice):
    Assessment.objects.filter(project=project).update(status=Assessment.Status.SUBMITTED)
    assert send(quarter, alice) is None
    assert mail.outbox == []
    assert not SentEmail.objects.exists()


def test_it_releases_the_claim_on_a_transient_failure_and_sends_on_retry(quarter, alice):
    with (
        mock.patch(SEND, side_effect=smtplib.SMTPServerDisconnected("lost")),
        pytest.raises(notifications.EmailDeferred),
    ):
        send(quarter, alice)
    row = SentEmail.objects.get()
    assert (row.status, row.attempts) == (SentEmail.Status.FAILED, 1)
    assert "SMTPServerDisconnected: lost" in row.error
    sent = send(quarter, alice)
    assert (sent.status, sent.attempts, sent.error) == (SentEmail.Status.SENT, 2, "")
    assert len(mail.outbox) == 1


@pytest.mark.parametrize(
    "error",
    [
        smtplib.SMTPRecipientsRefused({"alice@example.com": (451, b"try again later")}),
        smtplib.SMTPDataError(421, b"busy"),
        ConnectionRefusedError(111, "Connection refused"),
        TimeoutError("timed out"),
    ],
)
def test_it_retries_4xx_answers_and_connection_errors(quarter, alice, error):
    with mock.patch(SEND, side_effect=error), pytest.raises(notifications.EmailDeferred):
        send(quarter, alice)
    assert SentEmail.objects.get().status == SentEmail.Status.FAILED


@pytest.mark.parametrize(
    "error",
    [
        smtplib.SMTPRecipientsRefused({"alice@example.com": (550, b"no such user")}),
        smtplib.SMTPDataError(554, b"rejected"),
    ],
)
def test_it_records_a_permanent_refusal_and_never_retries_it(quarter, alice, error, settings):
    with mock.patch(SEND, side_effect=error) as smtp:
        row = send(quarter, alice)
        assert send(quarter, alice) is None
    smtp.assert_called_once()
    assert (row.status, row.attempts) == (SentEmail.Status.FAILED, settings.EMAIL_MAX_ATTEMPTS)
    assert "55" in row.error


def test_it_gives_up_after_the_last_attempt(quarter, alice, settings):
    settings.EMAIL_MAX_ATTEMPTS = 2
    with mock.patch(SEND, side_effect=smtplib.SMTPServerDisconnected("lost")) as smtp:
        for _ in range(2):
            with pytest.raises(notifications.EmailDeferred):
                send(quarter, alice)
        assert send(quarter, alice) is None
    assert smtp.call_count == 2


def test_it_skips_reminders_for_users_who_switched_them_off(quarter, alice, carol):
    for user in (alice, carol):
        NotificationPreference.objects.create(user=user, reminders_enabled=False)
    assert send(quarter, alice) is None
    send(quarter, alice, "period_open")
    reminders.period_email_send(
        period=quarter, user=carol, kind="escalation", today=datetime.date(2026, 10, 28)
    )
    assert [email.to for email in mail.outbox] == [["alice@example.com"], ["carol@example.com"]]


def test_it_sends_nothing_about_a_period_that_closed_meanwhile(quarter, alice):
    Period.objects.filter(pk=quarter.pk).update(closed_at="2026-11-05T00:00Z")
    quarter.refresh_from_db()
    assert send(quarter, alice) is None
    assert mail.outbox == []


def test_it_skips_users_without_an_email_address(quarter, alice):
    alice.email = ""
    alice.save()
    assert send(quarter, alice) is None


def test_it_lists_the_projects_of_every_team_the_lead_leads(quarter, alice, other_project):
    Membership.objects.create(user=alice, team=other_project.team, role=Membership.Role.LEAD)
    send(quarter, alice)
    body = mail.outbox[0].body
    assert "Fraud Detection" in body and "Search Ranking" in body
    assert "Product ranker" in body


def test_it_sends_the_report_with_its_pdf_attached(quarter, carol, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    report = Report.objects.create(
        scope="organisation", period=quarter, status="done", automatic=True
    )
    report.pdf_file.save("r.pdf", ContentFile(b"%PDF-1.7 report"), save=True)
    with mock.patch("reports.emails.report_summary", return_value={"assessed": 1}):
        row = report_emails.report_email_send(report=report, user=carol)
    [email] = mail.outbox
    assert row.key == f"report:2026-Q4:report-{report.pk}:user-{carol.pk}"
    assert email.subject == "MLOps maturity report 2026-Q4: the organisation"
    assert email.attachments[0].filename == "mlops-maturity-2026-Q4-organisation.pdf"
    assert email.attachments[0].content == b"%PDF-1.7 report"
    assert email.attachments[0].mimetype == "application/pdf"
    assert f"/reports/{report.pk}/" in email.body
    assert email.alternatives[0].mimetype == "text/html"


def test_it_sends_no_report_that_is_not_done(quarter, carol):
    report = Report.objects.create(scope="organisation", period=quarter, status="failed")
    assert report_emails.report_email_send(report=report, user=carol) is None


# --- The opt-out page -------------------------------------------------------------------------


def test_it_asks_anonymous_visitors_to_log_in(client):
    response = client.get("/account/notifications/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_it_shows_reminders_switched_on_by_default(client_for, alice):
    response = client_for(alice).get("/account/notifications/")
    assert response.status_code == 200
    assert b"Email me reminders about assessments" in response.content
    assert b"checked" in response.content
    assert b"/account/notifications/" in client_for(alice).get("/").content  # in the user menu


def test_it_switches_reminders_off_and_on(client_for, alice, bob):
    client = client_for(alice)
    response = client.post("/account/notifications/", {}, follow=True)
    assert b"Reminders are off" in response.content
    assert not NotificationPreference.objects.get(user=alice).reminders_enabled
    assert not NotificationPreference.objects.filter(user=bob).exists()
    client.post("/account/notifications/", {"reminders_enabled": "on"})
    assert NotificationPreference.objects.get(user=alice).reminders_enabled


@time_machine.travel(TODAY)
def test_it_explains_that_escalations_cannot_be_switched_off(client_for, carol):
    response = client_for(carol).get("/account/notifications/")
    assert b"cannot be switched off" in response.content
