"""From what MLflow's REST API answers to facts. Pure Python, no Django.

Two steps, so a collection keeps only small records however many runs it reads:

1. `run_record`, `model_record` and `version_record` read one item of an answer (a run of
   `runs/search`, a model of `registered-models/search`, a version of
   `model-versions/search` or `registered-models/alias`), raising `ShapeError`, which names
   what is missing, when the item is not what MLflow sends.
2. `facts_compute` turns the records of one collection (`MlflowReading`) into the facts of
   `evidence.rules.facts.FACTS` that they support: no runs, no shares of runs; fewer than
   two versions of a model, no interval.

MLflow's JSON leaves out empty lists and sends 64-bit numbers as numbers or, from some
proxies and older servers, as strings; both are read.
"""

import itertools
import statistics
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

from evidence.rules.facts import FACTS, WINDOW_DAYS

MS_PER_DAY: Final = 86_400_000
GIT_COMMIT_TAG: Final = "mlflow.source.git.commit"


class ShapeError(ValueError):
    """An item of an answer is not shaped as MLflow's; the message says what is wrong."""


@dataclass(frozen=True)
class RunRecord:
    run_id: str
    start_time: int  # ms since the epoch
    has_git_commit: bool
    has_dataset_inputs: bool
    has_metrics: bool


@dataclass(frozen=True)
class ModelRecord:
    name: str
    alias_version: str  # the version the production alias points to; "" without it


@dataclass(frozen=True)
class VersionRecord:
    model: str
    version: str
    created: int  # ms since the epoch
    run_id: str  # "" when the version is not linked to a run


@dataclass(frozen=True)
class FactValue:
    key: str
    value: float
    detail: dict


@dataclass
class MlflowReading:
    """Everything one collection read from MLflow."""

    now: int  # ms since the epoch: when the collection started
    alias: str
    experiment_names: list[str]
    model_names: list[str]
    runs: list[RunRecord] = field(default_factory=list)
    models: list[ModelRecord] = field(default_factory=list)  # found among model_names
    versions: list[VersionRecord] = field(default_factory=list)  # of the models found
    production: list[VersionRecord] = field(default_factory=list)  # the alias's versions

    @property
    def window_start(self) -> int:
        return self.now - WINDOW_DAYS * MS_PER_DAY


# --- Reading items ----------------------------------------------------------------------------


def run_record(item: object) -> RunRecord:
    run = _mapping(item, "a run")
    info = _mapping(run.get("info"), "a run's info")
    data = _mapping(run.get("data", {}), "a run's data")
    inputs = _mapping(run.get("inputs", {}), "a run's inputs")
    tags = [_mapping(tag, "a run's tag") for tag in _list(data.get("tags", []), "a run's tags")]
    return RunRecord(
        run_id=_text(info.get("run_id") or info.get("run_uuid"), "a run's run_id"),
        start_time=_millis(info.get("start_time"), "a run's start_time"),
        has_git_commit=any(tag.get("key") == GIT_COMMIT_TAG and tag.get("value") for tag in tags),
        has_dataset_inputs=bool(_list(inputs.get("dataset_inputs", []), "dataset_inputs")),
        has_metrics=bool(_list(data.get("metrics", []), "a run's metrics")),
    )


def model_record(item: object, *, alias: str) -> ModelRecord:
    model = _mapping(item, "a registered model")
    versions = [
        _text(_mapping(entry, "an alias").get("version"), "an alias's version")
        for entry in _list(model.get("aliases", []), "a model's aliases")
        if _mapping(entry, "an alias").get("alias") == alias
    ]
    return ModelRecord(
        name=_text(model.get("name"), "a registered model's name"),
        alias_version=versions[0] if versions else "",
    )


def version_record(item: object) -> VersionRecord:
    version = _mapping(item, "a model version")
    run_id = version.get("run_id", "")
    return VersionRecord(
        model=_text(version.get("name"), "a model version's name"),
        version=_text(version.get("version"), "a model version's number"),
        created=_millis(version.get("creation_timestamp"), "a version's creation_timestamp"),
        run_id=run_id if isinstance(run_id, str) else "",
    )


def _mapping(value: object, what: str) -> Mapping:
    if not isinstance(value, Mapping):
        raise ShapeError(f"{what} is not an object")
    return value


