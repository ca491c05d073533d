"""The event service beyond the endpoint: which quarters an arriving event makes it
recompute, and the daily housekeeping, which deletes events past the retention but keeps
the outcomes computed from them."""

import datetime
import threading

import pytest
from django.db import connection, connections

from evidence.models import Event, Outcome
from evidence.services.collections import collections_housekeep
from evidence.services.events import event_record, quarters_changed_by

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 11, 20, 12, 0, tzinfo=datetime.UTC)


def event(project, sender_id: str, kind: str, when: str, **fields) -> Event:
    return Event.objects.create(
        project=project,
        sender_id=sender_id,
        kind=kind,
        occurred_at=datetime.datetime.fromisoformat(when),
        **fields,
    )


TRAINED = {"steps": [{"name": "training", "result": "passed"}]}


@pytest.mark.parametrize(
    ("kind", "when", "fields", "quarters"),
    [
        ("deployment", "2026-11-15T10:00:00+00:00", {}, ["2026-Q4"]),
        # 7 days either side: the deployment blamed before it, the failure after it
        ("deployment", "2026-10-03T10:00:00+00:00", {}, ["2026-Q3", "2026-Q4"]),
        ("deployment", "2026-12-28T10:00:00+00:00", {}, ["2026-Q4", "2027-Q1"]),
        # a failure early in a quarter: the deployment it is blamed on, in the last one
        ("rollback", "2026-10-05T10:00:00+00:00", {}, ["2026-Q3", "2026-Q4"]),
        ("incident", "2026-10-08T10:00:00+00:00", {"state": "opened"}, ["2026-Q4"]),
        ("incident", "2026-10-07T10:00:00+00:00", {"state": "opened"}, ["2026-Q3", "2026-Q4"]),
        ("pipeline_run", "2026-12-30T10:00:00+00:00", {"detail": TRAINED}, ["2026-Q4"]),
    ],
)
def test_an_event_refreshes_its_quarter_and_those_it_can_reach(
    project, kind, when, fields, quarters
):
    assert quarters_changed_by(event(project, "e", kind, when, **fields)) == quarters


def test_a_resolution_refreshes_the_quarter_the_incident_was_opened_in(project):
    event(project, "o", "incident", "2026-06-20T10:00:00+00:00", state="opened", reference="I-1")
    resolved = event(
        project, "r", "incident", "2026-11-02T10:00:00+00:00", state="resolved", reference="I-1"
    )
    assert quarters_changed_by(resolved) == ["2026-Q2", "2026-Q4"]


def test_a_training_run_refreshes_the_quarter_of_the_next_one(project):
    failed = {"steps": [{"name": "training", "result": "failed"}]}
    event(project, "later-failed", "pipeline_run", "2026-11-01T10:00:00+00:00", detail=failed)
    event(project, "next", "pipeline_run", "2027-02-01T10:00:00+00:00", detail=TRAINED)
    event(project, "after", "pipeline_run", "2027-05-01T10:00:00+00:00", detail=TRAINED)
    run = event(project, "run", "pipeline_run", "2026-08-01T10:00:00+00:00", detail=TRAINED)
    assert quarters_changed_by(run) == ["2026-Q3", "2027-Q1"]


def test_housekeeping_deletes_events_past_the_retention_and_keeps_the_outcomes(project):
    for sender_id, days in (("old", 399), ("kept", 397)):
        payload = {
            "id": sender_id,
            "kind": "deployment",
            "model_version": "1",
            "occurred_at": (NOW - datetime.timedelta(days=days)).isoformat(),
        }
        event_record(project=project, token_id=None, payload=payload, now=NOW)
    quarters = set(Outcome.objects.values_list("quarter", flat=True))
    assert quarters == {"2025-Q4"}

    result = collections_housekeep(now=NOW + datetime.timedelta(days=2), retention_days=400)
    assert result.events_deleted == 1
    assert list(Event.objects.values_list("sender_id", flat=True)) == ["kept"]
    assert set(Outcome.objects.values_list("quarter", flat=True)) == quarters


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite takes one writer at a time: no race"
)
@pytest.mark.django_db(transaction=True)
def test_two_copies_sent_at_once_record_one_event(project):
    """Both copies pass the first look; the unique constraint lets one insert, and the other
    reads it back: one 201 and one 200, never a 500 or a second row."""
    payload = {"id": "race", "kind": "deployment", "model_version": "3"}
    start = threading.Barrier(2)
    created: list[bool] = []

    def send() -> None:
        try:
            start.wait()
            created.append(event_record(project=project, token_id=None, payload=payload).created)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(created) == [False, True]
    assert Event.objects.filter(sender_id="race").count() == 1
