"""The report e-mail: its content, its recipients, and sending it once to each of them
through the notifications' delivery (claimed under a unique key)."""

from django.contrib.auth.models import User
from django.urls import reverse

from core.dispatch import dispatch_on_commit
from notifications import kinds
from notifications import selectors as notification_selectors
from notifications.models import SentEmail
from notifications.services.delivery import absolute_url, email_compose, email_send_once
from reports.models import Report
from reports.selectors import report_headline


def report_email_key(*, report: Report, user: User) -> str:
    return f"{kinds.REPORT}:{report.period.key}:report-{report.pk}:user-{user.pk}"


def report_email_send(*, report: Report, user: User) -> SentEmail | None:
    """Send a finished report to one recipient, once: text and HTML, the PDF attached."""
    if report.status != Report.Status.DONE or not report.pdf_file:
        return None
    if not user.is_active or not user.email:
        return None
    with report.pdf_file.open("rb") as pdf:
        content = pdf.read()
    context = {
        "user": user,
        "report": report,
        "period": report.period,
        "summary": report_summary(report=report),
        "report_url": absolute_url(report.get_absolute_url()),
        "pdf_url": absolute_url(reverse("reports:report_pdf", kwargs={"pk": report.pk})),
    }
    email = email_compose(
        key=report_email_key(report=report, user=user),
        kind=kinds.REPORT,
        user=user,
        period=report.period,
        context=context,
        attachments=[(report_filename(report=report, ext="pdf"), content, "application/pdf")],
    )
    return email_send_once(email=email)


def report_summary(*, report: Report) -> dict:
    return report_headline(report=report)


def report_filename(*, report: Report, ext: str) -> str:
    target = (
        report.team.slug if report.team else report.unit.slug if report.unit else "organisation"
    )
    return f"mlops-maturity-{report.period.key}-{target}.{ext}"


def report_recipients(*, report: Report) -> list[User]:
    """The organisation report goes to management and org admins, a unit's to its
    managers, a team's to its leads."""
    if report.team:
        return notification_selectors.team_leads_with_email(team=report.team)
    if report.unit:
        return list(
            User.objects.filter(unit_roles__unit=report.unit, is_active=True)
            .exclude(email="")
            .distinct()
            .order_by("username")
        )
    return list(notification_selectors.organisation_recipients())


def report_emails_dispatch(*, report: Report) -> int:
    """Queue the report's emails not sent yet, after commit; the number queued."""
    recipients = {
        report_email_key(report=report, user=user): user
        for user in report_recipients(report=report)
    }
    settled = notification_selectors.email_keys_settled(keys=recipients)
    pending = [user for key, user in recipients.items() if key not in settled]
    for user in pending:
        dispatch_on_commit("reports.tasks.report_email_send", report.pk, user.pk)
    return len(pending)
