"""Running a collection (evidence.services.collections.collection_run) against a loopback
server that answers as MLflow's REST API does, or with the fault a test needs: the facts are
written all together with the collection's outcome, or not at all."""

import datetime
import logging
from unittest import mock

import pytest
import time_machine
from celery.exceptions import SoftTimeLimitExceeded
from cryptography.fernet import Fernet

from evidence import tasks
from evidence.collectors.mlflow import client as client_module
from evidence.models import Collection, Fact, MlflowConnection
from evidence.rules.facts import facts_of
from evidence.secrets import token_encrypt
from evidence.services import collections
from evidence.services.collections import collection_run
from tests.evidence.scripted_http import closed_url, paged, scripted_server

TOKEN = "mlflow-token-Hk38vQ-never-shown"
NOW = datetime.datetime(2026, 11, 20, 9, 0, tzinfo=datetime.UTC)
NOW_MS = int(NOW.timestamp() * 1000)
DAY = 86_400_000
# What a collection records: the CI facts come from events, not from MLflow.
MLFLOW_FACTS = facts_of("mlflow")


def run(run_id, days_ago, *, git=True, dataset=True, metric=True):
    return {
        "info": {"run_id": run_id, "start_time": NOW_MS - days_ago * DAY},
        "data": {
            **({"tags": [{"key": "mlflow.source.git.commit", "value": "ab12"}]} if git else {}),
            **({"metrics": [{"key": "auc", "value": 0.9}]} if metric else {}),
        },
        "inputs": {"dataset_inputs": [{"dataset": {"name": "tx"}}]} if dataset else {},
    }


RUNS = [run(f"r{n}", n, dataset=n % 3 != 0, git=n % 2 == 0) for n in range(1, 8)]
VERSIONS = [
    {"name": "scorer", "version": "1", "creation_timestamp": NOW_MS - 50 * DAY, "run_id": "r1"},
    {"name": "scorer", "version": "2", "creation_timestamp": NOW_MS - 20 * DAY, "run_id": "r2"},
    {"name": "scorer", "version": "3", "creation_timestamp": NOW_MS - 6 * DAY},
]


def mlflow_like(server, *, page_size=3):
    """Answers for an experiment 'training' (id 7), RUNS, a model 'scorer' with VERSIONS
    and its alias 'production' on version 2."""

    def experiment(request):
        if request.query["experiment_name"] == ["training"]:
            return {"experiment": {"experiment_id": "7", "name": "training"}}
        return 404, {"error_code": "RESOURCE_DOES_NOT_EXIST", "message": "no such experiment"}

    def models(request):
        if request.query["filter"] == ["name = 'scorer'"]:
            return {
                "registered_models": [
                    {"name": "scorer", "aliases": [{"alias": "production", "version": "2"}]}
                ]
            }
        return {}

    server.on("GET", "experiments/get-by-name", experiment)
    server.on("POST", "runs/search", paged(RUNS, "runs", page_size))
    server.on("GET", "registered-models/search", models)
    server.on("GET", "model-versions/search", paged(VERSIONS, "model_versions", 2))
    server.on("GET", "registered-models/alias", {"model_version": VERSIONS[1]})


@pytest.fixture
def mlflow(project):
    with scripted_server() as server:
        mlflow_like(server)
        MlflowConnection.objects.create(
            project=project,
            tracking_url=server.url,
            experiment_names=["training"],
            model_names=["scorer", "retired-model"],
            token_encrypted=token_encrypt(TOKEN),
        )
        yield server


def queued(project) -> Collection:
    return Collection.objects.create(project=project, trigger=Collection.Trigger.REQUEST)


def collect(project, at=NOW) -> Collection:
    with time_machine.travel(at, tick=False):
        return collection_run(collection_id=queued(project).pk)


def facts(project):
    return {fact.key: (fact.value, fact.detail) for fact in Fact.objects.filter(project=project)}


def test_it_records_every_fact_the_data_supports_at_the_collections_finish(project, mlflow):
    collection = collect(project)
    assert collection.status == Collection.Status.SUCCEEDED
    assert (collection.started_at, collection.finished_at) == (NOW, NOW)
    assert (collection.steps_done, collection.steps_total, collection.step_label) == (5, 5, "Done")
    assert collection.facts_recorded == len(MLFLOW_FACTS) == Fact.objects.count()
    assert set(Fact.objects.values_list("observed_at", "collection", "is_demo")) == {
        (NOW, collection.pk, False)
    }
    # 7 runs: git on even days (3), dataset unless the day divides by 3 (5), metrics (7).
    assert facts(project) == {
        "mlflow.runs_30d": (7, {"experiments": 1}),
        "mlflow.git_commit_share_30d": (0.4286, {"count": 3, "total": 7}),
        "mlflow.dataset_inputs_share_30d": (0.7143, {"count": 5, "total": 7}),
        "mlflow.metrics_share_30d": (1.0, {"count": 7, "total": 7}),
        "mlflow.registered_models": (1, {"total": 2, "missing": ["retired-model"]}),
        "mlflow.versions_linked_share": (0.6667, {"count": 2, "total": 3}),
        "mlflow.production_alias_share": (1.0, {"count": 1, "total": 1, "alias": "production"}),
        "mlflow.production_age_days": (
            20.0,
            {
                "alias": "production",
                "model": "scorer",
                "version": "2",
                "measured_from": "version_created",
                "models": 1,
            },
        ),
        "mlflow.retraining_interval_days": (22.0, {"total": 2, "versions": 3}),
    }


