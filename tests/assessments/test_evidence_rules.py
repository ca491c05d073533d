"""Evidence rules are data: a practice of the framework file may name the fact that
evidences it and a threshold. The parser checks each rule with the checker the loader
passes in, `load_framework` refuses a bad one with the practice and the problem, and
reloading a version in use updates its rules."""

import copy
import io
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.management import CommandError, call_command

from assessments.models import Assessment, Framework, Practice
from assessments.rules import review
from assessments.rules.framework_file import (
    FrameworkFileError,
    parse_framework_data,
    parse_framework_file,
)
from core.models import AuditEntry
from evidence.rules.suggestions import evidence_rule_errors
from tests.assessments.evidence_data import V2_PATH, open_v2_draft
from tests.assessments.fixtures import FRAMEWORK_PATH

V1_DATA: dict[str, Any] = yaml.safe_load(FRAMEWORK_PATH.read_text(encoding="utf-8"))
KEY = "data-versioned-snapshots"
INPUTS = "mlflow.dataset_inputs_share_30d"
DAYS = "mlflow.retraining_interval_days"
V2_RULES = {
    "data-versioned-snapshots": {"fact": INPUTS, "at_least": 0.8},
    "exp-runs-logged": {"fact": "mlflow.metrics_share_30d", "at_least": 0.8},
    "run-commit-recorded": {"fact": "mlflow.git_commit_share_30d", "at_least": 0.8},
    "model-registry": {"fact": "mlflow.versions_linked_share", "at_least": 0.8},
    "model-version-traceable": {"fact": "mlflow.production_alias_share", "at_least": 1.0},
    "retrain-automated": {"fact": DAYS, "at_most": 45},
    # From the pipeline runs a project's CI posts (issue 16).
    "data-validation-gate": {"fact": "ci.data_validation_share_30d", "at_least": 0.8},
    "unit-tests-ci": {"fact": "ci.tests_share_30d", "at_least": 0.9},
    "release-gate-automated": {"fact": "ci.evaluation_gate_share_30d", "at_least": 1.0},
}


def _with_evidence(rule: object, key: str = KEY) -> dict[str, Any]:
    data = copy.deepcopy(V1_DATA)
    practices = (p for dimension in data["dimensions"] for p in dimension["practices"])
    next(p for p in practices if p["key"] == key)["evidence"] = rule
    return data


def _parse(data: dict[str, Any], *, checked: bool = True):
    return parse_framework_data(
        data, source="mlops.yaml", evidence_errors=evidence_rule_errors if checked else None
    )


def _practice(spec, key: str = KEY):
    return next(p for p in spec.practices() if p.key == key)


# --- The parser -----------------------------------------------------------------------------


def test_a_good_rule_is_kept_on_its_practice_only():
    spec = _parse(_with_evidence({"fact": INPUTS, "at_least": 0.8}))
    assert _practice(spec).evidence == {"fact": INPUTS, "at_least": 0.8}
    assert [p.key for p in spec.practices() if p.evidence] == [KEY]


def test_a_duration_takes_at_most():
    spec = _parse(_with_evidence({"fact": DAYS, "at_most": 45}, key="retrain-automated"))
    assert _practice(spec, "retrain-automated").evidence == {"fact": DAYS, "at_most": 45}


def test_evidence_rules_leave_the_content_hash_as_it_was():
    without = _parse(copy.deepcopy(V1_DATA)).content_hash()
    assert _parse(_with_evidence({"fact": INPUTS, "at_least": 0.8})).content_hash() == without
    assert _parse(_with_evidence({"fact": INPUTS, "at_least": 0.5})).content_hash() == without


