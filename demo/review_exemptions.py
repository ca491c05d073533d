"""The demo's approved exemptions: for the practices projects answer "not applicable" this
quarter, requested in one of the last four quarters and approved by the demo reviewer, so
their ages differ; one of them, approved three quarters ago, is asked again next quarter."""

import datetime
import random
from collections.abc import Sequence

from django.contrib.auth.models import User
from django.utils import timezone

from assessments.models import Answer, Assessment, Exemption, Period
from assessments.services.exemptions import quarters_after
from teams.models import Team


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def approved_exemptions(
    current: Period,
    teams: Sequence[Team],
    reviewer: User,
    rng: random.Random,
    now: datetime.datetime,
) -> int:
    """An approved exemption for each practice a project answers "not applicable" this
    quarter, requested in one of the last four quarters in which it answered so, decided two
    days after; and one approved three quarters ago, asked again next quarter."""
    periods = list(Period.objects.filter(opens_on__lte=current.opens_on).order_by("-opens_on")[:4])
    now_na = set(
        Answer.objects.filter(
            assessment__period=current,
            value=Answer.Value.NA,
            assessment__project__archived_at__isnull=True,
        ).values_list("assessment__project_id", "practice__key")
    )
    options: dict[tuple[int, str], list[tuple]] = {}
    for row in Answer.objects.filter(
        assessment__period__in=periods,
        assessment__status=Assessment.Status.SUBMITTED,
        value=Answer.Value.NA,
    ).values_list(
        "assessment__project_id",
        "practice__key",
        "assessment__period__opens_on",
        "assessment_id",
        "assessment__submitted_at",
        "assessment__submitted_by_id",
        "na_reason",
    ):
        if (row[0], row[1]) in now_na:
            options.setdefault((row[0], row[1]), []).append(row[2:])
    rows = []
    for pair in sorted(options):
        opens_on, assessment_id, submitted_at, lead_id, reason = rng.choice(sorted(options[pair]))
        requested_at = submitted_at or _at(opens_on, 10)
        rows.append(
            Exemption(
                project_id=pair[0],
                practice_key=pair[1],
                assessment_id=assessment_id,
                justification=reason or "Does not apply to this project.",
                status=Exemption.Status.APPROVED,
                requested_by_id=lead_id,
                requested_at=requested_at,
                decided_by=reviewer,
                decided_at=min(requested_at + datetime.timedelta(days=2), now),
                expires_on=quarters_after(opens_on, 4),
            )
        )
    expiring = _expiring(periods, teams, reviewer, now)
    Exemption.objects.bulk_create([*rows, *([expiring] if expiring else [])])
    return len(rows) + (1 if expiring else 0)


def _expiring(
    periods: Sequence[Period], teams: Sequence[Team], reviewer: User, now: datetime.datetime
) -> Exemption | None:
    """An exemption approved three quarters ago, asked again next quarter: a practice a
    project answered "not applicable" then, which its draft of this quarter still answers so
    (the draft's carried answer becomes "not applicable" with last year's reason)."""
    if len(periods) < 4:
        return None
    current, oldest = periods[0], periods[3]
    then = list(
        Answer.objects.filter(
            assessment__period=oldest,
            assessment__status=Assessment.Status.SUBMITTED,
            assessment__project__team__in=teams[1:],
            value=Answer.Value.NA,
        )
        .exclude(na_reason="")
        .order_by("assessment__project__name", "practice__order", "practice__key")
        .values_list(
            "assessment__project_id",
            "practice__key",
            "assessment_id",
            "assessment__submitted_at",
            "assessment__submitted_by_id",
            "na_reason",
        )
    )
    drafts = {
        (project_id, key): pk
        for project_id, key, pk in Answer.objects.filter(
            assessment__period=current,
            assessment__status=Assessment.Status.DRAFT,
            assessment__project_id__in={row[0] for row in then},
            practice__key__in={row[1] for row in then},
            value__in=[Answer.Value.NO, Answer.Value.PARTLY, Answer.Value.YES],
        ).values_list("assessment__project_id", "practice__key", "pk")
    }
    for project_id, key, assessment_id, submitted_at, lead_id, reason in then:
        if (project_id, key) not in drafts or submitted_at is None:
            continue
        Answer.objects.filter(pk=drafts[project_id, key]).update(
            value=Answer.Value.NA, na_reason=reason
        )
        return Exemption(
            project_id=project_id,
            practice_key=key,
            assessment_id=assessment_id,
            justification=reason,
            status=Exemption.Status.APPROVED,
            requested_by_id=lead_id,
            requested_at=submitted_at,
            decided_by=reviewer,
            decided_at=min(submitted_at + datetime.timedelta(days=2), now),
            expires_on=quarters_after(oldest.opens_on, 4),
        )
    return None
