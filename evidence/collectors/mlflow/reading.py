"""One collection's walk over a project's MLflow: its experiments, the window's runs, its
registered models, their versions and the production alias, read into small records
(`evidence.rules.mlflow_facts`), with the progress reported as it goes.

Requests, in order: `experiments/get-by-name` for each experiment name; `runs/search` over
those experiments, filtered on `attributes.start_time` and paged; `registered-models/search`
for each model name; `model-versions/search` for each model found, paged; and
`registered-models/alias` for each model that carries the alias. `metrics/get-history` is
not read: a run's latest metric values come with `runs/search`, which is all the metrics
fact needs, and a history costs one request per run and metric.
"""

from collections.abc import Callable, Sequence
from typing import Final

from evidence.collectors.mlflow.client import MlflowClient, MlflowError
from evidence.rules.mlflow_facts import (
    MlflowReading,
    ModelRecord,
    RunRecord,
    ShapeError,
    VersionRecord,
    model_record,
    run_record,
    version_record,
)

STEPS: Final = (
    "Finding experiments",
    "Reading runs",
    "Reading registered models",
    "Reading model versions",
    "Recording facts",
)

type Progress = Callable[[int, str], None]  # (steps done, what is happening now)


def mlflow_read(
    client: MlflowClient,
    *,
    experiment_names: Sequence[str],
    model_names: Sequence[str],
    alias: str,
    now: int,
    progress: Progress,
) -> MlflowReading:
    """Everything the facts need, read from MLflow; MlflowError at the first fault."""
    reading = MlflowReading(
        now=now, alias=alias, experiment_names=list(experiment_names), model_names=list(model_names)
    )
    progress(0, STEPS[0])
    ids = [_experiment_id(client, name) for name in reading.experiment_names]
    progress(1, STEPS[1])
    if ids:
        reading.runs = _runs(client, ids, reading.window_start, progress)
    progress(2, STEPS[2])
    found = [_model(client, name, alias) for name in reading.model_names]
    reading.models = [model for model in found if model is not None]
    for number, model in enumerate(reading.models, start=1):
        progress(3, f"{STEPS[3]}: {model.name} ({number} of {len(reading.models)})")
        reading.versions += _versions(client, model.name)
        if model.alias_version:
            production = _alias_version(client, model.name, alias)
            reading.production += [production] if production else []
    progress(4, STEPS[4])
    return reading


def _experiment_id(client: MlflowClient, name: str) -> str:
    try:
        answer = client.get("experiments/get-by-name", {"experiment_name": name})
    except MlflowError as error:
        if error.error_code == "RESOURCE_DOES_NOT_EXIST":
            raise MlflowError(
                "not_found",
                f"{client.where} has no experiment named '{name}': check the connection's "
                "experiment names.",
            ) from None
        raise
    experiment = answer.get("experiment")
    if not isinstance(experiment, dict) or not experiment.get("experiment_id"):
        raise client.shape_error("experiments/get-by-name", "no experiment_id")
    return str(experiment["experiment_id"])


def _runs(client: MlflowClient, ids: list[str], since: int, progress: Progress) -> list[RunRecord]:
    query = {
        "experiment_ids": ids,
        "filter": f"attributes.start_time >= {since}",
        "order_by": ["attributes.start_time DESC"],
        "run_view_type": "ACTIVE_ONLY",
    }
    runs: list[RunRecord] = []
    for number, page in enumerate(
        client.pages("POST", "runs/search", query, items="runs", what="runs"), start=1
    ):
        runs += _records(client, "runs/search", page, run_record)
        progress(1, f"{STEPS[1]}: page {number}, {len(runs):,} runs so far")
    return runs


def _model(client: MlflowClient, name: str, alias: str) -> ModelRecord | None:
    """The registered model named exactly `name`; None when there is none."""
    answer = client.get(
        "registered-models/search", {"filter": f"name = {_quoted(client, name)}", "max_results": 10}
    )
    found = answer.get("registered_models", [])
    if not isinstance(found, list):
        raise client.shape_error("registered-models/search", "'registered_models' is not a list")
    models = _records(
        client, "registered-models/search", found, lambda item: model_record(item, alias=alias)
    )
    return next((model for model in models if model.name == name), None)


def _versions(client: MlflowClient, name: str) -> list[VersionRecord]:
    query = {"filter": f"name = {_quoted(client, name)}"}
    versions: list[VersionRecord] = []
    pages = client.pages(
        "GET", "model-versions/search", query, items="model_versions", what="model versions"
    )
    for page in pages:
        versions += _records(client, "model-versions/search", page, version_record)
    return [version for version in versions if version.model == name]


def _alias_version(client: MlflowClient, name: str, alias: str) -> VersionRecord | None:
    try:
        answer = client.get("registered-models/alias", {"name": name, "alias": alias})
    except MlflowError as error:
        # The alias was removed since the search listed it: not in production any more.
        if error.kind in ("not_found", "rejected"):
            return None
        raise
    return _records(
        client, "registered-models/alias", [answer.get("model_version")], version_record
    )[0]


def _records[T](
    client: MlflowClient, endpoint: str, items: list, read: Callable[[object], T]
) -> list[T]:
    try:
        return [read(item) for item in items]
    except ShapeError as error:
        raise client.shape_error(endpoint, str(error)) from None


def _quoted(client: MlflowClient, name: str) -> str:
    """`name` as a string in MLflow's search filter, which has no escapes: single quotes,
    or double quotes around a name with an apostrophe."""
    if "'" not in name:
        return f"'{name}'"
    if '"' not in name:
        return f'"{name}"'
    raise MlflowError(
        "rejected",
        f"The model name {name!r} holds both kinds of quote, which {client.where}'s search "
        "cannot express: leave it out of the connection.",
    )
