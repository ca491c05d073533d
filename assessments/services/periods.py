"""Assessment periods: quarter keys and dates, creating, opening (drafts + carry-forward),
reopening and closing. Which periods are due for what is decided by `PeriodQuerySet`."""

import datetime
import logging
import re
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from assessments.models import Answer, Assessment, Framework, Period, Practice
from assessments.rules.carrying import SAME, CarrySource, carry_plan, merged_value
from assessments.services.exemptions import lapsed_keys
from assessments.services.frameworks import framework_latest
from assessments.services.rollups import rollups_refresh_period
from core.cache import dashboards_changed
from teams.models import Project

logger = logging.getLogger(__name__)

PERIOD_KEY_RE = re.compile(r"^(?P<year>\d{4})-Q(?P<quarter>[1-4])$")


class PeriodError(ValueError):
    pass


def period_key_for(day: datetime.date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def period_key_after(key: str) -> str:
    year, quarter = _parse_key(key)
    return f"{year + 1}-Q1" if quarter == 4 else f"{year}-Q{quarter + 1}"


def period_dates(key: str) -> tuple[datetime.date, datetime.date, datetime.date]:
    """Opens on the quarter's first day; due and closing days come from settings."""
    year, quarter = _parse_key(key)
    opens_on = datetime.date(year, 3 * quarter - 2, 1)
    due_on = opens_on + datetime.timedelta(days=settings.PERIOD_DUE_DAY - 1)
    closes_on = opens_on + datetime.timedelta(days=settings.PERIOD_CLOSE_DAY - 1)
    return opens_on, due_on, closes_on


def _parse_key(key: str) -> tuple[int, int]:
    match = PERIOD_KEY_RE.match(key)
    if not match:
        raise PeriodError(f"'{key}' is not a period key such as 2026-Q4.")
    return int(match["year"]), int(match["quarter"])


def period_create(*, key: str, framework: Framework | None = None) -> Period:
    """Create the period for a quarter with the default dates (no-op if it exists)."""
    framework = framework or framework_latest()
    if framework is None:
        raise PeriodError("No maturity framework is loaded; run manage.py load_framework first.")
    opens_on, due_on, closes_on = period_dates(key)
    period, _ = Period.objects.get_or_create(
        key=key,
        defaults={
            "framework": framework,
            "opens_on": opens_on,
            "due_on": due_on,
            "closes_on": closes_on,
        },
    )
    dashboards_changed()
    return period


def period_upcoming_ensure(*, today: datetime.date) -> Period | None:
    """Create the next quarter's period once it is PERIOD_CREATE_AHEAD_DAYS away."""
    key = period_key_after(period_key_for(today))
    opens_on, _, _ = period_dates(key)
    ahead = datetime.timedelta(days=settings.PERIOD_CREATE_AHEAD_DAYS)
    if today < opens_on - ahead or Period.objects.filter(key=key).exists():
        return None
    if framework_latest() is None:
        logger.warning("Not creating period %s: no framework is loaded.", key)
        return None
    return period_create(key=key)


@dataclass(frozen=True)
class OpenResult:
    period: Period
    created: list[Assessment]
    newly_opened: bool


@transaction.atomic
def period_open(*, period: Period) -> OpenResult:
    """Create a draft for every active project that has none; safe to run again.

    1. Claim the opening (opened_at from null to now); only the claimant is "newly opened",
       so callers send the "assessment open" emails once.
    2. Create the missing drafts in bulk, each with one answer row per practice.
    3. Carry each project's last submitted answers forward, marked "carried over"; from an
       earlier framework version, through the new version's mapping (`rules.carrying`).
    """
    newly_opened = bool(
        Period.objects.filter(pk=period.pk, opened_at__isnull=True).update(opened_at=timezone.now())
    )
    have_draft = Assessment.objects.filter(period=period).values("project_id")
    projects = list(Project.objects.filter(archived_at__isnull=True).exclude(pk__in=have_draft))
    Assessment.objects.bulk_create(
        [Assessment(project=project, period=period) for project in projects]
    )
    created = list(Assessment.objects.filter(period=period, project__in=projects))
    _create_answers(period, created)
    rollups_refresh_period(period_id=period.pk)
    dashboards_changed()
    period.refresh_from_db()
    return OpenResult(period=period, created=created, newly_opened=newly_opened)


def _create_answers(period: Period, assessments: list[Assessment]) -> None:
    if not assessments:
        return
    practices = list(Practice.objects.filter(framework_id=period.framework_id))
    project_ids = [a.project_id for a in assessments]
    earlier = _last_submitted_answers(project_ids, period)
    # "Not applicable" carries only while an exemption holds: expired or declined, it is
    # asked again.
    lapsed = lapsed_keys(project_ids=project_ids, period=period)
    plans: dict[int, dict[str, CarrySource]] = {}
    rows = []
    for assessment in assessments:
        earlier_framework, answers = earlier.get(assessment.project_id, (None, {}))
        if earlier_framework is None:
            plan: dict[str, CarrySource] = {}
        else:
            if earlier_framework.pk not in plans:
                plans[earlier_framework.pk] = _plan(period.framework, earlier_framework)
            plan = plans[earlier_framework.pk]
        rows += [
            _answer_row(assessment, practice, plan.get(practice.key), answers, lapsed)
            for practice in practices
        ]
    Answer.objects.bulk_create(rows)


def _plan(framework: Framework, earlier: Framework) -> dict[str, CarrySource]:
    """Where each practice's carried answer comes from: the same key within a version, or
    through the version's mapping when it maps from the earlier version."""
    keys = list(Practice.objects.filter(framework=framework).values_list("key", flat=True))
    if earlier.pk == framework.pk:
        return carry_plan(keys, keys, None)
    earlier_keys = Practice.objects.filter(framework=earlier).values_list("key", flat=True)
    mapping = framework.maps_from or {}
    maps_from_earlier = (mapping.get("key"), mapping.get("version")) == (
        earlier.key,
        earlier.version,
    )
    return carry_plan(keys, earlier_keys, mapping if maps_from_earlier else None)


def _answer_row(
    assessment: Assessment,
    practice: Practice,
    source: CarrySource | None,
    earlier: dict[str, "CarriedAnswer"],
    lapsed: set[tuple[int, str]],
) -> Answer:
    found = [earlier[key] for key in source.earlier_keys if key in earlier] if source else []
    if not found or source is None:
        return Answer(assessment_id=assessment.pk, practice_id=practice.pk)
    value = merged_value([answer.value for answer in found])
    if not value:
        return Answer(assessment_id=assessment.pk, practice_id=practice.pk)
    keys = {practice.key, *source.earlier_keys}
    if value == Answer.Value.NA and any((assessment.project_id, key) in lapsed for key in keys):
        return Answer(assessment_id=assessment.pk, practice_id=practice.pk)
    merged = len(found) > 1
    return Answer(
        assessment_id=assessment.pk,
        practice_id=practice.pk,
        value=value,
        na_reason=_joined(found, "na_reason", merged) if value == Answer.Value.NA else "",
        note=_joined(found, "note", merged)[:2000],
        evidence_url=next((a.evidence_url for a in found if a.evidence_url), ""),
        carried_over=True,
        carried_from=", ".join(source.earlier_keys) if source.via != SAME else "",
        carried_via=source.via,
    )


def _joined(answers: list["CarriedAnswer"], field: str, labelled: bool) -> str:
    texts = [(answer.key, getattr(answer, field)) for answer in answers]
    if not labelled:
        return texts[0][1]
    return "; ".join(f"{key}: {text}" for key, text in texts if text)


@dataclass(frozen=True, slots=True)
class CarriedAnswer:
    """What a draft carries of one answer of the project's last submitted assessment."""

    key: str
    value: str
    na_reason: str
    note: str
    evidence_url: str


def _last_submitted_answers(
    project_ids: list[int], period: Period
) -> dict[int, tuple[Framework, dict[str, CarriedAnswer]]]:
    """project id -> (the framework of its last submitted assessment, its answers by key).

    Read as plain values: model rows with their framework (whose definition is a large JSON
    document) took minutes at 1,000 projects, longer than the tick that opens a quarter may run.
    """
    last_submitted = Assessment.objects.filter(
        project_id=OuterRef("project_id"),
        status=Assessment.Status.SUBMITTED,
        period__opens_on__lt=period.opens_on,
    ).order_by("-period__opens_on")
    latest = dict(
        Assessment.objects.filter(
            project_id__in=project_ids, pk=Subquery(last_submitted.values("pk")[:1])
        ).values_list("pk", "period__framework_id")
    )
    frameworks = Framework.objects.in_bulk(set(latest.values()))
    answers = Answer.objects.filter(assessment_id__in=list(latest)).values_list(
        "assessment__project_id",
        "assessment_id",
        "practice__key",
        "value",
        "na_reason",
        "note",
        "evidence_url",
    )
    found: dict[int, tuple[Framework, dict[str, CarriedAnswer]]] = {}
    for project_id, assessment_id, key, *carried in answers:
        framework = frameworks[latest[assessment_id]]
        found.setdefault(project_id, (framework, {}))[1][key] = CarriedAnswer(key, *carried)
    return found


def period_reopen(*, period: Period, until: datetime.date) -> Period:
    if until < timezone.localdate():
        raise PeriodError("Reopen until a date in the future.")
    Period.objects.filter(pk=period.pk).update(reopened_until=until)
    dashboards_changed()
    period.refresh_from_db()
    return period


@dataclass(frozen=True)
class CloseResult:
    period: Period
    newly_closed: bool


@transaction.atomic
def period_close(*, period: Period, today: datetime.date | None = None) -> CloseResult:
    """Close a period once; running it again changes nothing.

    1. Claim the closing (closed_at from null to now); only the claimant is "newly closed",
       so the caller generates the period's reports once.
    2. Closed early (by an operator), its closing day moves to yesterday, so answers are
       read-only from now on; a reopening ends.
    """
    today = today or timezone.localdate()
    if period.opens_on >= today:
        raise PeriodError(f"Period {period.key} has not been open for a day yet.")
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
    dashboards_changed()
    period.refresh_from_db()
    return CloseResult(period=period, newly_closed=True)
