"""The `ci.*` facts from a project's pipeline runs of the last 30 days. Pure Python, no Django.

Each run is its steps in the order they ran, `[{"name": "tests", "result": "passed"}, …]`
(`evidence.rules.events`); a skipped step did not run. The shares:

- tests: runs whose `tests` step ran (passed or failed), of all runs;
- data validation: of the runs whose `training` step ran, those with a `data_validation`
  step that ran before it (before the first training, when a run trains twice);
- evaluation gate: of the runs whose `deploy` step ran, those with an `evaluation_gate`
  step that *passed* before the deploy: a gate that failed and was deployed past is no gate.

A share over no runs is not a fact (nothing to judge by), so it is left out.
"""

from collections.abc import Iterable, Sequence

from evidence.rules.events import RAN
from evidence.rules.mlflow_facts import FactValue

type Steps = Sequence[dict[str, str]]

RUNS = "ci.pipeline_runs_30d"
TESTS = "ci.tests_share_30d"
DATA_VALIDATION = "ci.data_validation_share_30d"
EVALUATION_GATE = "ci.evaluation_gate_share_30d"
KEYS = (RUNS, TESTS, DATA_VALIDATION, EVALUATION_GATE)


def ci_facts_compute(runs: Iterable[Steps]) -> list[FactValue]:
    """The facts the runs support, in KEYS's order."""
    runs = list(runs)
    facts = [FactValue(RUNS, len(runs), {})]
    tests = [_ran(steps, "tests") is not None for steps in runs]
    trained = [steps for steps in runs if _ran(steps, "training") is not None]
    validated = [_before(steps, "training", "data_validation", RAN) for steps in trained]
    deployed = [steps for steps in runs if _ran(steps, "deploy") is not None]
    gated = [_before(steps, "deploy", "evaluation_gate", ("passed",)) for steps in deployed]
    for key, counted in ((TESTS, tests), (DATA_VALIDATION, validated), (EVALUATION_GATE, gated)):
        if counted:
            count, total = sum(counted), len(counted)
            facts.append(FactValue(key, count / total, {"count": count, "total": total}))
    return facts


def _ran(steps: Steps, name: str) -> int | None:
    """The position of the first step called `name` that ran; None if none did."""
    return next(
        (i for i, step in enumerate(steps) if step["name"] == name and step["result"] in RAN),
        None,
    )


def _before(steps: Steps, anchor: str, name: str, results: Sequence[str]) -> bool:
    """Whether a `name` step with one of `results` came before the first `anchor` that ran."""
    position = _ran(steps, anchor)
    assert position is not None
    return any(step["name"] == name and step["result"] in results for step in steps[:position])