@pytest.mark.parametrize(
    ("rule", "problem"),
    [
        (
            {"fact": "mlflow.nope", "at_least": 0.8},
            "evidence fact 'mlflow.nope' is not a fact the portal collects "
            "(ci.data_validation_share_30d, ci.evaluation_gate_share_30d,",
        ),
        ({"at_least": 0.8}, "evidence fact None is not a fact the portal collects"),
        ({"fact": INPUTS}, "evidence needs exactly one of 'at_least' and 'at_most'"),
        (
            {"fact": INPUTS, "at_least": 0.8, "at_most": 0.9},
            "evidence needs exactly one of 'at_least' and 'at_most'",
        ),
        (
            {"fact": INPUTS, "at_least": 80},
            f"evidence at_least for {INPUTS} is a share: between 0 and 1 (0.8 for 80 %), not 80",
        ),
        (
            {"fact": INPUTS, "at_least": 0},
            f"evidence at_least for {INPUTS} is a share: between 0 and 1 (0.8 for 80 %), not 0",
        ),
        ({"fact": DAYS, "at_least": 30}, f"evidence for {DAYS} counts days: use 'at_most'"),
        (
            {"fact": INPUTS, "at_least": "80%"},
            "evidence at_least must be a number of 0 or more, not '80%'",
        ),
        ({"fact": INPUTS, "at_least": True}, "evidence at_least must be a number of 0 or more"),
        ({"fact": DAYS, "at_most": -1}, "evidence at_most must be a number of 0 or more, not -1"),
        (
            {"fact": INPUTS, "at_least": 0.8, "window": 30},
            "evidence has unknown keys: window",
        ),
        (
            INPUTS,
            f"evidence must be a mapping with 'fact' and 'at_least' or 'at_most', got '{INPUTS}'",
        ),
        (
            [INPUTS, 0.8],
            "evidence must be a mapping with 'fact' and 'at_least' or 'at_most', got a list",
        ),
        (None, "evidence must be a mapping with 'fact' and 'at_least' or 'at_most', got null"),
    ],
)
def test_each_mistake_names_the_practice_and_the_problem(rule, problem):
    with pytest.raises(FrameworkFileError) as raised:
        _parse(_with_evidence(rule))
    assert raised.value.where == f"practice {KEY!r}"
    assert raised.value.problem.startswith(problem)
    assert str(raised.value).startswith(f"mlops.yaml: practice {KEY!r}: {problem}")


def test_several_mistakes_of_one_rule_are_named_together():
    with pytest.raises(FrameworkFileError) as raised:
        _parse(_with_evidence({"fact": "mlflow.nope", "window": 30}))
    assert raised.value.problem.split("; ")[0] == "evidence has unknown keys: window"
    assert "is not a fact the portal collects" in raised.value.problem
    assert raised.value.problem.endswith("evidence needs exactly one of 'at_least' and 'at_most'")


def test_without_a_checker_a_rule_is_only_checked_for_shape():
    """The pure parse (as the scoring tests read the files) knows no facts; the loader
    always passes the evidence app's checker."""
    spec = _parse(_with_evidence({"fact": "mlflow.nope", "at_least": 5}), checked=False)
    assert _practice(spec).evidence == {"fact": "mlflow.nope", "at_least": 5}
    with pytest.raises(FrameworkFileError, match="evidence must be a mapping"):
        _parse(_with_evidence("mlflow.nope"), checked=False)
    with pytest.raises(FrameworkFileError, match="evidence key 1 is not text"):
        _parse(_with_evidence({1: 2}), checked=False)


def test_the_shipped_v2_file_has_its_nine_rules():
    spec = parse_framework_file(V2_PATH, evidence_errors=evidence_rule_errors)
    assert {p.key: p.evidence for p in spec.practices() if p.evidence} == V2_RULES


# --- load_framework -------------------------------------------------------------------------


