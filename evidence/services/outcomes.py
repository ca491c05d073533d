"""Storing a project's delivery outcomes per calendar quarter (`evidence.Outcome`), computed
by `evidence.rules.outcomes` from its events and its MLflow retraining fact.

The event service refreshes the quarters an arriving event can change; the demo refreshes
every quarter of all its projects at once (`outcomes_refresh_many`). A quarter's row exists
while the quarter has at least one event, and is demo data when all those events are.
Quarters are calendar quarters in the organisation's time zone (`TIME_ZONE`).
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from core.cache import dashboards_changed
from evidence.models import Event, Fact, Outcome
from evidence.rules.outcomes import (
    FAILURE_WINDOW,
    PRODUCTION,
    QUARTER_FIGURES,
    EventFact,
    quarter_bounds,
    quarter_of,
    quarter_outcome,
)
from teams.models import Project

RETRAINING_FACT = "mlflow.retraining_interval_days"
EVENT_FIELDS = (
    "kind",
    "occurred_at",
    "sender_id",
    "environment",
    "model_version",
    "state",
    "reference",
    "detail",
    "is_demo",
)
OUTCOME_FIELDS = (
    *(name for name in QUARTER_FIGURES if name != "quarter"),
    "computed_at",
    "is_demo",
)


def outcomes_refresh(*, project: Project, quarters: Iterable[str] | None = None) -> None:
    """Recompute `project`'s Outcome rows for `quarters` ("2026-Q4"; None: every quarter
    with events) from its events and its MLflow retraining fact, in one transaction, and
    bump the dashboards' cache generation."""
    with transaction.atomic():
        # Two refreshes of one project take turns, so the later one reads every event the
        # earlier one could not see and its rows are the ones that stay.
        Project.objects.select_for_update().filter(pk=project.pk).exists()
        if quarters is None:
            events = _read(Event.objects.filter(project=project))
            stored = Outcome.objects.filter(project=project).values_list("quarter", flat=True)
            wanted = {quarter_of(event.occurred_at) for event, _ in events} | set(stored)
        else:
            wanted = set(quarters)
            if not wanted:
                return
            events = _events_around(project, wanted)
        _store(project, wanted, events)
        dashboards_changed()


def outcomes_refresh_many(*, events: Mapping[int, Sequence[tuple]]) -> int:
    """For each project id in `events`, given every event the project has (tuples of
    EVENT_FIELDS' values, as `values_list(*EVENT_FIELDS)` reads them), store the Outcome rows
    `outcomes_refresh(project=…)` stores for every quarter: for writing many projects'
    outcomes at once (the demo's 10,000 projects), in a fixed number of queries and bulk
    writes instead of a few queries per project. Returns how many rows it stored."""
    ids = sorted(events)
    if not ids:
        return 0
    with transaction.atomic():
        # Taking turns with the projects' own refreshes, as outcomes_refresh does.
        locked = Project.objects.select_for_update().filter(pk__in=ids).order_by("pk")
        list(locked.values_list("pk"))
        readings = _mlflow_readings(ids)
        now = timezone.now()
        rows = []
        for project_id in ids:
            read = _event_facts(events[project_id])
            rows += _outcome_rows(project_id, read, readings.get(project_id, []), now)
        kept = {(row.project_id, row.quarter) for row in rows}
        stored = Outcome.objects.filter(project_id__in=ids).values_list("pk", "project", "quarter")
        stale = [pk for pk, project_id, quarter in stored if (project_id, quarter) not in kept]
        Outcome.objects.filter(pk__in=stale).delete()
        Outcome.objects.bulk_create(
            rows,
            batch_size=2000,
            update_conflicts=True,
            unique_fields=["project", "quarter"],
            update_fields=list(OUTCOME_FIELDS),
        )
        dashboards_changed()
    return len(rows)


def _outcome_rows(
    project_id: int,
    events: Sequence[tuple[EventFact, bool]],
    readings: Sequence[tuple[datetime.datetime, float, int]],
    now: datetime.datetime,
) -> list[Outcome]:
    """The project's rows of every quarter with events, as `_store` builds them; `readings`:
    its MLflow retraining facts (observed, median days, intervals), oldest first."""
    demo_flags: dict[str, list[bool]] = defaultdict(list)
    for event, is_demo in events:
        demo_flags[quarter_of(event.occurred_at)].append(is_demo)
    tz = timezone.get_current_timezone()
    facts = [event for event, _ in events]
    rows = []
    for quarter in sorted(demo_flags):
        end = quarter_bounds(quarter, tz)[1]
        known = [(value, total) for observed_at, value, total in readings if observed_at < end]
        figures = quarter_outcome(facts, quarter, mlflow_retraining=known[-1] if known else None)
        rows.append(
            Outcome(
                project_id=project_id,
                **asdict(figures),
                computed_at=now,
                is_demo=all(demo_flags[quarter]),
            )
        )
    return rows


def _event_facts(rows: Iterable[tuple]) -> list[tuple[EventFact, bool]]:
    """`_event_fact` of each row, the time zone looked up once rather than per event (which
    costs more than the rest of it)."""
    tz = timezone.get_current_timezone()
    return [_event_fact(row, tz) for row in rows]


