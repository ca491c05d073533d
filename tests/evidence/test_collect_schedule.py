"""Asking for collections ("Collect now" and the daily tick) and the tick's housekeeping:
one collection in flight per project, one scheduled a day, stuck ones failed, lost ones
queued again, and facts kept for EVIDENCE_RETENTION_DAYS."""

import datetime
from unittest import mock

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from core.models import AuditEntry
from evidence.models import Collection, Fact, MlflowConnection
from evidence.services import collections
from evidence.services.collections import (
    collection_request,
    collection_schedule_due,
    collections_housekeep,
)
from scheduler import tick
from tests.factories import ProjectFactory

NOW = datetime.datetime(2026, 11, 20, 9, 5, tzinfo=datetime.UTC)
TODAY = NOW.date()


@pytest.fixture
def dispatched():
    with mock.patch("evidence.tasks.collection_run.delay_on_commit") as delay:
        yield delay


def connect(project):
    return MlflowConnection.objects.create(
        project=project, tracking_url="http://mlflow.internal:5000", experiment_names=["x"]
    )


# --- Collect now ------------------------------------------------------------------------------


def test_it_refuses_a_project_without_a_connection_with_a_sentence(project, alice, dispatched):
    with pytest.raises(ValidationError) as refused:
        collection_request(project=project, user=alice)
    assert refused.value.messages == [
        "Connect this project to its MLflow tracking server first: there is nothing to collect "
        "from yet."
    ]
    assert not Collection.objects.exists() and not dispatched.called


def test_it_queues_a_collection_and_dispatches_it_after_commit(
    project, alice, dispatched, django_capture_on_commit_callbacks
):
    connect(project)
    with django_capture_on_commit_callbacks(execute=True):
        collection = collection_request(project=project, user=alice)
    assert (collection.status, collection.trigger, collection.requested_by) == (
        "queued",
        "request",
        alice,
    )
    assert (collection.steps_done, collection.steps_total) == (0, 5)
    dispatched.assert_called_once_with(collection.pk)
    entry = AuditEntry.objects.get(action="collection.request")
    assert (entry.actor, entry.target_id) == (alice, collection.pk)


def test_it_answers_with_the_collection_in_flight_instead_of_a_second(
    project, alice, bob, dispatched, django_capture_on_commit_callbacks
):
    connect(project)
    with django_capture_on_commit_callbacks(execute=True):
        first = collection_request(project=project, user=alice)
        Collection.objects.filter(pk=first.pk).update(status="running")
        again = collection_request(project=project, user=bob)
    assert again.pk == first.pk
    assert dispatched.call_count == 1
    Collection.objects.filter(pk=first.pk).update(status="failed")
    with django_capture_on_commit_callbacks(execute=True):
        third = collection_request(project=project, user=bob)
    assert third.pk != first.pk and dispatched.call_count == 2


def test_a_request_that_loses_the_race_gets_the_winners_collection(project, alice, dispatched):
    connect(project)
    winner = Collection.objects.create(project=project, trigger="request")
    with mock.patch.object(collections, "_in_flight") as in_flight:
        # The first look finds nothing; the winner's row is there when the insert fails.
        in_flight.return_value.first.side_effect = [None, winner]
        assert collection_request(project=project, user=alice) == winner
    assert Collection.objects.count() == 1


def test_the_database_allows_one_collection_in_flight_per_project(project):
    Collection.objects.create(project=project, trigger="request")
    with pytest.raises(IntegrityError):
        Collection.objects.create(project=project, trigger="schedule", status="running")


# --- The daily collection ---------------------------------------------------------------------


def test_it_queues_one_collection_a_day_per_connected_active_project(
    project, other_project, team, dispatched, django_capture_on_commit_callbacks
):
    connect(project)
    connect(other_project)
    archived = ProjectFactory(team=team, name="Old", slug="old")
    archived.archived_at = NOW
    archived.save()
    connect(archived)
    ProjectFactory(team=team, name="Unconnected", slug="unconnected")
    with time_machine.travel(NOW), django_capture_on_commit_callbacks(execute=True):
        first = collection_schedule_due(today=TODAY)
        Collection.objects.update(status="succeeded")
        second = collection_schedule_due(today=TODAY)
    assert {c.project for c in first} == {project, other_project}
    assert {c.trigger for c in first} == {"schedule"}
    assert second == []
    assert dispatched.call_count == 2
    with time_machine.travel(NOW + datetime.timedelta(days=1)):
        tomorrow = collection_schedule_due(today=TODAY + datetime.timedelta(days=1))
    assert len(tomorrow) == 2