def _write(tmp_path: Path, data: dict[str, Any], name: str = "framework.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_load_framework_refuses_a_bad_rule_with_the_practice_and_the_problem(db, tmp_path):
    path = _write(tmp_path, _with_evidence({"fact": "mlflow.nope", "at_least": 0.8}))
    with pytest.raises(CommandError) as raised:
        call_command("load_framework", str(path))
    assert str(raised.value).startswith(
        f"{path}: practice {KEY!r}: evidence fact 'mlflow.nope' is not a fact the portal "
        "collects (ci.data_validation_share_30d, "
    )
    assert not Framework.objects.exists()


def test_load_framework_stores_the_rules(db, tmp_path):
    path = _write(tmp_path, _with_evidence({"fact": INPUTS, "at_least": 0.8}))
    call_command("load_framework", str(path), stdout=io.StringIO())
    assert Practice.objects.get(key=KEY).evidence == {"fact": INPUTS, "at_least": 0.8}
    assert Practice.objects.exclude(key=KEY).filter(evidence={}).count() == (
        Practice.objects.count() - 1
    )


def _v2_without_evidence(tmp_path: Path) -> Path:
    """The v2 file as it was before it had evidence rules: the same key, version and hash."""
    text = V2_PATH.read_text(encoding="utf-8")
    stripped = re.sub(r"(?m)^ +evidence: \{.*\}\n", "", text)
    assert stripped.count("\n") == text.count("\n") - len(V2_RULES)
    path = tmp_path / "mlops-v2.yaml"
    path.write_text(stripped, encoding="utf-8")
    return path


def _load(*paths: Path) -> str:
    out = io.StringIO()
    call_command("load_framework", *map(str, paths), stdout=out)
    return out.getvalue()


def test_v2_reloads_over_itself_in_use_with_its_evidence_updated(db, tmp_path, project):
    _load(FRAMEWORK_PATH, _v2_without_evidence(tmp_path))
    draft = open_v2_draft(project)  # v2 is in use: its questions can no longer change
    ids = sorted(Practice.objects.values_list("pk", flat=True))
    assert not Practice.objects.exclude(evidence={}).exists()

    output = _load(FRAMEWORK_PATH, V2_PATH)
    assert output.count("Unchanged:") == 2
    assert (
        "Evidence rules updated for 9 practices: data-versioned-snapshots, "
        "data-validation-gate, exp-runs-logged, run-commit-recorded, retrain-automated, "
        "unit-tests-ci, release-gate-automated, model-version-traceable, model-registry."
    ) in output
    v2 = Framework.objects.get(key="mlops", version=2)
    assert {
        p.key: p.evidence for p in Practice.objects.filter(framework=v2).exclude(evidence={})
    } == V2_RULES
    assert sorted(Practice.objects.values_list("pk", flat=True)) == ids
    assert Assessment.objects.filter(pk=draft.pk).exists()
    entries = AuditEntry.objects.filter(action="practice.evidence_update")
    assert sorted(e.target_label for e in entries) == sorted(V2_RULES)
    assert all(e.actor_label == "the system" for e in entries)

    again = _load(FRAMEWORK_PATH, V2_PATH)
    assert again.count("Unchanged:") == 2 and "Evidence rules updated" not in again
    assert entries.count() == len(V2_RULES)


def test_a_changed_threshold_or_a_removed_rule_updates_a_version_in_use(db, tmp_path, project):
    _load(FRAMEWORK_PATH, V2_PATH)
    open_v2_draft(project)
    data = yaml.safe_load(V2_PATH.read_text(encoding="utf-8"))
    practices = {p["key"]: p for d in data["dimensions"] for p in d["practices"]}
    practices[KEY]["evidence"] = {"fact": INPUTS, "at_least": 0.9}
    del practices["retrain-automated"]["evidence"]
    output = _load(FRAMEWORK_PATH, _write(tmp_path, data, "mlops-v2.yaml"))
    assert (
        "Evidence rules updated for 2 practices: data-versioned-snapshots, retrain-automated."
        in output
    )
    v2 = Framework.objects.get(version=2)
    assert Practice.objects.get(framework=v2, key=KEY).evidence["at_least"] == 0.9
    assert Practice.objects.get(framework=v2, key="retrain-automated").evidence == {}


# --- The inflation signal's sentence (assessments.rules.review) -----------------------------


def _signals(mismatches, **overrides):
    fields = {
        "claims": [],
        "previous_levels": {},
        "previous_overall": None,
        "overall_level": 1,
        "top_level_unevidenced": [],
        "last_day_rises": 0,
        "due_on_text": "1 December 2026",
        "evidence_mismatches": mismatches,
        **overrides,
    }
    return review.inflation_signals(**fields)


def _mismatch(name: str, source: str = "MLflow", *, is_demo: bool = False):
    return review.EvidenceMismatch(
        practice=name,
        source=source,
        fact=f"{name.lower()} fact",
        suggested="Partly",
        is_demo=is_demo,
    )


def test_one_mismatch_reads_as_one_sentence():
    (signal,) = _signals([_mismatch("Run commit recorded")])
    assert signal.kind == "evidence_mismatch"
    assert signal.text == (
        "The evidence from MLflow disagrees with 1 answer of “fully in place”: Run commit "
        "recorded (run commit recorded fact; it suggests “Partly”)."
    )


def test_a_mismatch_with_ci_events_reads_as_well():
    (signal,) = _signals([_mismatch("Unit tests in CI", source="CI events")])
    assert signal.text.startswith(
        "The evidence from CI events disagrees with 1 answer of “fully in place”: Unit tests"
    )


def test_many_mismatches_name_four_and_count_the_rest():
    (signal,) = _signals([_mismatch(f"P{n}") for n in range(6)])
    assert signal.text.startswith(
        "The evidence from MLflow disagrees with 6 answers of “fully in place”: P0 ("
    )
    assert signal.text.endswith("P3 (p3 fact; it suggests “Partly”) and 2 more practices.")


def test_mismatches_from_several_tools_are_the_tools_and_demo_facts_say_so():
    (signal,) = _signals([_mismatch("A"), _mismatch("B", "CI", is_demo=True)])
    assert signal.text == (
        "The tools disagree with 2 answers of “fully in place”: A (a fact; it suggests "
        "“Partly”) and B (demo data: b fact; it suggests “Partly”)."
    )


def test_no_mismatch_no_signal():
    assert _signals([]) == []
