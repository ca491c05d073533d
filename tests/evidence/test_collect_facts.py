"""The facts computed from MLflow's JSON, against values worked out by hand.

The runs below, seen from NOW (one is repeated, as a page boundary can repeat it, and one
started 31 days ago):

    run  started  git commit  dataset input  metrics
    r1   1 d ago  (a branch)  yes            yes
    r2   2 d ago  empty value no             yes
    r3   29 d ago no tags     no             yes
    r4   10 d ago yes         yes            none
    r6   31 d ago yes         yes            yes   <- outside the 30 days

4 runs in the window: git commit 1 of 4 = 0.25, dataset inputs 2 of 4 = 0.5, metrics 3 of 4 =
0.75. Versions: fraud v1 (100 d ago, linked), v2 (60 d, not linked), v3 (40 d, linked), churn
v1 (50 d, linked), v2 (45 d, linked): 4 of 5 linked; intervals fraud 40 and 20, churn 5:
median 20. Production: fraud v3, created 40 days ago.
"""

import pytest

from evidence.rules.facts import fact_sentence, facts_of
from evidence.rules.mlflow_facts import (
    MlflowReading,
    ShapeError,
    VersionRecord,
    facts_compute,
    model_record,
    run_record,
    version_record,
)

NOW = 1_800_000_000_000
DAY = 86_400_000


def run(run_id, days_ago, *, tags=(), datasets=0, metrics=0):
    data = {}
    if tags:
        data["tags"] = [{"key": key, "value": value} for key, value in tags]
    if metrics:
        data["metrics"] = [
            {"key": f"m{n}", "value": 0.5, "timestamp": NOW, "step": 0} for n in range(metrics)
        ]
    inputs = {"dataset_inputs": [{"dataset": {"name": "tx", "digest": "d"}}] * datasets}
    return {
        "info": {"run_id": run_id, "start_time": NOW - days_ago * DAY, "status": "FINISHED"},
        "data": data,
        "inputs": inputs if datasets else {},
    }


GIT = ("mlflow.source.git.commit", "3f2a9c1")
RUNS = [
    run("r1", 1, tags=[("mlflow.source.git.branch", "main")], datasets=1, metrics=2),
    run("r2", 2, tags=[("mlflow.source.git.commit", "")], metrics=1),
    {"info": {"run_id": "r3", "start_time": str(NOW - 29 * DAY)}, "data": {"metrics": [{}]}},
    run("r4", 10, tags=[GIT], datasets=2),
    run("r1", 1, tags=[("mlflow.source.git.branch", "main")], datasets=1, metrics=2),
    run("r6", 31, tags=[GIT], datasets=1, metrics=1),
]
MODELS = [
    {
        "name": "fraud",
        "aliases": [{"alias": "production", "version": "3"}, {"alias": "champion", "version": "1"}],
    },
    {"name": "churn", "aliases": [{"alias": "champion", "version": "2"}]},
]


def version(model, number, days_ago, run_id=""):
    return {
        "name": model,
        "version": str(number),
        "creation_timestamp": NOW - days_ago * DAY,
        "last_updated_timestamp": NOW,
        **({"run_id": run_id} if run_id else {}),
    }


VERSIONS = [
    version("fraud", 1, 100, "r0"),
    version("fraud", 2, 60),
    version("fraud", 3, 40, "r4"),
    version("churn", 1, 50, "c1"),
    version("churn", 2, 45, "c2"),
    version("fraud", 3, 40, "r4"),  # repeated by a page boundary
]


def reading(**changes):
    values = {
        "now": NOW,
        "alias": "production",
        "experiment_names": ["fraud-training"],
        "model_names": ["fraud", "churn", "ghost"],
        "runs": [run_record(item) for item in RUNS],
        "models": [model_record(item, alias="production") for item in MODELS],
        "versions": [version_record(item) for item in VERSIONS],
        "production": [version_record(version("fraud", 3, 40, "r4"))],
    }
    return MlflowReading(**{**values, **changes})


def as_dict(facts):
    return {fact.key: (fact.value, fact.detail) for fact in facts}


def test_it_computes_every_fact_as_worked_out_by_hand():
    assert as_dict(facts_compute(reading())) == {
        "mlflow.runs_30d": (4, {"experiments": 1}),
        "mlflow.git_commit_share_30d": (0.25, {"count": 1, "total": 4}),
        "mlflow.dataset_inputs_share_30d": (0.5, {"count": 2, "total": 4}),
        "mlflow.metrics_share_30d": (0.75, {"count": 3, "total": 4}),
        "mlflow.registered_models": (2, {"total": 3, "missing": ["ghost"]}),
        "mlflow.versions_linked_share": (0.8, {"count": 4, "total": 5}),
        "mlflow.production_alias_share": (0.5, {"count": 1, "total": 2, "alias": "production"}),
        "mlflow.production_age_days": (
            40.0,
            {
                "alias": "production",
                "model": "fraud",
                "version": "3",
                "measured_from": "version_created",
                "models": 1,
            },
        ),
        "mlflow.retraining_interval_days": (20.0, {"total": 3, "versions": 5}),
    }


