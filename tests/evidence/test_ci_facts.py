"""The `ci.*` facts from a project's pipeline runs of the last 30 days: computed from
hand-made histories, stored one row per key and day, and shown in the questionnaire beside
the practices they evidence, with a suggestion, as MLflow's facts are."""

import datetime
import html
import re

import pytest

from evidence.collectors.ci.facts import ci_facts_compute
from evidence.models import Event, Fact
from evidence.rules.facts import FACTS, fact_sentence, facts_of
from evidence.rules.sources import source_name
from evidence.services.events import ci_facts_refresh, event_record
from tests.assessments.evidence_data import open_v2_draft

NOW = datetime.datetime(2026, 11, 20, 12, 0, tzinfo=datetime.UTC)


def steps(*pairs: str) -> list[dict[str, str]]:
    """steps("tests:passed", "deploy:skipped") -> the steps of a run, in order."""
    return [dict(zip(("name", "result"), pair.split(":"), strict=True)) for pair in pairs]


def facts(runs) -> dict[str, tuple[float, dict]]:
    return {fact.key: (fact.value, fact.detail) for fact in ci_facts_compute(runs)}


# --- From runs to facts (pure) ------------------------------------------------------------------


def test_it_counts_each_share_over_the_runs_that_could_have_the_step():
    runs = [
        # a: validates, tests, trains, passes the gate, deploys: counts in every share
        steps("data_validation:passed", "tests:passed", "training:passed",
              "evaluation_gate:passed", "deploy:passed"),
        # b: tests that failed still ran
        steps("tests:failed"),
        # c: tests skipped; validated only *after* training: not validated first
        steps("tests:skipped", "training:passed", "data_validation:passed"),
        # d: validation that failed still ran before training; a failed gate is no gate
        steps("data_validation:failed", "training:failed", "evaluation_gate:failed",
              "deploy:passed"),
        # e: neither trained nor deployed: skipped steps did not run
        steps("training:skipped", "deploy:skipped"),
    ]  # fmt: skip
    # tests ran in a, b (2 of 5); trained: a, c, d, validated first: a, d (2 of 3);
    # deployed: a, d, past a passed gate: a (1 of 2).
    assert facts(runs) == {
        "ci.pipeline_runs_30d": (5, {}),
        "ci.tests_share_30d": (0.4, {"count": 2, "total": 5}),
        "ci.data_validation_share_30d": (2 / 3, {"count": 2, "total": 3}),
        "ci.evaluation_gate_share_30d": (0.5, {"count": 1, "total": 2}),
    }


def test_the_gate_must_come_before_the_first_deploy():
    late_gate = steps("deploy:passed", "evaluation_gate:passed", "deploy:passed")
    assert facts([late_gate])["ci.evaluation_gate_share_30d"] == (0.0, {"count": 0, "total": 1})


def test_a_share_over_no_runs_is_not_a_fact():
    assert facts([steps("tests:passed")]) == {
        "ci.pipeline_runs_30d": (1, {}),
        "ci.tests_share_30d": (1.0, {"count": 1, "total": 1}),
    }
    assert facts([]) == {"ci.pipeline_runs_30d": (0, {})}


@pytest.mark.parametrize(
    ("key", "value", "detail", "sentence"),
    [
        ("ci.pipeline_runs_30d", 15, {}, "15 pipeline runs in the last 30 days"),
        (
            "ci.tests_share_30d",
            14 / 15,
            {"count": 14, "total": 15},
            "14 of 15 pipeline runs in the last 30 days ran the tests",
        ),
        (
            "ci.data_validation_share_30d",
            0.5,
            {"count": 4, "total": 8},
            "4 of 8 pipeline runs that trained a model in the last 30 days validated the data "
            "first",
        ),
        (
            "ci.evaluation_gate_share_30d",
            1.0,
            {"count": 6, "total": 6},
            "6 of 6 pipeline runs that deployed in the last 30 days passed an evaluation gate "
            "first",
        ),
    ],
)
def test_each_fact_reads_as_a_sentence_from_ci_events(key, value, detail, sentence):
    assert fact_sentence(key, value, detail) == sentence
    assert source_name(FACTS[key].source) == "CI events"


