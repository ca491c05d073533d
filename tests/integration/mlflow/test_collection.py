"""Collections against a real MLflow tracking server (mlflow 3.17.2, harness.py): what a
team's training code records through the REST API becomes the facts, the suggestions and
the mismatches the issue asks for, and a server stopped half-way leaves the earlier facts
as they were."""

import html
import re
import time

import pytest
from django.test import Client

from assessments.models import Answer
from evidence.collectors.mlflow import client as client_module
from evidence.collectors.mlflow.client import MlflowClient
from evidence.models import Collection, Fact, MlflowConnection
from evidence.rules.suggestions import NO, YES, is_mismatch, suggest
from evidence.secrets import token_encrypt
from evidence.services.collections import collection_run
from tests.assessments.evidence_data import DATA, open_v2_draft

pytestmark = pytest.mark.mlflow

DAY_MS = 86_400_000
DATA_VERSIONING = {"fact": "mlflow.dataset_inputs_share_30d", "at_least": 0.8}


def now_ms() -> int:
    return int(time.time() * 1000)


def connect(project, server, *, experiments, models=()):
    MlflowConnection.objects.create(
        project=project,
        tracking_url=server.url,
        experiment_names=list(experiments),
        model_names=list(models),
        token_encrypted=token_encrypt("a-token-mlflow-does-not-check"),
    )


def collect(project) -> Collection:
    collection = Collection.objects.create(project=project, trigger=Collection.Trigger.REQUEST)
    return collection_run(collection_id=collection.pk)


def facts(project) -> dict[str, tuple[float, dict]]:
    return {fact.key: (fact.value, fact.detail) for fact in Fact.objects.filter(project=project)}


def test_runs_that_log_their_datasets_suggest_fully_in_place(project, alice, mlflow_server):
    api = mlflow_server.api()
    experiment = api.experiment("card-scoring-training")
    now = now_ms()
    runs = [
        api.run(
            experiment,
            started=now - days * DAY_MS,
            git_commit=f"9e1c{days:04d}",
            dataset=f"transactions-2026-{days:02d}",
            metrics={"auc": 0.91, "recall_at_1pct_fpr": 0.62},
        )
        for days in (1, 3, 8, 20)
    ]
    api.run(experiment, started=now - 45 * DAY_MS)  # outside the 30 days: not counted
    api.model("card-scorer")
    versions = [api.version("card-scorer", run_id) for run_id in runs[:3]]
    api.alias("card-scorer", "production", versions[-1])
    connect(
        project,
        mlflow_server,
        experiments=["card-scoring-training"],
        models=["card-scorer", "card-scorer-legacy"],
    )

    collection = collect(project)

    assert (collection.status, collection.error) == (Collection.Status.SUCCEEDED, "")
    found = facts(project)
    assert found["mlflow.runs_30d"][0] == 4
    for key in ("git_commit", "dataset_inputs", "metrics"):
        assert found[f"mlflow.{key}_share_30d"] == (1.0, {"count": 4, "total": 4})
    assert found["mlflow.registered_models"] == (
        1,
        {"total": 2, "missing": ["card-scorer-legacy"]},
    )
    assert found["mlflow.versions_linked_share"] == (1.0, {"count": 3, "total": 3})
    assert found["mlflow.production_alias_share"][0] == 1.0
    age, detail = found["mlflow.production_age_days"]
    assert age == 0.0 and (detail["model"], detail["version"]) == ("card-scorer", "3")
    assert found["mlflow.retraining_interval_days"][1] == {"total": 2, "versions": 3}
    assert collection.facts_recorded == len(found) == 9
    suggestion = suggest(DATA_VERSIONING, *found["mlflow.dataset_inputs_share_30d"])
    assert suggestion.answer == YES
    assert not is_mismatch(YES, suggestion)
    assert "Suggested answer: Fully in place" in _question(project, alice, answer="yes")