def test_it_leaves_a_project_with_a_collection_in_flight_to_a_later_tick(
    project, alice, dispatched
):
    connect(project)
    asked = Collection.objects.create(project=project, trigger="request", requested_by=alice)
    with time_machine.travel(NOW):
        assert collection_schedule_due(today=TODAY) == []
        Collection.objects.filter(pk=asked.pk).update(status="succeeded")
        [scheduled] = collection_schedule_due(today=TODAY)
    assert scheduled.trigger == "schedule"


def test_the_tick_queues_the_days_collections_once(project, dispatched):
    connect(project)
    with (
        mock.patch("reports.tasks.report_generate.delay_on_commit"),
        time_machine.travel(NOW),
    ):
        first = tick.schedule_tick()
        Collection.objects.update(status="succeeded")
        second = tick.schedule_tick()
    assert [c.project for c in first.collections_queued] == [project]
    assert second.collections_queued == []


# --- Housekeeping -----------------------------------------------------------------------------


def started(project, minutes_ago, **fields):
    at = NOW - datetime.timedelta(minutes=minutes_ago)
    return Collection.objects.create(
        project=project, trigger="schedule", created_at=at, started_at=at, **fields
    )


def test_it_fails_a_collection_stuck_running_past_30_minutes(project, other_project, dispatched):
    stuck = started(project, 31, status="running", step_label="Reading runs: page 3")
    alive = started(other_project, 29, status="running")
    result = collections_housekeep(now=NOW, retention_days=400)
    assert result.rescued == [stuck]
    stuck.refresh_from_db()
    alive.refresh_from_db()
    assert (stuck.status, stuck.error_kind, stuck.finished_at) == ("failed", "interrupted", NOW)
    assert stuck.error == (
        "The collection stopped at “Reading runs: page 3” and did not finish (its worker was "
        "stopped or lost); the next collection will try again."
    )
    assert alive.status == "running"


def test_it_queues_again_a_collection_whose_task_was_lost(
    project, other_project, dispatched, django_capture_on_commit_callbacks
):
    lost = Collection.objects.create(
        project=project, trigger="request", created_at=NOW - datetime.timedelta(minutes=11)
    )
    Collection.objects.create(
        project=other_project, trigger="request", created_at=NOW - datetime.timedelta(minutes=9)
    )
    with django_capture_on_commit_callbacks(execute=True):
        result = collections_housekeep(now=NOW, retention_days=400)
    assert result.requeued == [lost]
    dispatched.assert_called_once_with(lost.pk)


def test_it_deletes_facts_and_collections_past_the_retention(project):
    old = started(
        project, 60 * 24 * 11, status="succeeded", finished_at=NOW - datetime.timedelta(days=11)
    )
    recent = started(
        project, 60 * 24 * 9, status="succeeded", finished_at=NOW - datetime.timedelta(days=9)
    )
    for collection in (old, recent):
        Fact.objects.create(
            project=project,
            key="mlflow.runs_30d",
            value=3,
            observed_at=collection.finished_at,
            collection=collection,
        )
    result = collections_housekeep(now=NOW, retention_days=10)
    assert (result.facts_deleted, result.collections_deleted) == (1, 1)
    assert list(Fact.objects.values_list("collection", flat=True)) == [recent.pk]
    assert list(Collection.objects.all()) == [recent]


def test_the_tick_applies_the_retention_setting(project, settings):
    settings.EVIDENCE_RETENTION_DAYS = 30
    for days in (31, 29):
        Fact.objects.create(
            project=project,
            key="mlflow.runs_30d",
            value=days,
            observed_at=NOW - datetime.timedelta(days=days),
        )
    with (
        mock.patch("reports.tasks.report_generate.delay_on_commit"),
        time_machine.travel(NOW),
    ):
        result = tick.schedule_tick()
    assert result.evidence_housekeeping.facts_deleted == 1
    assert list(Fact.objects.values_list("value", flat=True)) == [29]
