"""The hourly tick: periods are created, opened and closed on their dates, emails go out.

Beat only ticks; everything due is read from the database, and every step is safe to run
twice or concurrently (claims on opened_at / closed_at, unique email keys, report claims).
"""

import datetime
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from assessments.models import Assessment, Period, Report
from assessments.selectors import notifications as selectors
from assessments.services import notifications, periods, reports
from assessments.services.frameworks import framework_latest

logger = logging.getLogger(__name__)


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
        notifications.PERIOD_OPEN: (opens_on, due_on),
        notifications.REMINDER_DUE_7: (due_on - 7 * day, due_on - 2 * day),
        notifications.REMINDER_DUE_1: (due_on - day, due_on),
        notifications.REMINDER_OVERDUE: (due_on + day, closes_on),
        notifications.ESCALATION: (due_on + grace_days * day, closes_on),
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
        return notifications.period_email_key(kind=self.kind, period=self.period, user=self.user)


def notices_due(*, today: datetime.date) -> list[Notice]:
    """Every period email due today and not sent yet: one per recipient, kind and period."""
    due = []
    for period in selectors.periods_in_progress(today=today):
        kinds = period_email_kinds_on(
            opens_on=period.opens_on,
            due_on=period.due_on,
            closes_on=period.closes_on,
            today=today,
            grace_days=settings.ESCALATION_GRACE_DAYS,
        )
        if kinds:
            due += _period_notices(period, kinds)
    settled = selectors.email_keys_settled(keys=[notice.key for notice in due])
    return [notice for notice in due if notice.key not in settled]


def _period_notices(period: Period, kinds: list[str]) -> list[Notice]:
    by_lead = selectors.drafts_by_lead(period=period)
    opted_out = selectors.users_without_reminders(users=by_lead)
    notices = [
        Notice(kind=kind, period=period, user=user, assessments=tuple(items))
        for kind in kinds
        if kind in notifications.LEAD_KINDS
        for user, items in by_lead.items()
        if not (kind in notifications.REMINDER_KINDS and user.pk in opted_out)
    ]
    if notifications.ESCALATION in kinds:
        overdue = tuple(selectors.drafts(period=period))
        if overdue:
            notices += [
                Notice(kind=notifications.ESCALATION, period=period, user=user, assessments=overdue)
                for user in selectors.organisation_recipients()
            ]
    return notices


def notices_dispatch(*, notices: list[Notice]) -> None:
    """Queue one task per email after the current transaction commits."""
    from assessments.tasks import period_email_send as period_email_send_task

    for notice in notices:
        period_email_send_task.delay_on_commit(notice.period.pk, notice.user.pk, notice.kind)


# --- Periods run themselves -------------------------------------------------------------------


def period_upcoming_ensure(*, today: datetime.date) -> Period | None:
    """Create the next quarter's period once it is PERIOD_CREATE_AHEAD_DAYS away."""
    key = periods.period_key_after(periods.period_key_for(today))
    opens_on, _, _ = periods.period_dates(key)
    ahead = datetime.timedelta(days=settings.PERIOD_CREATE_AHEAD_DAYS)
    if today < opens_on - ahead or Period.objects.filter(key=key).exists():
        return None
    if framework_latest() is None:
        logger.warning("Not creating period %s: no framework is loaded.", key)
        return None
    return periods.period_create(key=key)


def periods_to_open(*, today: datetime.date) -> list[Period]:
    return list(
        Period.objects.filter(opened_at__isnull=True, opens_on__lte=today, closes_on__gte=today)
    )


def periods_to_close(*, today: datetime.date) -> list[Period]:
    reopened = Q(reopened_until__isnull=False, reopened_until__gte=today)
    return list(
        Period.objects.filter(
            opened_at__isnull=False, closed_at__isnull=True, closes_on__lt=today
        ).exclude(reopened)
    )


class PeriodCloseError(ValueError):
    pass


@dataclass(frozen=True)
class CloseResult:
    period: Period
    newly_closed: bool
    reports: list[Report] = field(default_factory=list)


@transaction.atomic
def period_close(*, period: Period, today: datetime.date | None = None) -> CloseResult:
    """Close a period once and queue its reports; running it again changes nothing.

    1. Claim the closing (closed_at from null to now); only the claimant goes on.
    2. Closed early (by an operator), its closing day moves to yesterday, so answers are
       read-only from now on; a reopening ends.
    3. Create the organisation report and one per team assessed in the period, and queue
       their generation; each is emailed when it is done.
    """
    today = today or timezone.localdate()
    if period.opens_on >= today:
        raise PeriodCloseError(f"Period {period.key} has not been open for a day yet.")
    claimed = Period.objects.filter(pk=period.pk, closed_at__isnull=True).update(
        closed_at=timezone.now()
    )
    if not claimed:
        period.refresh_from_db()
        return CloseResult(period=period, newly_closed=False)
    yesterday = today - datetime.timedelta(days=1)
    if period.closes_on > yesterday or period.reopened_until:
        Period.objects.filter(pk=period.pk).update(
            closes_on=min(period.closes_on, yesterday),
            due_on=min(period.due_on, yesterday),
            reopened_until=None,
        )
    period.refresh_from_db()
    created = reports.reports_create_for_period(period=period)
    return CloseResult(period=period, newly_closed=True, reports=created)


# --- The tick ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TickResult:
    created: Period | None
    opened: list[Period]
    closed: list[Period]
    notices: list[Notice]
    reports_rescued: list[Report]


def schedule_tick(*, today: datetime.date | None = None) -> TickResult:
    """One beat tick.

    1. Create the next quarter's period when it is close enough.
    2. Open the periods whose opening day has come: a draft for every active project.
    3. Close the periods past their closing day, which queues their reports.
    4. Queue every period email due today and not yet sent (open, reminders, escalations).
    5. Rescue reports that are stuck or lost, and report emails not yet sent.
    """
    today = today or timezone.localdate()
    created = period_upcoming_ensure(today=today)
    opened = [
        period
        for period in periods_to_open(today=today)
        if periods.period_open(period=period).newly_opened
    ]
    closed = [
        period
        for period in periods_to_close(today=today)
        if period_close(period=period, today=today).newly_closed
    ]
    notices = notices_due(today=today)
    notices_dispatch(notices=notices)
    rescued = reports.reports_rescue()
    return TickResult(
        created=created, opened=opened, closed=closed, notices=notices, reports_rescued=rescued
    )