def test_the_ci_facts_are_their_own_source():
    assert facts_of("ci") == [
        "ci.pipeline_runs_30d",
        "ci.tests_share_30d",
        "ci.data_validation_share_30d",
        "ci.evaluation_gate_share_30d",
    ]
    assert "mlflow.runs_30d" in facts_of("mlflow") and not set(facts_of("ci")) & set(
        facts_of("mlflow")
    )


# --- Stored per day -----------------------------------------------------------------------------


def run(project, sender_id: str, days_ago: float, *pairs: str, is_demo: bool = False) -> Event:
    return Event.objects.create(
        project=project,
        sender_id=sender_id,
        kind="pipeline_run",
        occurred_at=NOW - datetime.timedelta(days=days_ago),
        state="passed",
        detail={"steps": steps(*pairs)},
        is_demo=is_demo,
    )


def stored(project) -> list[tuple[str, float, datetime.datetime]]:
    rows = Fact.objects.filter(project=project).order_by("observed_at", "key")
    return [(f.key, f.value, f.observed_at) for f in rows]


def test_it_keeps_one_row_per_key_and_day_replacing_today_s(db, project):
    run(project, "old", 31, "tests:passed")  # outside the 30 days
    run(project, "a", 2, "tests:passed")
    yesterday = NOW - datetime.timedelta(days=1)
    ci_facts_refresh(project=project, now=yesterday)
    run(project, "b", 0.1, "tests:skipped")
    ci_facts_refresh(project=project, now=NOW - datetime.timedelta(hours=2))
    ci_facts_refresh(project=project, now=NOW)
    assert stored(project) == [
        ("ci.pipeline_runs_30d", 1, yesterday),
        ("ci.tests_share_30d", 1.0, yesterday),
        ("ci.pipeline_runs_30d", 2, NOW),
        ("ci.tests_share_30d", 0.5, NOW),
    ]
    fact = Fact.objects.filter(observed_at=NOW).first()
    assert fact.collection is None and not fact.is_demo


def test_facts_are_demo_data_when_every_run_behind_them_is(db, project, other_project):
    run(project, "a", 1, "tests:passed", is_demo=True)
    run(other_project, "a", 1, "tests:passed", is_demo=True)
    run(other_project, "b", 1, "tests:passed")
    ci_facts_refresh(project=project, now=NOW)
    ci_facts_refresh(project=other_project, now=NOW)
    assert set(Fact.objects.filter(project=project).values_list("is_demo", flat=True)) == {True}
    assert set(Fact.objects.filter(project=other_project).values_list("is_demo", flat=True)) == {
        False
    }


# --- In the questionnaire -----------------------------------------------------------------------


def _evidence(page: str, key: str) -> str:
    found = re.search(
        rf'<div class="evidence-state[^"]*" id="tools-{key}"[^>]*>(.*?)</div>', page, re.S
    )
    assert found, f"no evidence block for {key}"
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", found.group(1))).split())


def test_the_questionnaire_suggests_answers_from_the_pipeline_runs(db, client_for, alice, project):
    draft = open_v2_draft(project)
    for number in range(15):
        # Run 0 skips the tests; runs 0 to 4 train without validating the data; none has
        # an evaluation gate before it deploys.
        pairs = ["tests:skipped" if number == 0 else "tests:passed", "training:passed"]
        pairs = (["data_validation:passed"] if number >= 5 else []) + pairs + ["deploy:passed"]
        payload = {"id": f"run-{number}", "kind": "pipeline_run", "steps": steps(*pairs)}
        event_record(project=project, token_id=None, payload=payload)
    response = client_for(alice).get(f"/assessments/{draft.pk}/")
    assert response.status_code == 200
    page = response.text

    tests = _evidence(page, "unit-tests-ci")
    assert tests.startswith(
        "CI events: 14 of 15 pipeline runs in the last 30 days ran the tests (checked just now)"
    )
    assert "Suggested answer: Fully in place" in tests  # 14 of 15 is at least 90 %
    validation = _evidence(page, "data-validation-gate")
    assert "10 of 15 pipeline runs that trained a model in the last 30 days validated" in validation
    assert "Suggested answer: Partly" in validation  # 67 %, below the 80 % of the rule
    gate = _evidence(page, "release-gate-automated")
    assert "0 of 15 pipeline runs that deployed in the last 30 days passed an evaluation" in gate
    assert "Suggested answer: Not in place" in gate
