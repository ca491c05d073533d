"""Recording the CI and deployment events a project's pipeline sends, and what follows from
them: the project's outcomes of the quarters an event can change, and its `ci.*` facts.

The sender chooses each event's id. The unique constraint on (project, id) makes a repeat
harmless even when two copies arrive at once: the second insert fails, the stored event is
read back, and a repeat with the same content records nothing (`created` False) while one
with different content is refused (`EventConflict`), so an id never changes meaning.

The recomputations run after the event's own transaction, each project's one at a time
(a lock on the project's row), so the last one to run has read every event committed
before it: outcomes never keep the view of a refresh that missed a concurrent event.
"""

import datetime
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from evidence.collectors.ci.facts import KEYS as CI_FACT_KEYS
from evidence.collectors.ci.facts import ci_facts_compute
from evidence.models import Event, Fact
from evidence.rules.events import (
    FUTURE_TOLERANCE,
    NormalisedEvent,
    event_normalise,
    training_passed,
)
from evidence.rules.facts import WINDOW_DAYS
from evidence.rules.outcomes import FAILURE_WINDOW, quarter_of
from evidence.services.outcomes import outcomes_refresh
from teams.models import Project

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class EventRecorded:
    event: Event
    created: bool  # False: the same event was recorded before, and nothing changed


class EventConflict(Exception):
    """The id was used before for an event with different content; `str()` says so."""

    def __init__(self, sender_id: str, differences: list[str]) -> None:
        super().__init__(
            f"The id '{sender_id}' was already used for another event of this project "
            f"(it differs in {', '.join(differences)}). Send each event with an id of its own; "
            "send the same id again only to repeat the very same event."
        )
        self.differences = differences


def event_record(
    *,
    project: Project,
    token_id: int | None,
    payload: object,
    now: datetime.datetime | None = None,
) -> EventRecorded:
    """Record the event `payload` describes (`evidence.rules.events.EventInvalid` when it
    is not one), sent with the API token `token_id` (None: not through the API), once per id,
    then refresh what it changes. Call it outside a transaction,
    as the API does, so the refreshes run after the event has committed."""
    now = now or timezone.now()
    event = event_normalise(payload, now=now, retention_days=settings.EVIDENCE_RETENTION_DAYS)
    existing = _stored(project, event.sender_id)
    if existing is None:
        try:
            with transaction.atomic():
                stored = Event.objects.create(
                    project=project, token_id=token_id, received_at=now, **_fields(event)
                )
        except IntegrityError:  # the same id at the same moment: the other copy won
            existing = _stored(project, event.sender_id)
            if existing is None:
                raise
        else:
            _refresh_after(stored, now=now)
            return EventRecorded(stored, created=True)
    differences = _differences(event, existing)
    if differences:
        raise EventConflict(event.sender_id, differences)
    return EventRecorded(existing, created=False)


def _stored(project: Project, sender_id: str) -> Event | None:
    return Event.objects.filter(project=project, sender_id=sender_id).first()


def _fields(event: NormalisedEvent) -> dict:
    return {
        "sender_id": event.sender_id,
        "kind": event.kind,
        "occurred_at": event.occurred_at,
        "environment": event.environment,
        "model_version": event.model_version,
        "state": event.state,
        "reference": event.reference,
        "detail": event.detail,
    }


def _differences(event: NormalisedEvent, stored: Event) -> list[str]:
    """The fields in which a repeat differs from the stored event, as the payload names them."""
    recorded = {
        "kind": stored.kind,
        "environment": stored.environment,
        "model_version": stored.model_version,
        "state": stored.state,
        "incident_id": stored.reference,
        **stored.detail,
        "occurred_at": stored.occurred_at,
    }
    sent = event.content()
    names = {*sent, *(name for name in recorded if name != "occurred_at")}
    return sorted(name for name in names if sent.get(name) != recorded.get(name))


# --- What an event changes ---------------------------------------------------------------------


def _refresh_after(event: Event, *, now: datetime.datetime) -> None:
    """Recompute the outcomes of the quarters `event` can change, and the ci facts after a
    pipeline run. A failure is logged, not raised: the event is recorded, and the next
    event of the quarter recomputes its outcomes."""
    try:
        with transaction.atomic():
            Project.objects.select_for_update().filter(pk=event.project_id).first()
            outcomes_refresh(project=event.project, quarters=quarters_changed_by(event))
            if event.kind == Event.Kind.PIPELINE_RUN:
                ci_facts_refresh(project=event.project, now=now)
    except Exception:  # reported; the sender's event stays recorded
        logger.exception(
            "Refreshing after event %s of project %s failed", event.pk, event.project_id
        )


