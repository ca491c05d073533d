"""The demo's events stored as the endpoint stores them, and what follows from them.

Every payload goes through `evidence.rules.events.event_normalise`, as the endpoint's do,
so demo events are stored exactly as sent ones. The rows go to the database with COPY while
the next project's events are made up, in one transaction; then every project's delivery
outcomes and `ci.*` facts are computed from the events in memory by the services' own
`outcomes_refresh_many` and `ci_facts_refresh_many`, the rows the per-project refreshes
would store, written in bulk: at 10,000 projects (1.9 million events) a refresh, or a
commit, per project costs more than the project's figures.
"""

import datetime
from collections.abc import Iterable, Iterator
from contextlib import nullcontext

from django.conf import settings
from django.db import transaction

from demo.bulk import indexes_built_after, insert_rows, references_checked_by_the_seeder
from evidence.models import Event
from evidence.rules.events import NormalisedEvent, event_normalise
from evidence.rules.facts import WINDOW_DAYS
from evidence.services.events import ci_facts_refresh_many
from evidence.services.outcomes import EVENT_FIELDS, outcomes_refresh_many

RECEIVED_AFTER = datetime.timedelta(seconds=3)  # an event's trip to the endpoint
EVENT_COLUMNS = ("project_id", "received_at", *EVENT_FIELDS)
MOMENTS = frozenset({"occurred_at", "trained_at"})  # the payloads' times


def events_normalised(slug: str, payloads: list[dict], now: datetime.datetime) -> list[tuple]:
    """The project's events as stored, each the values of EVENT_FIELDS, oldest first; their
    ids "demo-<project>-<n>"."""
    ordered = sorted(payloads, key=lambda payload: payload["occurred_at"])
    retention = settings.EVIDENCE_RETENTION_DAYS
    rows = []
    for number, payload in enumerate(ordered, start=1):
        sent = {**payload, "id": f"demo-{slug}-{number}"}
        for key in MOMENTS.intersection(payload):  # as JSON sends them
            sent[key] = payload[key].isoformat()
        rows.append(_row(event_normalise(sent, now=now, retention_days=retention)))
    return rows


def events_store(
    made: Iterable[tuple[int, list[tuple]]],
    *,
    project_ids: list[int],
    now: datetime.datetime,
    rebuild_indexes: bool,
) -> tuple[int, int]:
    """Store the events `made` (project id, its events as EVENT_FIELDS), of some of
    `project_ids`, and the outcomes and ci facts of each project with events; returns how
    many projects got events and how many events. `rebuild_indexes`: drop the events'
    indexes while writing, and build them once at the end."""
    events: dict[int, list[tuple]] = {}
    with transaction.atomic():
        sent = _sent_events(project_ids)
        with (
            references_checked_by_the_seeder(),
            indexes_built_after(Event) if rebuild_indexes else nullcontext(),
        ):
            created = insert_rows(Event, EVENT_COLUMNS, _kept(made, events, now))
        every = {project_id: sent.get(project_id, []) + rows for project_id, rows in events.items()}
        outcomes_refresh_many(events=every)
        recent = now - datetime.timedelta(days=WINDOW_DAYS)
        running = {  # no runs lately: no ci facts, rather than zeros
            project_id: every[project_id]
            for project_id, rows in events.items()
            if any(row[0] == Event.Kind.PIPELINE_RUN and row[1] > recent for row in rows)
        }
        ci_facts_refresh_many(events=running, now=now)
    return len(events), created


def _sent_events(project_ids: list[int]) -> dict[int, list[tuple]]:
    """The events the projects' pipelines sent themselves (not the demo's), as EVENT_FIELDS:
    their outcomes and ci facts are computed from every event, as the services would."""
    found: dict[int, list[tuple]] = {}
    rows = Event.objects.filter(project_id__in=project_ids).values_list("project_id", *EVENT_FIELDS)
    for project_id, *row in rows:
        found.setdefault(project_id, []).append(tuple(row))
    return found


def _kept(
    made: Iterable[tuple[int, list[tuple]]], events: dict[int, list[tuple]], now: datetime.datetime
) -> Iterator[tuple]:
    """The rows to store (EVENT_COLUMNS) of the events made, each project's kept in `events`."""
    for project_id, rows in made:
        events[project_id] = rows
        for row in rows:
            yield (project_id, min(row[1] + RECEIVED_AFTER, now), *row)


def _row(event: NormalisedEvent) -> tuple:
    """The event as EVENT_FIELDS (kind, occurred_at, sender_id, environment, model_version,
    state, reference, detail, is_demo)."""
    return (
        event.kind,
        event.occurred_at,
        event.sender_id,
        event.environment,
        event.model_version,
        event.state,
        event.reference,
        event.detail,
        True,
    )