def test_it_reads_every_fact_as_its_sentence():
    sentences = [fact_sentence(f.key, f.value, f.detail) for f in facts_compute(reading())]
    assert sentences == [
        "4 runs started in the last 30 days",
        "1 of 4 runs in the last 30 days recorded their git commit",
        "2 of 4 runs in the last 30 days logged a dataset input",
        "3 of 4 runs in the last 30 days logged metrics",
        "2 of 3 named models are registered",
        "4 of 5 model versions are linked to their training run",
        "1 of 2 registered models carry the alias 'production'",
        "production moved to a new version 40 days ago",
        "a new model version every 20 days (median of 3 intervals)",
    ]
    assert [f.key for f in facts_compute(reading())] == facts_of("mlflow")


def test_it_counts_the_latest_move_of_production_across_models():
    churn_v2 = VersionRecord("churn", "2", NOW - int(4.5 * DAY), "c2")
    fraud_v3 = version_record(version("fraud", 3, 40, "r4"))
    facts = as_dict(facts_compute(reading(production=[fraud_v3, churn_v2])))
    value, detail = facts["mlflow.production_age_days"]
    assert (value, detail["model"], detail["version"], detail["models"]) == (4.5, "churn", "2", 2)


def test_it_records_no_shares_without_runs_but_counts_zero_runs():
    facts = as_dict(facts_compute(reading(runs=[])))
    assert facts["mlflow.runs_30d"] == (0, {"experiments": 1})
    assert not {key for key in facts if key.endswith("_share_30d")}


def test_it_records_no_run_facts_without_experiments_nor_a_model_count_without_names():
    facts = as_dict(facts_compute(reading(experiment_names=[], model_names=[])))
    assert set(facts) == {
        "mlflow.versions_linked_share",
        "mlflow.production_alias_share",
        "mlflow.production_age_days",
        "mlflow.retraining_interval_days",
    }
    nothing = reading(experiment_names=[], model_names=[], models=[], versions=[], production=[])
    assert facts_compute(nothing) == []


def test_it_needs_two_versions_of_a_model_for_an_interval():
    single = [version_record(version("fraud", 1, 10, "r1")), version_record(version("churn", 1, 3))]
    facts = as_dict(facts_compute(reading(versions=single)))
    assert "mlflow.retraining_interval_days" not in facts
    assert facts["mlflow.versions_linked_share"] == (0.5, {"count": 1, "total": 2})


def test_it_records_no_alias_share_when_no_named_model_is_registered():
    facts = as_dict(facts_compute(reading(models=[], versions=[], production=[])))
    assert facts["mlflow.registered_models"] == (
        0,
        {"total": 3, "missing": ["fraud", "churn", "ghost"]},
    )
    assert "mlflow.production_alias_share" not in facts


@pytest.mark.parametrize(
    ("item", "problem"),
    [
        ([], "a run is not an object"),
        ({"data": {}}, "a run's info is not an object"),
        ({"info": {"run_id": "r", "start_time": True}}, "a run's start_time is not a time"),
        ({"info": {"run_id": "r", "start_time": "soon"}}, "a run's start_time is not a time"),
        ({"info": {"start_time": 1}}, "a run's run_id is missing"),
        ({"info": {"run_id": "r", "start_time": 1}, "data": {"tags": {}}}, "tags is not a list"),
        (
            {"info": {"run_id": "r", "start_time": 1}, "inputs": {"dataset_inputs": 3}},
            "dataset_inputs is not a list",
        ),
    ],
)
def test_it_names_what_is_wrong_with_a_run(item, problem):
    with pytest.raises(ShapeError, match=problem):
        run_record(item)


def test_it_names_what_is_wrong_with_a_version_or_a_model():
    with pytest.raises(ShapeError, match="creation_timestamp"):
        version_record({"name": "fraud", "version": "1"})
    with pytest.raises(ShapeError, match="a model's aliases is not a list"):
        model_record({"name": "fraud", "aliases": "production"}, alias="production")
    assert version_record({"name": "m", "version": 7, "creation_timestamp": "12"}) == (
        VersionRecord("m", "7", 12, "")
    )