def quarters_changed_by(event: Event) -> list[str]:
    """The quarters whose outcomes `event` can change, oldest first:

    1. its own quarter;
    2. a deployment, the quarters 7 days either side: it may take the blame for a failure
       from an earlier deployment, or be blamed for a failure in the next quarter;
    3. a rollback or an incident, the quarter 7 days before: the deployment it is blamed on;
    4. an incident resolved, the quarters it was opened in (its time to restore);
    5. a pipeline run whose training passed, the quarter of the next such run (the interval
       between them is counted there)."""
    moments = [event.occurred_at]
    if event.kind == Event.Kind.DEPLOYMENT:
        moments += [event.occurred_at - FAILURE_WINDOW, event.occurred_at + FAILURE_WINDOW]
    elif event.kind in (Event.Kind.ROLLBACK, Event.Kind.INCIDENT):
        moments.append(event.occurred_at - FAILURE_WINDOW)
    if event.kind == Event.Kind.INCIDENT and event.state == "resolved":
        moments += Event.objects.filter(
            project_id=event.project_id, kind=event.kind, state="opened", reference=event.reference
        ).values_list("occurred_at", flat=True)
    if event.kind == Event.Kind.PIPELINE_RUN and training_passed(event.detail.get("steps", [])):
        later = Event.objects.filter(
            project_id=event.project_id, kind=event.kind, occurred_at__gt=event.occurred_at
        ).order_by("occurred_at", "sender_id")
        for occurred_at, detail in later.values_list("occurred_at", "detail").iterator():
            if training_passed(detail.get("steps", [])):
                moments.append(occurred_at)
                break
    return sorted({quarter_of(timezone.localtime(moment).date()) for moment in moments})


def ci_facts_refresh(*, project: Project, now: datetime.datetime | None = None) -> list[Fact]:
    """The project's `ci.*` facts from its pipeline runs of the 30 days before `now`: one
    row per key and day, today's replaced, earlier days kept as history. Demo data when
    every run behind them is."""
    now = now or timezone.now()
    runs = list(
        Event.objects.filter(
            project=project,
            kind=Event.Kind.PIPELINE_RUN,
            occurred_at__gt=now - datetime.timedelta(days=WINDOW_DAYS),
            occurred_at__lte=now + FUTURE_TOLERANCE,
        ).values_list("detail", "is_demo")
    )
    rows = _ci_fact_rows(project.pk, runs, now)
    with transaction.atomic():
        _todays_ci_facts(now).filter(project=project).delete()
        return Fact.objects.bulk_create(rows)


def ci_facts_refresh_many(
    *, events: Mapping[int, Sequence[tuple]], now: datetime.datetime | None = None
) -> int:
    """For each project id in `events`, given every event the project has (tuples of
    `evidence.services.outcomes.EVENT_FIELDS`' values), store the `ci.*` facts
    `ci_facts_refresh(project=…, now=now)` stores: one delete and bulk inserts for all the
    projects. Returns how many facts it stored."""
    now = now or timezone.now()
    oldest, newest = now - datetime.timedelta(days=WINDOW_DAYS), now + FUTURE_TOLERANCE
    rows = []
    for project_id, project_events in events.items():
        runs = [
            (detail, is_demo)
            for kind, occurred_at, *_, detail, is_demo in project_events
            if kind == Event.Kind.PIPELINE_RUN and oldest < occurred_at <= newest
        ]
        rows += _ci_fact_rows(project_id, runs, now)
    with transaction.atomic():
        _todays_ci_facts(now).filter(project_id__in=list(events)).delete()
        Fact.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def _ci_fact_rows(
    project_id: int, runs: Sequence[tuple[dict, bool]], now: datetime.datetime
) -> list[Fact]:
    """The `ci.*` facts of a project's recent runs (detail, is_demo), observed `now`."""
    is_demo = bool(runs) and all(demo for _, demo in runs)
    return [
        Fact(
            project_id=project_id,
            key=fact.key,
            value=fact.value,
            detail=fact.detail,
            observed_at=now,
            collection=None,
            is_demo=is_demo,
        )
        for fact in ci_facts_compute(detail.get("steps", []) for detail, _ in runs)
    ]


def _todays_ci_facts(now: datetime.datetime) -> QuerySet[Fact]:
    """The `ci.*` facts observed on `now`'s day, which a refresh replaces."""
    start = timezone.make_aware(
        datetime.datetime.combine(timezone.localtime(now).date(), datetime.time.min)
    )
    return Fact.objects.filter(
        key__in=CI_FACT_KEYS,
        observed_at__gte=start,
        observed_at__lt=start + datetime.timedelta(days=1),
    )
