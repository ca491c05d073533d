"""Collecting facts from a project's MLflow: asked for on the project page, queued daily by
the tick, run by a worker (evidence.tasks.collection_run).

A collection moves queued -> running -> succeeded | failed. The running claim carries its
start time as a token (as reports do), so a run given up on by the rescue cannot overwrite
the outcome of a later one. Its facts are written all together, in one transaction with the
status succeeded, or not at all: a fault half-way (the server stops, times out, answers
401, 500 or nonsense, or has too much to page through) fails the collection with a sentence
and leaves the earlier facts as they were. The connection's token is decrypted only to be
sent, and is in no error, log line or audit entry.
"""

import contextlib
import datetime
import logging
import traceback
from dataclasses import dataclass

from celery.exceptions import SoftTimeLimitExceeded
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from core.audit import audit_record
from core.dispatch import dispatch_on_commit
from evidence.collectors.mlflow.client import MlflowClient, MlflowError
from evidence.collectors.mlflow.reading import STEPS, mlflow_read
from evidence.models import Collection, Event, Fact, MlflowConnection
from evidence.rules.mlflow_facts import FactValue, facts_compute
from evidence.secrets import InvalidToken, token_decrypt
from teams.models import Project

logger = logging.getLogger(__name__)

SOURCE = "mlflow"
TASK = "evidence.tasks.collection_run"
# A collection running this long lost its worker: the tick marks it failed. The task's hard
# time limit (evidence.tasks) is below it, so a live run is never rescued.
STUCK_AFTER = datetime.timedelta(minutes=30)
# A collection still queued this long after it was asked for lost its task: queue it again
# (harmless if it was not lost: a run starts with a claim).
QUEUED_RESCUE_AFTER = datetime.timedelta(minutes=10)
NO_CONNECTION = (
    "Connect this project to its MLflow tracking server first: there is nothing to collect "
    "from yet."
)


# --- Asking for collections -------------------------------------------------------------------


def collection_request(*, project: Project, user: User) -> Collection:
    """A collection asked for on the project page, queued for a worker. While one is queued
    or running for the project, that one is returned instead of a second."""
    if not MlflowConnection.objects.filter(project=project).exists():
        raise ValidationError(NO_CONNECTION)
    in_flight = _in_flight(project.pk).first()
    if in_flight is not None:
        return in_flight
    try:
        with transaction.atomic():
            collection = _create(project.pk, Collection.Trigger.REQUEST, user)
            audit_record(actor=user, action="collection.request", target=collection)
    except IntegrityError:  # a request at the same moment won the race: use its collection
        existing = _in_flight(project.pk).first()
        if existing is None:
            raise
        return existing
    return collection


def collection_schedule_due(*, today: datetime.date) -> list[Collection]:
    """Today's collection for every connected, active project, queued on the first tick of
    the day. The scheduled collection created today is the day's claim: a later tick finds
    it and queues nothing. A project with a collection in flight is left to the next tick
    (the one-in-flight constraint decides, also between two ticks at once)."""
    connected = set(
        MlflowConnection.objects.filter(project__archived_at__isnull=True).values_list(
            "project_id", flat=True
        )
    )
    done_today = set(
        Collection.objects.filter(
            source=SOURCE, trigger=Collection.Trigger.SCHEDULE, created_at__date=today
        ).values_list("project_id", flat=True)
    )
    queued = []
    for project_id in sorted(connected - done_today):
        try:
            with transaction.atomic():
                queued.append(_create(project_id, Collection.Trigger.SCHEDULE, None))
        except IntegrityError:
            continue
    return queued


def _create(project_id: int, trigger: str, user: User | None) -> Collection:
    collection = Collection.objects.create(
        project_id=project_id,
        source=SOURCE,
        trigger=trigger,
        requested_by=user,
        steps_total=len(STEPS),
        step_label="Waiting for a worker",
    )
    dispatch_on_commit(TASK, collection.pk)
    return collection


def _in_flight(project_id: int) -> QuerySet[Collection]:
    return Collection.objects.filter(
        project_id=project_id,
        source=SOURCE,
        status__in=[Collection.Status.QUEUED, Collection.Status.RUNNING],
    )


# --- The tick's housekeeping ------------------------------------------------------------------


@dataclass(frozen=True)
class Housekeeping:
    rescued: list[Collection]  # stuck in running, now failed
    requeued: list[Collection]  # queued too long, their task queued again
    facts_deleted: int
    collections_deleted: int
    events_deleted: int


def collections_housekeep(*, now: datetime.datetime, retention_days: int) -> Housekeeping:
    """1. Fail the collections running for more than STUCK_AFTER: their worker died.
    2. Queue again the task of collections queued for more than QUEUED_RESCUE_AFTER.
    3. Delete facts observed, collections finished and events that occurred more than
       `retention_days` ago. Outcomes computed from those events stay: they are the
       history the pages show."""
    stuck = list(
        Collection.objects.filter(
            status=Collection.Status.RUNNING, started_at__lt=now - STUCK_AFTER
        )
    )
    rescued = [collection for collection in stuck if _rescue(collection, now)]
    requeued = list(
        Collection.objects.filter(
            status=Collection.Status.QUEUED, created_at__lt=now - QUEUED_RESCUE_AFTER
        )
    )
    for collection in requeued:
        dispatch_on_commit(TASK, collection.pk)
    cutoff = now - datetime.timedelta(days=retention_days)
    facts_deleted, _ = Fact.objects.filter(observed_at__lt=cutoff).delete()
    collections_deleted, _ = Collection.objects.filter(
        finished_at__lt=cutoff, status__in=[Collection.Status.SUCCEEDED, Collection.Status.FAILED]
    ).delete()
    events_deleted, _ = Event.objects.filter(occurred_at__lt=cutoff).delete()
    return Housekeeping(rescued, requeued, facts_deleted, collections_deleted, events_deleted)


