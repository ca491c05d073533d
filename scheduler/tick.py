"""The hourly tick: periods are created, opened and closed on their dates, e-mails go out
(about periods, improvement actions, the leads' weekly plan digest and the reviewers'
digests), initiatives record their week's burn-up point, reports are generated and rescued,
and each connected project's evidence is collected once a day.

Beat only ticks; everything due is read from the database (`PeriodQuerySet`, unsent e-mail
keys, open actions and their due dates, report states), and every step is safe to run twice
or concurrently: claims on opened_at / closed_at, unique e-mail keys, one burn-up row per
initiative and week, report claims, the day's scheduled collection per project.
"""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from assessments.models import Period
from assessments.services import periods
from evidence.models import Collection
from evidence.services import collections as evidence
from improvement.services import initiatives
from notifications.services import plans, reminders
from notifications.services import reviews as review_emails
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
    action_notices: list[plans.ActionNotice]
    digest_notices: list[plans.DigestNotice]
    initiative_weeks: int  # initiatives whose point for this week was recorded
    review_digests: list[review_emails.ReviewDigestNotice] = field(default_factory=list)
    exemption_digests: list[review_emails.ExemptionDigestNotice] = field(default_factory=list)
    collections_queued: list[Collection] = field(default_factory=list)
    evidence_housekeeping: evidence.Housekeeping | None = None


def schedule_tick(*, today: datetime.date | None = None) -> TickResult:
    """One beat tick.

    1. Create the next quarter's period when it is close enough.
    2. Open the periods whose opening day has come: a draft for every active project.
    3. Close the periods past their closing day, which queues their reports.
    4. Queue every period email due today and not yet sent (open, reminders, escalations).
    5. Queue every action reminder due today and not yet sent: to the owner 7 to 1 days
       before the due date, and from the day after it; once per action and due date.
    6. Queue this week's plan digest for each lead who opted in and has open actions, once
       per lead and ISO week, on the first tick of the week that finds it unsent.
    7. Queue today's review digest for each reviewer with a submission new to their queue
       since their last digest, once per reviewer and day; and this week's list of the
       exemption requests waiting for each reviewer, once per reviewer and ISO week.
    8. Record this week's burn-up point of every active initiative whose dates cover
       today, on the first tick of the week (one row per initiative and Monday).
    9. Rescue reports that are stuck or lost, and report emails not yet sent.
    10. Queue today's evidence collection for every connected project, once a day; fail
        collections stuck running, queue lost ones again, and delete facts older than
        EVIDENCE_RETENTION_DAYS.
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
    action_notices = plans.action_notices_due(today=today)
    plans.action_notices_dispatch(notices=action_notices)
    digest_notices = plans.digest_notices_due(today=today)
    plans.digest_notices_dispatch(notices=digest_notices)
    review_digests = review_emails.review_digest_notices_due()
    review_emails.review_digest_notices_dispatch(notices=review_digests)
    exemption_digests = review_emails.exemption_digest_notices_due(today=today)
    review_emails.exemption_digest_notices_dispatch(notices=exemption_digests)
    initiative_weeks = initiatives.initiative_weeks_record_all(today=today)
    rescued = reports.reports_rescue()
    collections_queued = evidence.collection_schedule_due(today=today)
    housekeeping = evidence.collections_housekeep(
        now=timezone.now(), retention_days=settings.EVIDENCE_RETENTION_DAYS
    )
    return TickResult(
        created=created,
        opened=opened,
        closed=closed,
        notices=notices,
        reports_rescued=rescued,
        action_notices=action_notices,
        digest_notices=digest_notices,
        initiative_weeks=initiative_weeks,
        review_digests=review_digests,
        exemption_digests=exemption_digests,
        collections_queued=collections_queued,
        evidence_housekeeping=housekeeping,
    )
