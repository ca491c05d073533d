"""Period e-mails: "assessment open", the reminders and the escalation, each due in a window
of days, each sent once per recipient (see `delivery.email_send_once`).

The tick (scheduler) asks for the notices due today and dispatches them; a task sends each.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone

from assessments.models import Assessment, Period
from core.dispatch import dispatch_on_commit
from notifications import kinds, selectors
from notifications.models import SentEmail
from notifications.services.delivery import absolute_url, email_compose, email_send_once

# --- Which emails a period is due, by date (pure) ---------------------------------------------


def period_email_kinds_on(
    *,
    opens_on: datetime.date,
    due_on: datetime.date,
    closes_on: datetime.date,
    today: datetime.date,
    grace_days: int,
) -> list[str]:
    """The email kinds due on `today`, each a window that starts on its day.

    A window rather than a single day, so a tick missed for a day (beat down, deploy)
    still sends; the emails say how many days are left, so a late one stays true.
      open          from the opening day to the due date
      due in 7 days from 7 days before the due date to 2 days before
      due tomorrow  the day before the due date and the due date itself
      overdue       from the day after the due date to the closing day
      escalation    from `grace_days` after the due date to the closing day
    """
    day = datetime.timedelta(days=1)
    windows = {
        kinds.PERIOD_OPEN: (opens_on, due_on),
        kinds.REMINDER_DUE_7: (due_on - 7 * day, due_on - 2 * day),
        kinds.REMINDER_DUE_1: (due_on - day, due_on),
        kinds.REMINDER_OVERDUE: (due_on + day, closes_on),
        kinds.ESCALATION: (due_on + grace_days * day, closes_on),
    }
    return [kind for kind, (first, last) in windows.items() if first <= today <= last]


# --- Who gets what today ----------------------------------------------------------------------


@dataclass(frozen=True)
class Notice:
    """One email due: a kind of email about a period for one recipient."""

    kind: str
    period: Period
    user: User
    assessments: tuple[Assessment, ...]

    @property
    def key(self) -> str:
        return period_email_key(kind=self.kind, period=self.period, user=self.user)


def notices_due(*, today: datetime.date) -> list[Notice]:
    """Every period email due today and not sent yet: one per recipient, kind and period."""
    due = []
    for period in selectors.periods_in_progress(today=today):
        due_kinds = period_email_kinds_on(
            opens_on=period.opens_on,
            due_on=period.due_on,
            closes_on=period.closes_on,
            today=today,
            grace_days=settings.ESCALATION_GRACE_DAYS,
        )
        if due_kinds:
            due += _period_notices(period, due_kinds)
    settled = selectors.email_keys_settled(keys=[notice.key for notice in due])
    return [notice for notice in due if notice.key not in settled]


def _period_notices(period: Period, due_kinds: list[str]) -> list[Notice]:
    by_lead = selectors.drafts_by_lead(period=period)
    opted_out = selectors.users_without_reminders(users=by_lead)
    notices = [
        Notice(kind=kind, period=period, user=user, assessments=tuple(items))
        for kind in due_kinds
        if kind in kinds.LEAD_KINDS
        for user, items in by_lead.items()
        if not (kind in kinds.REMINDER_KINDS and user.pk in opted_out)
    ]
    if kinds.ESCALATION in due_kinds:
        overdue = tuple(selectors.drafts(period=period))
        if overdue:
            notices += [
                Notice(kind=kinds.ESCALATION, period=period, user=user, assessments=overdue)
                for user in selectors.organisation_recipients()
            ]
    return notices


def notices_dispatch(*, notices: list[Notice]) -> None:
    """Queue one task per email after the current transaction commits."""
    for notice in notices:
        dispatch_on_commit(
            "notifications.tasks.period_email_send", notice.period.pk, notice.user.pk, notice.kind
        )


def period_email_key(*, kind: str, period: Period, user: User) -> str:
    return f"{kind}:{period.key}:user-{user.pk}"


# --- Sending one ----------------------------------------------------------------------------


def period_email_send(
    *, period: Period, user: User, kind: str, today: datetime.date | None = None
) -> SentEmail | None:
    """Send one period email to one user, once; None when there is nothing (left) to send.

    The list is read now, not when the email was queued: a project submitted in between
    drops out, and when nothing is left (or the period closed) nothing is sent.
    """
    if kind not in kinds.PERIOD_KINDS:
        raise ValueError(f"Unknown period email kind {kind!r}.")
    if period.closed_at or not user.is_active or not user.email:
        return None
    if kind in kinds.REMINDER_KINDS and not selectors.reminders_enabled(user=user):
        return None
    if kind == kinds.ESCALATION:
        assessments = list(selectors.drafts(period=period))
    else:
        assessments = selectors.drafts_for_lead(period=period, user=user)
    if not assessments:
        return None
    today = today or timezone.localdate()
    context = {
        "user": user,
        "period": period,
        "items": [
            {
                "team": a.project.team,
                "project": a.project.name,
                "stage": a.project.get_stage_display(),
                "url": absolute_url(a.get_absolute_url()),
            }
            for a in assessments
        ],
        "count": len(assessments),
        "days_left": (period.due_on - today).days,
        "days_overdue": (today - period.due_on).days,
        "portal_url": absolute_url(reverse("portal:home")),
        "settings_url": absolute_url(reverse("notifications:notification_settings")),
        "grace_days": settings.ESCALATION_GRACE_DAYS,
    }
    email = email_compose(
        key=period_email_key(kind=kind, period=period, user=user),
        kind=kind,
        user=user,
        period=period,
        context=context,
    )
    return email_send_once(email=email)
