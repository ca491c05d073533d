"""Carrying last quarter's answers into a draft of a newer framework version, through its
mapping: renamed keys keep their answer, a split practice is pre-filled from its parent
and must be looked at, merged practices take the weakest answer."""

import datetime

import pytest
import time_machine

from assessments.models import Answer, Assessment, Framework
from assessments.rules.carrying import MERGED, RENAMED, SAME, SPLIT, carry_plan, merged_value
from assessments.services.answering import (
    CarriedAnswersUnconfirmed,
    answer_save,
    assessment_submit,
)
from assessments.services.periods import period_open
from tests.assessments.factories import DimensionFactory, FrameworkFactory, PracticeFactory
from tests.assessments.fixtures import make_period

MAPPING = {
    "key": "mlops",
    "version": 1,
    "renamed": {"owner": "model-owner"},
    "split": {"privacy": ["privacy-access", "privacy-deletion"]},
    "merged": {"validation": ["holdout", "release-criteria"]},
    "removed": {"templates": "A platform property, not a project one."},
}


def test_the_plan_follows_the_mapping_and_keeps_shared_keys():
    plan = carry_plan(
        ["model-owner", "privacy-access", "privacy-deletion", "validation", "tests", "new"],
        ["owner", "privacy", "holdout", "release-criteria", "templates", "tests"],
        MAPPING,
    )
    assert plan["model-owner"].earlier_keys == ("owner",) and plan["model-owner"].via == RENAMED
    assert plan["privacy-access"].via == plan["privacy-deletion"].via == SPLIT
    assert plan["validation"].earlier_keys == ("holdout", "release-criteria")
    assert plan["validation"].via == MERGED
    assert plan["tests"].via == SAME
    assert "new" not in plan


@pytest.mark.parametrize(
    ("values", "carried"),
    [
        (["yes", "partly"], "partly"),
        (["yes", "no"], "no"),
        (["na", "yes"], "yes"),
        (["na", "na"], "na"),
        (["yes", "yes"], "yes"),
    ],
)
def test_a_merge_carries_the_weakest_applicable_answer(values, carried):
    assert merged_value(values) == carried


def _framework(version: int, keys: list[str], maps_from: dict | None = None) -> Framework:
    framework = FrameworkFactory(
        version=version, scoring_rule=1, maps_from=maps_from, content_hash=f"v{version}"
    )
    dimension = DimensionFactory(framework=framework, key="governance", order=1)
    for order, key in enumerate(keys):
        PracticeFactory(framework=framework, dimension=dimension, key=key, level=0, order=order)
    return framework


@pytest.fixture
def carried_draft(db, project, alice) -> Assessment:
    """A v1 submission last quarter by alice (a lead), then a v2 draft this quarter."""
    v1 = _framework(1, ["owner", "privacy", "holdout", "release-criteria", "templates", "tests"])
    v2 = _framework(
        2,
        ["model-owner", "privacy-access", "privacy-deletion", "validation", "tests", "new"],
        MAPPING,
    )
    past = make_period(v1, "2026-Q3", opened_days_ago=95)
    period_open(period=past)
    previous = Assessment.objects.get(period=past, project=project)
    values = {
        "owner": "yes",
        "privacy": "partly",
        "holdout": "yes",
        "release-criteria": "no",
        "templates": "yes",
        "tests": "na",
    }
    for answer in previous.answers.select_related("practice"):
        answer.value = values[answer.practice.key]
        answer.na_reason = "No code of our own." if answer.value == "na" else ""
        answer.note = f"note on {answer.practice.key}"
        answer.save()
    with time_machine.travel(past.opens_on + datetime.timedelta(days=1)):
        assessment_submit(assessment=previous, user=alice)
    current = make_period(v2, "2026-Q4", opened_days_ago=5)
    period_open(period=current)
    return Assessment.objects.get(period=current, project=project)


def _answers(assessment: Assessment) -> dict[str, Answer]:
    return {a.practice.key: a for a in assessment.answers.select_related("practice")}


def test_every_answer_that_has_a_destination_is_carried(carried_draft):
    answers = _answers(carried_draft)
    carried = {key: (a.value, a.carried_via, a.carried_from) for key, a in answers.items()}
    assert carried == {
        "model-owner": ("yes", RENAMED, "owner"),
        "privacy-access": ("partly", SPLIT, "privacy"),
        "privacy-deletion": ("partly", SPLIT, "privacy"),
        "validation": ("no", MERGED, "holdout, release-criteria"),
        "tests": ("na", SAME, ""),
        "new": ("", "", ""),
    }
    assert answers["tests"].na_reason == "No code of our own."
    assert answers["validation"].note == (
        "holdout: note on holdout; release-criteria: note on release-criteria"
    )
    assert all(a.carried_over for key, a in answers.items() if key != "new")


def test_split_and_merged_answers_need_their_own_look_before_submitting(carried_draft, alice):
    answers = _answers(carried_draft)
    answer_save(
        assessment=carried_draft,
        answer=answers["new"],
        expected_version=answers["new"].version,
        user=alice,
        value="yes",
    )
    with pytest.raises(CarriedAnswersUnconfirmed) as refused:
        assessment_submit(assessment=carried_draft, user=alice, confirm_carried=True)
    assert refused.value.own_look == 3
    assert "splits or merges" in str(refused.value)
    for key in ("privacy-access", "privacy-deletion", "validation"):
        answer = answers[key]
        answer_save(
            assessment=carried_draft,
            answer=answer,
            expected_version=answer.version,
            user=alice,
            value=answer.value,
            na_reason=answer.na_reason,
            note=answer.note,
        )
    result = assessment_submit(assessment=carried_draft, user=alice, confirm_carried=True)
    assert result.newly_submitted


def test_the_questionnaire_says_where_a_pre_filled_answer_came_from(
    carried_draft, client_for, alice
):
    page = client_for(alice).get(carried_draft.get_absolute_url()).text
    assert "Pre-filled from the earlier framework version's <code>privacy</code>" in page
    assert "splits into separate questions" in page
    assert "merges into this one (the weakest answer is shown)" in page