def _mlflow_readings(ids: Sequence[int]) -> dict[int, list[tuple[datetime.datetime, float, int]]]:
    """Per project, its MLflow retraining facts (observed, median days, intervals), oldest
    first; one query."""
    found: dict[int, list[tuple[datetime.datetime, float, int]]] = defaultdict(list)
    readings = Fact.objects.filter(project_id__in=ids, key=RETRAINING_FACT).order_by(
        "project_id", "observed_at", "id"
    )
    for project_id, value, detail, observed_at in readings.values_list(
        "project_id", "value", "detail", "observed_at"
    ):
        total = detail.get("total", 0) if isinstance(detail, dict) else 0
        found[project_id].append((observed_at, value, int(total or 0)))
    return found


def _store(project: Project, wanted: set[str], events: Sequence[tuple[EventFact, bool]]) -> None:
    demo_flags: dict[str, list[bool]] = defaultdict(list)
    for event, is_demo in events:
        demo_flags[quarter_of(event.occurred_at)].append(is_demo)
    with_events = sorted(quarter for quarter in wanted if demo_flags[quarter])
    retraining = _mlflow_retraining(project, with_events)
    facts = [event for event, _ in events]
    now = timezone.now()
    rows = [
        Outcome(
            project=project,
            **asdict(quarter_outcome(facts, quarter, mlflow_retraining=retraining[quarter])),
            computed_at=now,
            is_demo=all(demo_flags[quarter]),
        )
        for quarter in with_events
    ]
    Outcome.objects.filter(project=project, quarter__in=wanted - set(with_events)).delete()
    Outcome.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["project", "quarter"],
        update_fields=list(OUTCOME_FIELDS),
    )


def _events_around(project: Project, quarters: set[str]) -> list[tuple[EventFact, bool]]:
    """The events that can change the quarters' figures: those from 7 days before the first
    quarter to 7 days after the last, the resolutions of incidents opened then, and the
    latest production deployment and successful training before that (four queries)."""
    tz = timezone.get_current_timezone()
    bounds = [quarter_bounds(quarter, tz) for quarter in quarters]
    start = min(first for first, _ in bounds) - FAILURE_WINDOW
    end = max(after for _, after in bounds) + FAILURE_WINDOW
    history = Event.objects.filter(project=project)
    around = _read(
        history.filter(
            Q(occurred_at__gte=start, occurred_at__lt=end)
            | Q(kind=Event.Kind.INCIDENT, state="resolved", occurred_at__gte=start)
        )
    )
    before = history.filter(occurred_at__lt=start).order_by("-occurred_at", "-sender_id")
    deployed = _read(before.filter(kind=Event.Kind.DEPLOYMENT, environment=PRODUCTION)[:1])
    return around + deployed + _latest_training(before.filter(kind=Event.Kind.PIPELINE_RUN))


def _latest_training(runs: QuerySet[Event]) -> list[tuple[EventFact, bool]]:
    """The latest run whose training passed: steps are JSON, so Python reads them."""
    for row in runs.values_list(*EVENT_FIELDS).iterator(chunk_size=100):
        event = _event_fact(row)
        if event[0].training_passed:
            return [event]
    return []


def _read(events: QuerySet[Event]) -> list[tuple[EventFact, bool]]:
    return _event_facts(events.values_list(*EVENT_FIELDS))


def _event_fact(row: tuple, tz: datetime.tzinfo | None = None) -> tuple[EventFact, bool]:
    kind, occurred_at, sender_id, environment, version, state, reference, detail, is_demo = row
    steps = detail.get("steps") or []
    fact = EventFact(
        kind=kind,
        occurred_at=occurred_at.astimezone(tz or timezone.get_current_timezone()),
        sender_id=sender_id,
        environment=environment,
        model_version=version,
        state=state,
        reference=reference,
        trained_at=_moment(detail.get("trained_at")),
        training_passed=any(
            step.get("name") == "training" and step.get("result") == "passed"
            for step in steps
            if isinstance(step, dict)
        ),
    )
    return fact, is_demo


def _moment(text: object) -> datetime.datetime | None:
    """An ISO time stored by the event service, in the organisation's time zone."""
    if not isinstance(text, str):
        return None
    try:
        moment = datetime.datetime.fromisoformat(text)
    except ValueError:
        return None
    return timezone.localtime(moment) if timezone.is_aware(moment) else None


def _mlflow_retraining(
    project: Project, quarters: Sequence[str]
) -> dict[str, tuple[float, int] | None]:
    """Per quarter, the latest MLflow retraining fact observed by the quarter's end: (median
    days, number of intervals); one query."""
    found: dict[str, tuple[float, int] | None] = dict.fromkeys(quarters)
    if not quarters:
        return found
    tz = timezone.get_current_timezone()
    ends = {quarter: quarter_bounds(quarter, tz)[1] for quarter in quarters}
    readings = Fact.objects.filter(
        project=project, key=RETRAINING_FACT, observed_at__lt=max(ends.values())
    ).order_by("observed_at", "id")
    for value, detail, observed_at in readings.values_list("value", "detail", "observed_at"):
        total = detail.get("total", 0) if isinstance(detail, dict) else 0
        for quarter, end in ends.items():
            if observed_at < end:
                found[quarter] = (value, int(total or 0))
    return found