def test_runs_that_log_no_datasets_suggest_not_in_place_and_flag_fully(
    project, alice, mlflow_server
):
    api = mlflow_server.api()
    experiment = api.experiment("product-ranker-training")
    for days in (2, 5, 9):
        api.run(experiment, started=now_ms() - days * DAY_MS, metrics={"ndcg_at_10": 0.41})
    connect(project, mlflow_server, experiments=["product-ranker-training"])

    assert collect(project).status == Collection.Status.SUCCEEDED

    found = facts(project)
    assert found["mlflow.dataset_inputs_share_30d"] == (0.0, {"count": 0, "total": 3})
    assert found["mlflow.git_commit_share_30d"][0] == 0.0
    assert found["mlflow.metrics_share_30d"][0] == 1.0
    assert "mlflow.registered_models" not in found  # no model names in the connection
    suggestion = suggest(DATA_VERSIONING, *found["mlflow.dataset_inputs_share_30d"])
    assert suggestion.answer == NO
    assert is_mismatch(YES, suggestion)
    # The lead answers "fully in place" anyway, in the questionnaire: the mismatch is flagged.
    question = _question(project, alice, answer="yes")
    assert "MLflow: 0 of 3 runs in the last 30 days logged a dataset input" in question
    assert "Suggested answer: Not in place" in question
    assert "Your answer and MLflow differ." in question


def test_a_misspelt_experiment_fails_with_its_name(project, mlflow_server):
    connect(project, mlflow_server, experiments=["no-such-experiment"])
    failed = collect(project)
    assert (failed.status, failed.error_kind) == (Collection.Status.FAILED, "not_found")
    assert failed.error == (
        f"MLflow at {mlflow_server.url} has no experiment named 'no-such-experiment': check "
        "the connection's experiment names."
    )


def test_stopping_the_server_mid_collection_keeps_the_earlier_facts(
    project, alice, mlflow_server, doomed_mlflow, monkeypatch
):
    api = mlflow_server.api()  # the same store as the doomed server's
    experiment = api.experiment("churn-training")
    for days in (1, 2, 4, 6, 7):
        api.run(experiment, started=now_ms() - days * DAY_MS, dataset="subscribers")
    connect(project, doomed_mlflow, experiments=["churn-training"])
    monkeypatch.setattr(client_module, "PAGE_SIZE", 2)  # 3 pages of runs
    first = collect(project)
    assert first.status == Collection.Status.SUCCEEDED
    before = list(Fact.objects.order_by("id").values_list("id", "key", "value", "observed_at"))
    assert ("mlflow.runs_30d", 5.0) in [(key, value) for _, key, value, _ in before]

    call = MlflowClient._call

    def stop_after_the_first_page(self, method, endpoint, **kwargs):
        answer = call(self, method, endpoint, **kwargs)
        if endpoint == "runs/search":
            doomed_mlflow.stop(now=True)
        return answer

    monkeypatch.setattr(MlflowClient, "_call", stop_after_the_first_page)
    failed = collect(project)

    assert (failed.status, failed.error_kind) == (Collection.Status.FAILED, "unreachable")
    assert failed.error == (
        f"Could not connect to MLflow at {doomed_mlflow.url}: check the tracking URL and that "
        "the server is running."
    )
    assert failed.step_label == "Reading runs: page 1, 2 runs so far"
    after = list(Fact.objects.order_by("id").values_list("id", "key", "value", "observed_at"))
    assert after == before
    assert set(Fact.objects.values_list("collection", flat=True)) == {first.pk}
    # The project page shows the error beside the earlier facts.
    client = Client()
    client.force_login(alice)
    page = " ".join(html.unescape(client.get(f"/projects/{project.slug}/").text).split())
    assert "The last collection failed" in page and failed.error in page
    assert "5 runs started in the last 30 days" in page


def _question(project, lead, *, answer: str) -> str:
    """The lead answers the data-versioning practice of a v2 draft (autosave, as the page
    does) and reads the question as the page then shows it, in words."""
    draft = open_v2_draft(project)
    saved = Answer.objects.get(assessment=draft, practice__key=DATA)
    client = Client()
    client.force_login(lead)
    response = client.post(
        f"/assessments/{draft.pk}/answers/{DATA}/",
        {"value": answer, "version": saved.version},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    page = client.get(f"/assessments/{draft.pk}/").text
    block = re.search(
        rf'<div class="evidence-state[^"]*" id="tools-{DATA}"[^>]*>(.*?)</div>', page, re.S
    )
    assert block, "the questionnaire shows no evidence for the practice"
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", block.group(1))).split())