def _rescue(collection: Collection, now: datetime.datetime) -> bool:
    assert collection.started_at is not None  # running: claimed with a start time
    error = (
        f"The collection stopped at “{collection.step_label}” and did not finish (its worker "
        "was stopped or lost); the next collection will try again."
    )
    _finish_failed(collection.pk, collection.started_at, "interrupted", error, now=now)
    collection.refresh_from_db()
    return collection.status == Collection.Status.FAILED


# --- Running one ------------------------------------------------------------------------------


def collection_run(*, collection_id: int) -> Collection | None:
    """Run a queued collection; None if it is not queued (done, or another worker has it).

    1. Claim it: queued -> running, with the start time as the claim's token.
    2. Read the connection and decrypt its token.
    3. Walk MLflow's REST API (evidence.collectors.mlflow.reading), recording each step's
       progress in its own small update, so the project page can poll it.
    4. Compute every fact the data supports (evidence.rules.mlflow_facts).
    5. In one transaction: write them all and mark the collection succeeded.
    Any fault marks it failed with its kind and a sentence, and writes no fact.
    """
    started = timezone.now()
    claimed = Collection.objects.filter(pk=collection_id, status=Collection.Status.QUEUED).update(
        status=Collection.Status.RUNNING,
        started_at=started,
        steps_done=0,
        steps_total=len(STEPS),
        step_label=STEPS[0],
        error_kind="",
        error="",
    )
    if not claimed:
        return None
    collection = Collection.objects.select_related("project").get(pk=collection_id)
    try:
        facts = _collect(collection, started)
    except MlflowError as error:
        logger.warning("Collection %s for %s failed: %s", collection.pk, collection.project, error)
        _finish_failed(collection.pk, started, error.kind, error.sentence)
    except SoftTimeLimitExceeded:
        _finish_failed(
            collection.pk,
            started,
            "timeout",
            "The collection took longer than its time limit and was stopped: name fewer "
            "experiments or models in the connection, or try again later.",
        )
    except Exception as error:  # noqa: BLE001 - a bug must fail the row, not leave it running
        _log_unexpected(collection, error)
        _finish_failed(
            collection.pk,
            started,
            "internal",
            "The collection failed inside the portal, not in MLflow; the worker's log has the "
            "details. The next collection will try again.",
        )
    else:
        _finish_succeeded(collection, started, facts)
    collection.refresh_from_db()
    return collection


@sensitive_variables("token")
def _collect(collection: Collection, started: datetime.datetime) -> list[FactValue]:
    connection = MlflowConnection.objects.filter(project_id=collection.project_id).first()
    if connection is None:
        raise MlflowError(
            "not_connected",
            "The project's MLflow connection was removed before this collection ran.",
        )
    token = _token(connection)
    client = MlflowClient(connection.tracking_url, token=token)
    try:
        reading = mlflow_read(
            client,
            experiment_names=connection.experiment_names,
            model_names=connection.model_names,
            alias=connection.production_alias,
            now=int(started.timestamp() * 1000),
            progress=lambda done, label: _progress(collection.pk, started, done, label),
        )
    finally:
        client.close()
    return facts_compute(reading)


@sensitive_variables("token")
def _token(connection: MlflowConnection) -> str:
    if not connection.has_token:
        return ""
    try:
        return token_decrypt(bytes(connection.token_encrypted))
    except InvalidToken:
        raise MlflowError(
            "token",
            "The connection's token can no longer be read (the portal's encryption key "
            "changed since it was saved): enter the token again.",
        ) from None


def _running(collection_id: int, token: datetime.datetime) -> QuerySet[Collection]:
    return Collection.objects.filter(
        pk=collection_id, status=Collection.Status.RUNNING, started_at=token
    )


def _progress(collection_id: int, token: datetime.datetime, done: int, label: str) -> None:
    _running(collection_id, token).update(steps_done=done, step_label=label[:200])


def _finish_succeeded(
    collection: Collection, token: datetime.datetime, facts: list[FactValue]
) -> None:
    with transaction.atomic():
        finished = timezone.now()
        marked = _running(collection.pk, token).update(
            status=Collection.Status.SUCCEEDED,
            finished_at=finished,
            steps_done=len(STEPS),
            step_label="Done",
            facts_recorded=len(facts),
        )
        if not marked:  # rescued as stuck meanwhile: its outcome stands
            return
        Fact.objects.bulk_create(
            Fact(
                project_id=collection.project_id,
                key=fact.key,
                value=fact.value,
                detail=fact.detail,
                observed_at=finished,
                collection=collection,
            )
            for fact in facts
        )


def _finish_failed(
    collection_id: int,
    token: datetime.datetime,
    kind: str,
    error: str,
    *,
    now: datetime.datetime | None = None,
) -> None:
    _running(collection_id, token).update(
        status=Collection.Status.FAILED,
        finished_at=now or timezone.now(),
        error_kind=kind[:20],
        error=error[:500],
    )


@sensitive_variables("token")
def _log_unexpected(collection: Collection, error: Exception) -> None:
    """The traceback of a fault in the portal's own code, with the token blanked out in
    case an exception's message quoted it."""
    text = "".join(traceback.format_exception(error))
    connection = MlflowConnection.objects.filter(project_id=collection.project_id).first()
    if connection is not None and connection.has_token:
        with contextlib.suppress(InvalidToken):
            token = token_decrypt(bytes(connection.token_encrypted))
            text = text.replace(token, "<token>") if token else text
    logger.error("Collection %s for %s failed:\n%s", collection.pk, collection.project, text)
