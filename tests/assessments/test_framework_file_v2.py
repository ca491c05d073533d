"""The framework file's rule-2 fields: each mistake gets one message that names the place
and the problem (assessments/rules/framework_profiles.py)."""

import copy

import pytest

from assessments.rules.framework_file import parse_framework_data
from assessments.rules.framework_profiles import check_mapping_against
from assessments.rules.framework_spec import FrameworkFileError


def _practice(key: str, level: int, **extra: object) -> dict:
    return {
        "key": key,
        "level": level,
        "question": f"Is {key} in place for this project?",
        "help": "Yes: always. Partly: by hand. No: never.",
        "why": "It matters.",
        "next_step": f"Put {key} in place.",
        "effort": "S",
        "sources": ["Google MLOps L1"],
        **extra,
    }


def _document() -> dict:
    practices = [
        _practice("a0", 0),
        _practice("b0", 0),
        _practice("a1", 1, defining=True),
        _practice("b1", 1),
        _practice("a2", 2, defining=True),
        _practice("b2", 2),
    ]
    return {
        "key": "mlops",
        "version": 2,
        "scoring_rule": 2,
        "title": "Test framework",
        "description": "For tests.",
        "levels": {level: {"name": f"L{level}", "description": "A level."} for level in (0, 1, 2)},
        "anti_patterns": {},
        "dimensions": [
            {"key": "data", "name": "Data", "description": "Data.", "practices": practices}
        ],
    }


def _parse(document: dict):
    return parse_framework_data(document, source="test.yaml")


def _with(change) -> dict:  # type: ignore[no-untyped-def]
    document = copy.deepcopy(_document())
    change(document)
    return document


def _practices(document: dict) -> list[dict]:
    return document["dimensions"][0]["practices"]


def test_a_valid_rule_2_document_parses_with_its_conditions_and_variants():
    document = _with(
        lambda d: _practices(d)[0].update(
            variants=[
                {"when": {"kind": ["rag"]}, "question": "Q?", "help": "Yes: a. Partly: b. No: c."}
            ]
        )
    )
    spec = _parse(document)
    assert spec.scoring_rule == 2
    assert spec.practices()[0].variants[0].when == {"kind": ("rag",)}
    assert [p.defining for p in spec.practices()] == [False, False, True, False, True, False]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(scoring_rule=3), "scoring_rule must be 1 or 2"),
        (
            lambda d: _practices(d)[0].update(defining=True),
            "practice 'a0': a level-0 practice cannot be defining",
        ),
        (
            lambda d: _practices(d)[2].update(defining="yes"),
            "practice 'a1': defining must be true or false",
        ),
        (
            lambda d: _practices(d)[1].update(applies_to={"flavour": ["rag"]}),
            "unknown profile field 'flavour'",
        ),
        (
            lambda d: _practices(d)[1].update(applies_to={"kind": ["chatbot"]}),
            "kind has no value 'chatbot'",
        ),
        (
            lambda d: _practices(d)[1].update(
                applies_to={"kind": ["rag"]},
                variants=[{"when": {"kind": ["agent"]}, "question": "Q", "help": "H"}],
            ),
            "variant #1: when matches no profile this practice applies to",
        ),
        (
            lambda d: _practices(d)[5].update(applies_to={"serving": ["online"]}),
            "dimension 'data': asks a supervised/batch/hours/minimal project 1 level-2 practice(s);"
            " a level needs at least 2",
        ),
        (
            lambda d: _practices(d)[4].update(defining=False),
            "dimension 'data': has no defining practice at level 2",
        ),
        (
            lambda d: (
                _practices(d).append(_practice("c2", 2)),
                _practices(d)[4].update(applies_to={"kind": ["rag"]}),
            ),
            "asks a supervised/batch/hours/minimal project no defining level-2 practice",
        ),
        (
            lambda d: d.update(maps_from={"key": "mlops", "version": 1, "renamed": {"x": "nope"}}),
            "maps_from: 'nope' is not a practice of this version",
        ),
        (
            lambda d: d.update(
                maps_from={
                    "key": "mlops",
                    "version": 1,
                    "renamed": {"x": "a0"},
                    "removed": {"x": "Gone."},
                }
            ),
            "'x' is listed more than once (renamed, removed)",
        ),
        (
            lambda d: d.update(maps_from={"key": "mlops", "version": 1, "split": {"x": ["a0"]}}),
            "split: each entry must list at least 2 practice keys",
        ),
    ],
)
def test_each_mistake_is_named(change, message):
    with pytest.raises(FrameworkFileError) as error:
        _parse(_with(change))
    assert message in str(error.value)


def test_the_mapping_must_account_for_every_earlier_practice():
    document = _with(
        lambda d: d.update(
            maps_from={"key": "mlops", "version": 1, "split": {"old-a": ["a1", "b1"]}}
        )
    )
    spec = _parse(document)
    check_mapping_against(spec, ["old-a", "a0"], "test.yaml")
    with pytest.raises(FrameworkFileError, match="'old-b' of mlops version 1 are neither kept"):
        check_mapping_against(spec, ["old-a", "old-b", "a0"], "test.yaml")
    with pytest.raises(FrameworkFileError, match="'old-a' are not practices of mlops version 1"):
        check_mapping_against(spec, ["a0"], "test.yaml")


def test_a_rule_1_file_keeps_its_content_hash_whatever_rule_2_added():
    document = _document()
    del document["scoring_rule"]
    for practice in _practices(document):
        practice.pop("defining", None)
    before = _parse(document).content_hash()
    document["scoring_rule"] = 1
    assert _parse(document).content_hash() == before