def test_it_asks_for_the_last_30_days_of_runs_page_by_page_with_the_token(project, mlflow):
    collect(project)
    searches = mlflow.calls("runs/search")
    assert len(searches) == 3  # 7 runs, 3 a page
    assert searches[0].body == {
        "experiment_ids": ["7"],
        "filter": f"attributes.start_time >= {NOW_MS - 30 * DAY}",
        "order_by": ["attributes.start_time DESC"],
        "run_view_type": "ACTIVE_ONLY",
        "max_results": 1000,
    }
    assert [s.body.get("page_token") for s in searches] == [None, "3", "6"]
    assert {r.headers["Authorization"] for r in mlflow.received} == {f"Bearer {TOKEN}"}
    assert [r.query["filter"] for r in mlflow.calls("registered-models/search")] == [
        ["name = 'scorer'"],
        ["name = 'retired-model'"],
    ]
    assert mlflow.calls("registered-models/alias")[0].query == {
        "name": ["scorer"],
        "alias": ["production"],
    }


def test_it_records_its_progress_in_the_row_as_it_goes(project, mlflow):
    seen = []
    original = collections._progress

    def spy(collection_id, token, done, label):
        original(collection_id, token, done, label)
        row = Collection.objects.get(pk=collection_id)
        seen.append((row.status, row.steps_done, row.step_label))

    with mock.patch.object(collections, "_progress", spy):
        collect(project)
    assert seen == [
        ("running", 0, "Finding experiments"),
        ("running", 1, "Reading runs"),
        ("running", 1, "Reading runs: page 1, 3 runs so far"),
        ("running", 1, "Reading runs: page 2, 6 runs so far"),
        ("running", 1, "Reading runs: page 3, 7 runs so far"),
        ("running", 2, "Reading registered models"),
        ("running", 3, "Reading model versions: scorer (1 of 1)"),
        ("running", 4, "Recording facts"),
    ]


def fault_500(server, project):
    server.on("POST", "runs/search", {"error_code": "INTERNAL_ERROR"}, status=500)


def fault_401(server, project):
    server.on("GET", "experiments/get-by-name", {}, status=401)


def fault_malformed(server, project):
    server.on("GET", "model-versions/search", raw=b"<html>Bad gateway</html>")


def fault_shape(server, project):
    server.on("POST", "runs/search", {"runs": [{"info": {"run_id": "r1"}}]})


def fault_slow(server, project):
    server.on("GET", "registered-models/search", {}, delay=1.0)


def fault_down(server, project):
    MlflowConnection.objects.filter(project=project).update(tracking_url=closed_url())


def fault_too_large(server, project):
    server.on("POST", "runs/search", paged(RUNS * 100, "runs", 1))


def fault_missing_experiment(server, project):
    MlflowConnection.objects.filter(project=project).update(experiment_names=["trainin"])


@pytest.mark.parametrize(
    ("fault", "kind", "sentence"),
    [
        (fault_500, "server_error", "answered 500 Internal Server Error to runs/search"),
        (fault_401, "unauthorised", "answered 401 Unauthorized: check the connection's token."),
        (fault_malformed, "malformed", "answered model-versions/search with something other"),
        (fault_shape, "malformed", "(a run's start_time is not a time in milliseconds)"),
        (fault_slow, "timeout", "did not answer within 0.3 s"),
        (fault_down, "unreachable", "Could not connect to MLflow at http://127.0.0.1:"),
        (fault_too_large, "too_large", "has more than 4,000 runs to read for runs/search"),
        (fault_missing_experiment, "not_found", "has no experiment named 'trainin'"),
    ],
)
def test_a_failed_collection_keeps_the_earlier_facts_and_records_why(
    project, mlflow, settings, monkeypatch, fault, kind, sentence
):
    first = collect(project, at=NOW - datetime.timedelta(days=1))
    before = list(Fact.objects.order_by("id").values_list("id", "key", "value", "observed_at"))
    assert len(before) == len(MLFLOW_FACTS)
    settings.EVIDENCE_HTTP_TIMEOUT = 0.3
    monkeypatch.setattr(client_module, "MAX_PAGES", 4)
    fault(mlflow, project)
    failed = collect(project)
    assert (failed.status, failed.error_kind) == (Collection.Status.FAILED, kind)
    assert sentence in failed.error
    assert TOKEN not in failed.error
    assert failed.finished_at is not None and failed.facts_recorded == 0
    after = list(Fact.objects.order_by("id").values_list("id", "key", "value", "observed_at"))
    assert after == before
    assert set(Fact.objects.values_list("collection", flat=True)) == {first.pk}


