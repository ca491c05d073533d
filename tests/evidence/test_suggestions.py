"""What the tools suggest for a practice (evidence.rules.suggestions), how facts read
(evidence.rules.facts) and the template filters that show them (evidence.templatetags)."""

import datetime

import pytest
from django.template import Context, Template
from django.utils import timezone

from evidence.rules.facts import FACTS, fact_sentence
from evidence.rules.sources import source_name
from evidence.rules.suggestions import (
    MIN_SAMPLE,
    NO,
    PARTLY,
    YES,
    Suggestion,
    evidence_rule_errors,
    is_mismatch,
    suggest,
)
from evidence.templatetags.evidence import checked_ago, contradicts

INPUTS = {"fact": "mlflow.dataset_inputs_share_30d", "at_least": 0.8}
DAYS = {"fact": "mlflow.retraining_interval_days", "at_most": 45}


def _share(count: int, total: int) -> tuple[float, dict]:
    return count / total, {"count": count, "total": total}


@pytest.mark.parametrize(
    ("count", "total", "answer"),
    [(15, 15, YES), (12, 15, YES), (11, 15, PARTLY), (1, 15, PARTLY), (0, 15, NO)],
)
def test_a_share_suggests_by_its_least(count, total, answer):
    assert suggest(INPUTS, *_share(count, total)) == Suggestion(answer, "")


@pytest.mark.parametrize(
    ("days", "answer"), [(7, YES), (45, YES), (46, PARTLY), (90, PARTLY), (91, NO)]
)
def test_days_suggest_by_their_most_partly_within_twice(days, answer):
    assert suggest(DAYS, days, {"total": 4}).answer == answer


def test_too_few_runs_or_no_fact_suggest_nothing():
    too_few = suggest(INPUTS, *_share(MIN_SAMPLE - 1, MIN_SAMPLE - 1))
    assert too_few.answer == "" and "too few" in too_few.reason
    assert suggest(INPUTS, *_share(MIN_SAMPLE, MIN_SAMPLE)).answer == YES
    assert suggest(INPUTS, None, {}) == Suggestion("", "not collected yet")


@pytest.mark.parametrize(
    ("answer", "suggested", "mismatch"),
    [
        ("yes", NO, True),
        ("yes", PARTLY, True),
        ("yes", YES, False),
        ("yes", "", False),
        ("partly", NO, False),
        ("no", YES, False),
        ("na", NO, False),
        ("", NO, False),
    ],
)
def test_only_fully_in_place_against_less_is_a_mismatch(answer, suggested, mismatch):
    assert is_mismatch(answer, Suggestion(suggested, "")) is mismatch
    assert contradicts(Suggestion(suggested, ""), answer) is mismatch


def test_contradicts_nothing_without_a_suggestion():
    assert contradicts(None, "yes") is False


@pytest.mark.parametrize("rule", [INPUTS, DAYS, {"fact": "mlflow.runs_30d", "at_least": 10}])
def test_good_rules_have_no_errors(rule):
    assert evidence_rule_errors(rule) == []


def test_a_rule_must_be_a_mapping():
    assert evidence_rule_errors(["mlflow.runs_30d"]) == [
        "evidence must be a mapping with 'fact' and 'at_least' or 'at_most'"
    ]


@pytest.mark.parametrize(
    ("key", "value", "detail", "sentence"),
    [
        (
            "mlflow.dataset_inputs_share_30d",
            14 / 15,
            {"count": 14, "total": 15},
            "14 of 15 runs in the last 30 days logged a dataset input",
        ),
        (
            "mlflow.production_alias_share",
            0.5,
            {"count": 1, "total": 2, "alias": "champion"},
            "1 of 2 registered models carry the alias 'champion'",
        ),
        (
            "mlflow.retraining_interval_days",
            12.4,
            {"total": 6},
            "a new model version every 12 days (median of 6 intervals)",
        ),
        # A detail the sentence cannot use reads as the fact's label and value.
        (
            "mlflow.git_commit_share_30d",
            0.5,
            {},
            "share of the last 30 days' runs that record their git commit: 0.5",
        ),
    ],
)
def test_a_fact_reads_as_a_sentence(key, value, detail, sentence):
    assert fact_sentence(key, value, detail) == sentence


def test_every_fact_comes_from_a_named_source():
    assert {source_name(fact.source) for fact in FACTS.values()} == {"MLflow", "CI events"}
    assert source_name("jenkins") == "jenkins"


@pytest.mark.parametrize(
    ("ago", "reads"),
    [
        (datetime.timedelta(seconds=20), "just now"),
        (datetime.timedelta(minutes=5), "5 minutes ago"),
        (datetime.timedelta(hours=2, minutes=40), "2 hours ago"),
        (datetime.timedelta(days=1, hours=3), "1 day ago"),
        (datetime.timedelta(days=40), "1 month ago"),
    ],
)
def test_checked_ago_reads_like_a_person_would_say_it(ago, reads):
    assert checked_ago(timezone.now() - ago).replace("\xa0", " ") == reads


def test_the_filters_load_in_a_template():
    template = Template(
        "{% load evidence %}{{ source|source_name }} {{ at|checked_ago }}"
        "{% if suggestion|contradicts:'yes' %} differs{% endif %}"
    )
    text = template.render(
        Context(
            {
                "source": "mlflow",
                "at": timezone.now() - datetime.timedelta(hours=3),
                "suggestion": Suggestion(NO, ""),
            }
        )
    )
    assert text.replace("\xa0", " ") == "MLflow 3 hours ago differs"
