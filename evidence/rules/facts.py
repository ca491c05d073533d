"""The facts the portal collects from tools, defined once: their keys, what they measure and
how each reads as a sentence. Pure Python, no Django.

A fact is a number observed at a time, with a detail that says what it was made of:

- a *share* is a fraction of 0..1 with `count` and `total` in its detail ("14 of 15 runs");
- a *count* is a whole number;
- *days* is a duration in days.

Evidence rules in the framework file name these keys (`evidence: {fact: …, at_least: …}`).
"""

from dataclasses import dataclass
from typing import Final, Literal

type FactKind = Literal["share", "count", "days"]

WINDOW_DAYS: Final = 30  # the runs facts look back this far


@dataclass(frozen=True)
class FactDefinition:
    key: str
    kind: FactKind
    source: str  # "mlflow", or "ci" (computed from the CI events pipelines send)
    label: str  # what it measures, for the framework file's errors and the settings page
    # How a value reads, e.g. "{count} of {total} runs in the last 30 days logged a dataset
    # input"; formatted with the fact's detail and `value`.
    sentence: str


FACTS: Final[dict[str, FactDefinition]] = {
    fact.key: fact
    for fact in [
        FactDefinition(
            "mlflow.runs_30d",
            "count",
            "mlflow",
            "runs started in the last 30 days",
            "{value:.0f} runs started in the last 30 days",
        ),
        FactDefinition(
            "mlflow.git_commit_share_30d",
            "share",
            "mlflow",
            "share of the last 30 days' runs that record their git commit",
            "{count} of {total} runs in the last 30 days recorded their git commit",
        ),
        FactDefinition(
            "mlflow.dataset_inputs_share_30d",
            "share",
            "mlflow",
            "share of the last 30 days' runs that log a dataset input",
            "{count} of {total} runs in the last 30 days logged a dataset input",
        ),
        FactDefinition(
            "mlflow.metrics_share_30d",
            "share",
            "mlflow",
            "share of the last 30 days' runs that log at least one metric",
            "{count} of {total} runs in the last 30 days logged metrics",
        ),
        FactDefinition(
            "mlflow.registered_models",
            "count",
            "mlflow",
            "registered models found among the connection's model names",
            "{value:.0f} of {total} named models are registered",
        ),
        FactDefinition(
            "mlflow.versions_linked_share",
            "share",
            "mlflow",
            "share of registered model versions linked to the run that trained them",
            "{count} of {total} model versions are linked to their training run",
        ),
        FactDefinition(
            "mlflow.production_alias_share",
            "share",
            "mlflow",
            "share of the registered models that carry the production alias",
            "{count} of {total} registered models carry the alias '{alias}'",
        ),
        FactDefinition(
            "mlflow.production_age_days",
            "days",
            "mlflow",
            "days since the production alias last moved to a new version",
            "production moved to a new version {value:.0f} days ago",
        ),
        FactDefinition(
            "mlflow.retraining_interval_days",
            "days",
            "mlflow",
            "median days between new model versions (the retraining cadence)",
            "a new model version every {value:.0f} days (median of {total} intervals)",
        ),
        FactDefinition(
            "ci.pipeline_runs_30d",
            "count",
            "ci",
            "pipeline runs reported in the last 30 days",
            "{value:.0f} pipeline runs in the last 30 days",
        ),
        FactDefinition(
            "ci.tests_share_30d",
            "share",
            "ci",
            "share of the last 30 days' pipeline runs that ran the tests",
            "{count} of {total} pipeline runs in the last 30 days ran the tests",
        ),
        FactDefinition(
            "ci.data_validation_share_30d",
            "share",
            "ci",
            "share of the last 30 days' training runs that validated the data before training",
            "{count} of {total} pipeline runs that trained a model in the last 30 days "
            "validated the data first",
        ),
        FactDefinition(
            "ci.evaluation_gate_share_30d",
            "share",
            "ci",
            "share of the last 30 days' deploying runs that passed an evaluation gate first",
            "{count} of {total} pipeline runs that deployed in the last 30 days passed an "
            "evaluation gate first",
        ),
    ]
}


def facts_of(source: str) -> list[str]:
    """The keys of the facts from `source` ("mlflow", "ci"), in FACTS's order."""
    return [key for key, fact in FACTS.items() if fact.source == source]


def fact_sentence(key: str, value: float, detail: dict) -> str:
    """How a fact reads: "14 of 15 runs in the last 30 days logged a dataset input"."""
    definition = FACTS[key]
    try:
        return definition.sentence.format(value=value, **detail)
    except (KeyError, IndexError, ValueError):
        return f"{definition.label}: {value:g}"