def test_the_next_collection_recovers_after_a_failure(project, mlflow):
    mlflow.on("POST", "runs/search", {}, status=503)
    assert collect(project).status == Collection.Status.FAILED
    mlflow_like(mlflow)
    recovered = collect(project, at=NOW + datetime.timedelta(hours=1))
    assert recovered.status == Collection.Status.SUCCEEDED
    assert (recovered.error_kind, recovered.error) == ("", "")
    assert Fact.objects.filter(collection=recovered).count() == len(MLFLOW_FACTS)


def test_the_token_is_in_no_log_line_and_no_error(project, mlflow, caplog):
    caplog.set_level(logging.DEBUG)
    fault_401(mlflow, project)
    failed = collect(project)
    mlflow_like(mlflow)
    with mock.patch.object(
        collections, "facts_compute", side_effect=RuntimeError(f"bad token {TOKEN}")
    ):
        broken = collect(project)
    assert mlflow.received[0].headers["Authorization"] == f"Bearer {TOKEN}"
    assert failed.error_kind == "unauthorised" and broken.error_kind == "internal"
    assert "the worker's log has the details" in broken.error
    assert "RuntimeError: bad token <token>" in caplog.text  # logged, with the token blanked
    assert "answered 401 Unauthorized" in caplog.text
    assert TOKEN not in caplog.text
    assert all(TOKEN not in row.error for row in Collection.objects.all())


def test_it_runs_a_collection_once(project, mlflow):
    collection = queued(project)
    assert collection_run(collection_id=collection.pk).status == Collection.Status.SUCCEEDED
    requests_made = len(mlflow.received)
    assert collection_run(collection_id=collection.pk) is None
    assert len(mlflow.received) == requests_made
    assert Fact.objects.count() == len(MLFLOW_FACTS)


def test_it_fails_when_the_connection_was_removed_meanwhile(project, mlflow):
    collection = queued(project)
    MlflowConnection.objects.filter(project=project).delete()
    failed = collection_run(collection_id=collection.pk)
    assert (failed.status, failed.error_kind) == (Collection.Status.FAILED, "not_connected")
    assert mlflow.received == []


def test_it_asks_for_the_token_again_when_the_key_changed(project, mlflow, settings):
    settings.EVIDENCE_ENCRYPTION_KEY = Fernet.generate_key().decode()
    failed = collect(project)
    assert failed.error_kind == "token"
    assert "enter the token again" in failed.error
    assert mlflow.received == []


def test_it_writes_nothing_for_a_collection_given_up_on_meanwhile(project, mlflow):
    """The tick rescued it as stuck while it ran: its late outcome must not land."""
    original = collections.mlflow_read

    def slow_read(*args, **kwargs):
        reading = original(*args, **kwargs)
        Collection.objects.update(status=Collection.Status.FAILED, error_kind="interrupted")
        return reading

    with mock.patch.object(collections, "mlflow_read", slow_read):
        collection = collect(project)
    assert (collection.status, collection.error_kind) == ("failed", "interrupted")
    assert Fact.objects.count() == 0


def test_it_fails_cleanly_at_the_tasks_soft_time_limit(project, mlflow):
    with mock.patch.object(collections, "mlflow_read", side_effect=SoftTimeLimitExceeded()):
        failed = collect(project)
    assert (failed.status, failed.error_kind) == (Collection.Status.FAILED, "timeout")
    assert "time limit" in failed.error


def test_the_task_runs_the_collection(project, mlflow):
    collection = queued(project)
    tasks.collection_run(collection.pk)
    collection.refresh_from_db()
    assert collection.status == Collection.Status.SUCCEEDED
    assert tasks.collection_run.time_limit < collections.STUCK_AFTER.total_seconds()
    assert tasks.collection_run.acks_late


def test_collections_start_their_window_at_their_own_start(project, mlflow):
    later = NOW + datetime.timedelta(days=5)
    collect(project, at=later)
    [first_page, *_] = mlflow.calls("runs/search")
    since = int((later - datetime.timedelta(days=30)).timestamp() * 1000)
    assert first_page.body["filter"] == f"attributes.start_time >= {since}"
    # Runs 1 and 2 days before NOW are 6 and 7 days old at `later`: all 7 still count.
    assert facts(project)["mlflow.runs_30d"][0] == 7
    assert Fact.objects.first().observed_at == later
