"""The hourly tick: periods are created, opened and closed on their dates, e-mails go out,
reports are generated and rescued.

Beat only ticks; everything due is read from the database (`PeriodQuerySet`, unsent e-mail
keys, report states), and every step is safe to run twice or concurrently: claims on
opened_at / closed_at, unique e-mail keys, report claims.
"""

import datetime
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from assessments.models import Period
from assessments.services import periods
from notifications.services import reminders
from reports import services as reports
from reports.models import Report


@dataclass(frozen=True)
class CloseResult:
    period: Period
    newly_closed: bool
    reports: list[Report] = field(default_factory=list)


@transaction.atomic
def period_close_and_report(*, period: Period, today: datetime.date | None = None) -> CloseResult:
    """Close a period once and queue its reports (the organisation's and one per team
    assessed in it); running it again changes nothing."""
    closed = periods.period_close(period=period, today=today)
    if not closed.newly_closed:
        return CloseResult(period=closed.period, newly_closed=False)
    created = reports.reports_create_for_period(period=closed.period)
    return CloseResult(period=closed.period, newly_closed=True, reports=created)


# --- The tick ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TickResult:
    created: Period | None
    opened: list[Period]
    closed: list[Period]
    notices: list[reminders.Notice]
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
    created = periods.period_upcoming_ensure(today=today)
    opened = [
        period
        for period in Period.objects.due_to_open(today)
        if periods.period_open(period=period).newly_opened
    ]
    closed = [
        period
        for period in Period.objects.due_to_close(today)
        if period_close_and_report(period=period, today=today).newly_closed
    ]
    notices = reminders.notices_due(today=today)
    reminders.notices_dispatch(notices=notices)
    rescued = reports.reports_rescue()
    return TickResult(
        created=created, opened=opened, closed=closed, notices=notices, reports_rescued=rescued
    )