def _list(value: object, what: str) -> list:
    if not isinstance(value, list):
        raise ShapeError(f"{what} is not a list")
    return value


def _text(value: object, what: str) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str) or not value:
        raise ShapeError(f"{what} is missing")
    return value


def _millis(value: object, what: str) -> int:
    if isinstance(value, str) and value.isdigit():
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    raise ShapeError(f"{what} is not a time in milliseconds")


# --- Computing facts --------------------------------------------------------------------------


def facts_compute(reading: MlflowReading) -> list[FactValue]:
    """Every fact of FACTS that `reading` supports, in FACTS's order."""
    found = [
        *_run_facts(reading),
        *_model_facts(reading),
        *_production_facts(reading),
        *_retraining_facts(reading),
    ]
    order = list(FACTS)
    return sorted(found, key=lambda fact: order.index(fact.key))


def _share(key: str, count: int, total: int, **detail: object) -> FactValue:
    return FactValue(key, round(count / total, 4), {"count": count, "total": total, **detail})


def _run_facts(reading: MlflowReading) -> list[FactValue]:
    if not reading.experiment_names:
        return []
    # The server filtered on start time already; a run seen twice across pages counts once.
    runs = {
        run.run_id: run for run in reading.runs if run.start_time >= reading.window_start
    }.values()
    total = len(runs)
    facts = [FactValue("mlflow.runs_30d", total, {"experiments": len(reading.experiment_names)})]
    if not total:
        return facts
    for key, count in [
        ("mlflow.git_commit_share_30d", sum(run.has_git_commit for run in runs)),
        ("mlflow.dataset_inputs_share_30d", sum(run.has_dataset_inputs for run in runs)),
        ("mlflow.metrics_share_30d", sum(run.has_metrics for run in runs)),
    ]:
        facts.append(_share(key, count, total))
    return facts


def _model_facts(reading: MlflowReading) -> list[FactValue]:
    facts = []
    found = {model.name for model in reading.models}
    if reading.model_names:
        missing = [name for name in reading.model_names if name not in found]
        facts.append(
            FactValue(
                "mlflow.registered_models",
                len(found),
                {"total": len(reading.model_names), "missing": missing},
            )
        )
    versions = _unique(reading.versions)
    if versions:
        linked = sum(bool(version.run_id) for version in versions)
        facts.append(_share("mlflow.versions_linked_share", linked, len(versions)))
    if found:
        carrying = sum(bool(model.alias_version) for model in reading.models)
        facts.append(
            _share(
                "mlflow.production_alias_share", carrying, len(reading.models), alias=reading.alias
            )
        )
    return facts


def _production_facts(reading: MlflowReading) -> list[FactValue]:
    """How long ago production last changed. MLflow keeps no time for an alias's moves, so
    the best available time is the creation of the version the alias points to: the alias
    cannot have moved to it earlier. With several models, the latest move counts."""
    if not reading.production:
        return []
    latest = max(reading.production, key=lambda version: version.created)
    days = max(0, reading.now - latest.created) / MS_PER_DAY
    return [
        FactValue(
            "mlflow.production_age_days",
            round(days, 1),
            {
                "alias": reading.alias,
                "model": latest.model,
                "version": latest.version,
                "measured_from": "version_created",
                "models": len(reading.production),
            },
        )
    ]


def _retraining_facts(reading: MlflowReading) -> list[FactValue]:
    """The median of the intervals between consecutive versions of each model, pooled."""
    versions = _unique(reading.versions)
    created: dict[str, list[int]] = {}
    for version in versions:
        created.setdefault(version.model, []).append(version.created)
    intervals = []
    for times in created.values():
        times.sort()
        intervals += [
            (later - earlier) / MS_PER_DAY for earlier, later in itertools.pairwise(times)
        ]
    if not intervals:
        return []
    return [
        FactValue(
            "mlflow.retraining_interval_days",
            round(statistics.median(intervals), 1),
            {"total": len(intervals), "versions": len(versions)},
        )
    ]


def _unique(versions: list[VersionRecord]) -> list[VersionRecord]:
    """Each model's version once, however often the pages repeated it."""
    return list({(version.model, version.version): version for version in versions}.values())
