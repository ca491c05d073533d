"""The dashboards' Reviews card: the chosen quarter's results by review status (already
counted by the organisation dashboard's one GROUP BY), the inflation signals found in its
submissions, and the exemptions of the projects in view. Two queries."""

import datetime
from collections import Counter

from django.db.models import Count, Min, Q
from django.urls import reverse
from django.utils import timezone

from assessments.models import Assessment, Exemption
from assessments.rules.review import SIGNAL_NAMES
from insights.review_counts import (
    ExemptionsLine,
    ReviewCounts,
    ReviewsCard,
    SignalKind,
    SignalledSubmission,
    review_label,
)
from insights.selectors.common import SUBMITTED, scope_q
from insights.shapes import DashboardFilters

# The most recent submissions with signals the card lists.
SIGNALLED_SHOWN = 5


def reviews_card(
    *, filters: DashboardFilters, counts: ReviewCounts, today: datetime.date | None = None
) -> ReviewsCard:
    """The card for the filters' quarter, units, team and stage; `counts` are the quarter's
    (OrganisationDashboard.current.reviews)."""
    kinds, signalled, total = _signals(filters)
    return ReviewsCard(
        counts=counts,
        signal_kinds=kinds,
        signalled=signalled,
        signalled_total=total,
        exemptions=exemptions_line(filters=filters, today=today or timezone.localdate()),
    )


def _signals(filters: DashboardFilters) -> tuple[list[SignalKind], list[SignalledSubmission], int]:
    """Each kind of signal with how many submissions show it, and the most recent of those
    submissions (one query: the quarter's submissions with signals, newest first)."""
    rows = list(
        Assessment.objects.filter(
            scope_q(filters, team="project__team_id"),
            period_id=filters.period.pk,
            status=SUBMITTED,
        )
        .exclude(signals=[])
        .order_by("-submitted_at", "project__name")
        .values_list(
            "pk",
            "project__name",
            "project__team__name",
            "review_status",
            "submitted_at",
            "signals",
        )
    )
    per_kind: Counter[str] = Counter()
    signalled: list[SignalledSubmission] = []
    for pk, project, team, review, submitted_at, signals in rows:
        if not signals:
            continue
        per_kind.update({signal["kind"] for signal in signals})
        if len(signalled) < SIGNALLED_SHOWN:
            signalled.append(
                SignalledSubmission(
                    project=project,
                    team=team,
                    url=reverse("assessments:assessment_detail", kwargs={"pk": pk}),
                    review=review_label(review),
                    submitted_at=submitted_at,
                    sentences=tuple(signal["text"] for signal in signals),
                )
            )
    kinds = [
        SignalKind(kind=kind, name=name, submissions=per_kind[kind])
        for kind, name in SIGNAL_NAMES.items()
        if per_kind[kind]
    ]
    return kinds, signalled, sum(1 for row in rows if row[-1])


def exemptions_line(*, filters: DashboardFilters, today: datetime.date) -> ExemptionsLine:
    """Exemptions of the active projects the filters keep: approved and still in force,
    awaiting a decision, and the oldest approval in force (one query)."""
    in_force = Q(status=Exemption.Status.APPROVED, expires_on__gt=today)
    found = Exemption.objects.filter(
        scope_q(filters, team="project__team_id"), project__archived_at__isnull=True
    ).aggregate(
        approved=Count("pk", filter=in_force),
        awaiting=Count("pk", filter=Q(status=Exemption.Status.REQUESTED)),
        oldest=Min("decided_at", filter=in_force),
    )
    oldest = found["oldest"]
    return ExemptionsLine(
        approved=found["approved"],
        awaiting_decision=found["awaiting"],
        oldest_approved_days=(today - timezone.localdate(oldest)).days if oldest else None,
    )
