"""The framework file validator and the shipped MLOps framework (no Django needed)."""

import copy
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from assessments.rules.framework_file import (
    FrameworkFileError,
    FrameworkSpec,
    parse_framework_data,
    parse_framework_file,
    parse_framework_text,
)

SHIPPED_PATH = Path(__file__).resolve().parents[2] / "assessments/frameworks/mlops-v1.yaml"
SHIPPED_TEXT = SHIPPED_PATH.read_text(encoding="utf-8")
SHIPPED_DATA: dict[str, Any] = yaml.safe_load(SHIPPED_TEXT)
SHIPPED = parse_framework_text(SHIPPED_TEXT, source=str(SHIPPED_PATH))

DIMENSION_KEYS = [
    "data",
    "experimentation",
    "training",
    "testing",
    "deployment",
    "monitoring",
    "governance",
    "people",
]
ANTI_PATTERNS = {
    "notebooks_in_production",
    "liveness_only_monitoring",
    "deploy_when_possible",
    "manual_handoffs",
}
PRACTICE_TEXT_FIELDS = ["question", "help", "why", "next_step"]
REQUIRED_PRACTICE_FIELDS = ["level", *PRACTICE_TEXT_FIELDS, "effort", "sources"]
# The tests that mutate a practice use this one: level 1, dimension "data".
PRACTICE = "data-schema"


def shipped() -> dict[str, Any]:
    return copy.deepcopy(SHIPPED_DATA)


def dimension_in(data: dict[str, Any], key: str) -> dict[str, Any]:
    return next(dimension for dimension in data["dimensions"] if dimension["key"] == key)


def practice_in(data: dict[str, Any], key: str) -> dict[str, Any]:
    practices = (p for dimension in data["dimensions"] for p in dimension["practices"])
    return next(practice for practice in practices if practice["key"] == key)


def refusal_of_text(text: str) -> str:
    with pytest.raises(FrameworkFileError) as info:
        parse_framework_text(text, source="bad.yaml")
    return str(info.value)


# libyaml's dumper writes the same YAML as safe_dump, several times faster.
DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def refusal(data: object) -> str:
    return refusal_of_text(yaml.dump(data, Dumper=DUMPER, sort_keys=False))


# The shipped framework


def test_it_parses_the_shipped_framework() -> None:
    assert SHIPPED.key == "mlops"
    assert SHIPPED.version == 1
    assert SHIPPED.title == "MLOps maturity framework"
    assert SHIPPED.description
    assert {level: value["name"] for level, value in SHIPPED.levels.items()} == {
        0: "Manual",
        1: "Continuous training",
        2: "CI/CD of ML pipelines",
    }
    assert set(SHIPPED.anti_patterns) == ANTI_PATTERNS


def test_it_parses_the_shipped_file_by_path() -> None:
    assert parse_framework_file(SHIPPED_PATH) == SHIPPED


def test_it_ships_the_eight_dimensions_in_order() -> None:
    assert [dimension.key for dimension in SHIPPED.dimensions] == DIMENSION_KEYS
    assert [dimension.order for dimension in SHIPPED.dimensions] == list(range(1, 9))


def test_it_ships_six_to_eight_practices_per_dimension() -> None:
    for dimension in SHIPPED.dimensions:
        assert 6 <= len(dimension.practices) <= 8, dimension.key
    assert len(SHIPPED.practices()) >= 48


def test_it_ships_enough_practices_at_each_level_in_every_dimension() -> None:
    for dimension in SHIPPED.dimensions:
        levels = Counter(practice.level for practice in dimension.practices)
        assert levels[0] >= 1, dimension.key
        assert levels[1] >= 2, dimension.key
        assert levels[2] >= 2, dimension.key


def test_it_marks_each_anti_pattern_on_exactly_one_practice() -> None:
    marked = Counter(p.anti_pattern for p in SHIPPED.practices() if p.anti_pattern)
    assert marked == dict.fromkeys(ANTI_PATTERNS, 1)
    dimension_of = {p.anti_pattern: p.dimension_key for p in SHIPPED.practices()}
    assert dimension_of["notebooks_in_production"] == "deployment"
    assert dimension_of["liveness_only_monitoring"] == "monitoring"
    assert dimension_of["deploy_when_possible"] == "deployment"
    assert dimension_of["manual_handoffs"] in ("training", "people")


def test_it_keeps_prerequisites_at_or_below_the_practice_level() -> None:
    level_of = {practice.key: practice.level for practice in SHIPPED.practices()}
    for practice in SHIPPED.practices():
        for prerequisite in practice.prerequisites:
            assert level_of[prerequisite] <= practice.level, (practice.key, prerequisite)


def test_it_numbers_practices_in_file_order() -> None:
    assert [practice.order for practice in SHIPPED.practices()] == list(
        range(1, len(SHIPPED.practices()) + 1)
    )


def test_it_asks_every_question_of_the_team() -> None:
    for practice in SHIPPED.practices():
        assert re.search(r"\byour?\b", practice.question, re.IGNORECASE), practice.key
        assert practice.question.endswith("?"), practice.key


def test_it_says_what_yes_and_partly_mean_in_every_help_text() -> None:
    for practice in SHIPPED.practices():
        assert practice.help.startswith("Yes:"), practice.key
        assert "Partly:" in practice.help, practice.key


def test_it_gives_a_concrete_next_step_for_every_practice() -> None:
    for practice in SHIPPED.practices():
        assert not practice.next_step.lower().startswith(("consider", "think about")), practice.key
        assert practice.sources, practice.key


# Refusals: malformed YAML and the top level


def test_it_refuses_malformed_yaml_with_its_line_number() -> None:
    message = refusal_of_text("key: mlops\nversion: 1\ntitle: a: b\n")

    assert message == "bad.yaml: line 3: invalid YAML (mapping values are not allowed here)"


def test_it_refuses_a_control_character_with_its_line_number() -> None:
    message = refusal_of_text("key: mlops\ntitle: a\x00b\n")

    assert message.startswith("bad.yaml: line 2: invalid YAML (unacceptable character")


@pytest.mark.parametrize(
    "text",
    ["[" * 5000, "key: 2020-13-45\n", "key: !!python/object:os.system x\n", "a: 1\n---\nb: 2\n"],
)
def test_it_refuses_yaml_that_python_cannot_build(text: str) -> None:
    assert "invalid YAML" in refusal_of_text(text)


@pytest.mark.parametrize(
    ("text", "got"),
    [("- a\n- b\n", "a list"), ("42\n", "42"), ("just words\n", "'just words'")],
)
def test_it_refuses_a_top_level_that_is_not_a_mapping(text: str, got: str) -> None:
    assert refusal_of_text(text) == f"bad.yaml: top level: expected a mapping of fields, got {got}"


@pytest.mark.parametrize("text", ["", "null\n", "# only a comment\n"])
def test_it_refuses_an_empty_document(text: str) -> None:
    assert refusal_of_text(text) == "bad.yaml: top level: the document is empty"


def test_it_refuses_something_other_than_text() -> None:
    with pytest.raises(FrameworkFileError, match="expected text, got null"):
        parse_framework_text(None, source="bad.yaml")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "field", ["key", "version", "title", "description", "levels", "anti_patterns", "dimensions"]
)
def test_it_refuses_a_missing_top_level_field(field: str) -> None:
    data = shipped()
    del data[field]

    assert refusal(data) == f"bad.yaml: top level: missing field {field!r}"


@pytest.mark.parametrize(
    ("version", "got"),
    [(0, "0"), (-1, "-1"), ("1", "'1'"), (1.5, "1.5"), (True, "True"), (None, "null")],
)
def test_it_refuses_a_version_that_is_not_a_positive_integer(version: object, got: str) -> None:
    data = shipped()
    data["version"] = version

    assert refusal(data) == f"bad.yaml: top level: version must be a positive integer (got {got})"


def test_it_refuses_levels_other_than_0_1_and_2() -> None:
    data = shipped()
    data["levels"][3] = data["levels"].pop(2)

    assert refusal(data) == (
        "bad.yaml: top level: levels must have exactly the keys 0, 1 and 2 (got 0, 1, 3)"
    )


def test_it_refuses_a_level_without_a_name() -> None:
    data = shipped()
    del data["levels"][1]["name"]

    assert refusal(data) == "bad.yaml: level 1: missing field 'name'"


def test_it_refuses_an_anti_pattern_without_a_title() -> None:
    data = shipped()
    del data["anti_patterns"]["manual_handoffs"]["title"]

    assert refusal(data) == "bad.yaml: anti-pattern 'manual_handoffs': missing field 'title'"


# Refusals: dimensions and practices


@pytest.mark.parametrize("field", REQUIRED_PRACTICE_FIELDS)
def test_it_refuses_a_practice_missing_a_field(field: str) -> None:
    data = shipped()
    del practice_in(data, PRACTICE)[field]

    assert refusal(data) == f"bad.yaml: practice 'data-schema': missing field {field!r}"


def test_it_refuses_a_practice_without_a_key_by_its_position() -> None:
    data = shipped()
    del dimension_in(data, "data")["practices"][2]["key"]

    assert refusal(data) == "bad.yaml: practice #3 of dimension 'data': missing field 'key'"


@pytest.mark.parametrize("field", ["key", "name", "description", "practices"])
def test_it_refuses_a_dimension_missing_a_field(field: str) -> None:
    data = shipped()
    del dimension_in(data, "testing")[field]
    where = "dimension #4" if field == "key" else "dimension 'testing'"

    assert refusal(data) == f"bad.yaml: {where}: missing field {field!r}"


@pytest.mark.parametrize("field", PRACTICE_TEXT_FIELDS)
def test_it_refuses_an_empty_practice_text(field: str) -> None:
    data = shipped()
    practice_in(data, PRACTICE)[field] = "   "

    assert refusal(data) == f"bad.yaml: practice 'data-schema': field {field!r} must not be empty"


def test_it_refuses_an_empty_dimension_name() -> None:
    data = shipped()
    dimension_in(data, "people")["name"] = ""

    assert refusal(data) == "bad.yaml: dimension 'people': field 'name' must not be empty"


def test_it_refuses_prerequisites_that_are_not_a_list() -> None:
    data = shipped()
    practice_in(data, PRACTICE)["prerequisites"] = "data-sources-known"

    assert refusal(data) == (
        "bad.yaml: practice 'data-schema': prerequisites must be a list of practice keys,"
        " got 'data-sources-known'"
    )


def test_it_refuses_prerequisites_that_are_not_strings() -> None:
    data = shipped()
    practice_in(data, PRACTICE)["prerequisites"] = ["data-sources-known", 7]

    assert refusal(data) == (
        "bad.yaml: practice 'data-schema': prerequisites must be a list of practice keys"
        " (item 2 is 7)"
    )


def test_it_refuses_a_practice_without_sources() -> None:
    data = shipped()
    practice_in(data, PRACTICE)["sources"] = []

    assert refusal(data) == (
        "bad.yaml: practice 'data-schema': sources must list at least one of source labels"
    )


def test_it_refuses_a_question_that_is_not_text() -> None:
    data = shipped()
    practice_in(data, PRACTICE)["question"] = ["a", "list"]

    assert refusal(data) == (
        "bad.yaml: practice 'data-schema': field 'question' must be text, got a list"
    )


def test_it_refuses_practices_that_are_not_a_list() -> None:
    data = shipped()
    dimension_in(data, "data")["practices"] = {"key": "x"}

    assert refusal(data) == "bad.yaml: dimension 'data': practices must be a list, got a mapping"


def test_it_refuses_a_practice_that_is_not_a_mapping() -> None:
    data = shipped()
    dimension_in(data, "data")["practices"][0] = "data-sources-known"

    assert refusal(data) == (
        "bad.yaml: practice #1 of dimension 'data': expected a mapping of fields,"
        " got 'data-sources-known'"
    )


def test_it_refuses_a_misspelt_practice_field_and_names_it() -> None:
    data = shipped()
    practice = practice_in(data, PRACTICE)
    practice["quesiton"] = practice.pop("question")

    assert refusal(data) == (
        "bad.yaml: practice 'data-schema': unknown field 'quesiton' (did you mean 'question'?)"
    )


@pytest.mark.parametrize(
    ("where", "expected"),
    [("top", "bad.yaml: top level: unknown field 'owner'"), ("dimension", "dimension 'data'")],
)
def test_it_refuses_unknown_fields_elsewhere(where: str, expected: str) -> None:
    data = shipped()
    target = data if where == "top" else dimension_in(data, "data")
    target["owner"] = "someone"

    assert expected in refusal(data)
    assert "unknown field 'owner'" in refusal(data)


@pytest.mark.parametrize(
    ("level", "got"), [(3, "3"), (-1, "-1"), ("1", "'1'"), (1.0, "1.0"), (True, "True")]
)
def test_it_refuses_a_level_out_of_range(level: object, got: str) -> None:
    data = shipped()
    practice_in(data, PRACTICE)["level"] = level

    assert refusal(data) == (
        f"bad.yaml: practice 'data-schema': level must be 0, 1 or 2 (got {got})"
    )


@pytest.mark.parametrize(("effort", "got"), [("XL", "'XL'"), ("s", "'s'"), (None, "null")])
def test_it_refuses_an_effort_other_than_s_m_or_l(effort: object, got: str) -> None:
    data = shipped()
    practice_in(data, PRACTICE)["effort"] = effort

    assert (
        refusal(data) == f"bad.yaml: practice 'data-schema': effort must be S, M or L (got {got})"
    )


@pytest.mark.parametrize("key", ["Data-Schema", "data_schema", "data schema", "-data", "data--x"])
def test_it_refuses_a_practice_key_that_is_not_a_slug(key: str) -> None:
    data = shipped()
    practice_in(data, PRACTICE)["key"] = key

    message = refusal(data)

    assert message.startswith(f"bad.yaml: practice {key!r}: field 'key' must be a slug")


def test_it_refuses_a_dimension_key_that_is_not_a_slug() -> None:
    data = shipped()
    dimension_in(data, "data")["key"] = "Data"

    assert refusal(data).startswith("bad.yaml: dimension 'Data': field 'key' must be a slug")


def test_it_refuses_a_framework_key_that_is_not_a_slug() -> None:
    data = shipped()
    data["key"] = "MLOps v1"

    assert refusal(data).startswith("bad.yaml: top level: field 'key' must be a slug")


def test_it_refuses_a_duplicate_dimension_key() -> None:
    data = shipped()
    dimension_in(data, "people")["key"] = "data"

    assert refusal(data) == (
        "bad.yaml: dimension 'data': duplicate dimension key: another dimension uses it"
    )


def test_it_refuses_a_practice_key_used_in_two_dimensions() -> None:
    data = shipped()
    practice_in(data, "cost-tracked")["key"] = PRACTICE

    assert refusal(data) == (
        "bad.yaml: practice 'data-schema': duplicate practice key: also used in dimension 'data'"
    )


def test_it_refuses_a_practice_key_used_twice_in_one_dimension() -> None:
    data = shipped()
    practice_in(data, "data-quality-check")["key"] = "data-sources-known"

    assert refusal(data) == (
        "bad.yaml: practice 'data-sources-known': duplicate practice key:"
        " also used in dimension 'data'"
    )


def test_it_refuses_an_unknown_prerequisite() -> None:
    data = shipped()
    practice_in(data, PRACTICE)["prerequisites"] = ["data-sources-known", "data-sauces-known"]

    assert refusal(data) == (
        "bad.yaml: practice 'data-schema': unknown prerequisite 'data-sauces-known'"
    )


def test_it_refuses_a_repeated_prerequisite() -> None:
    data = shipped()
    practice_in(data, PRACTICE)["prerequisites"] = ["data-sources-known", "data-sources-known"]

    assert refusal(data) == (
        "bad.yaml: practice 'data-schema': prerequisites lists 'data-sources-known' more than once"
    )


def test_it_refuses_a_prerequisite_cycle_and_names_its_keys() -> None:
    data = shipped()
    practice_in(data, "data-sources-known")["prerequisites"] = ["data-schema"]

    assert refusal(data) == (
        "bad.yaml: practice 'data-sources-known': prerequisite cycle"
        " data-sources-known -> data-schema -> data-sources-known"
    )


def test_it_refuses_a_longer_prerequisite_cycle_across_dimensions() -> None:
    data = shipped()
    practice_in(data, "exp-code-versioned")["prerequisites"] = ["pipeline-cd"]

    message = refusal(data)

    assert "prerequisite cycle" in message
    assert "exp-code-versioned" in message
    assert "pipeline-cd" in message


def test_it_refuses_a_practice_that_requires_itself() -> None:
    data = shipped()
    practice_in(data, "cost-tracked")["prerequisites"] = ["cost-tracked"]

    assert refusal(data) == (
        "bad.yaml: practice 'cost-tracked': prerequisite cycle cost-tracked -> cost-tracked"
    )


def test_it_refuses_an_unknown_anti_pattern() -> None:
    data = shipped()
    practice_in(data, PRACTICE)["anti_pattern"] = "notebooks_in_prod"

    message = refusal(data)

    assert message.startswith(
        "bad.yaml: practice 'data-schema': unknown anti_pattern 'notebooks_in_prod' (known: "
    )
    assert "notebooks_in_production" in message


def test_it_refuses_a_framework_with_no_dimensions() -> None:
    data = shipped()
    data["dimensions"] = []

    assert refusal(data) == "bad.yaml: top level: dimensions must list at least one dimension"


def test_it_refuses_a_dimension_with_no_practices() -> None:
    data = shipped()
    dimension_in(data, "governance")["practices"] = []

    assert refusal(data) == "bad.yaml: dimension 'governance': has no practices"


def test_it_accepts_a_practice_without_the_optional_fields() -> None:
    data = shipped()
    practice = practice_in(data, "cost-tracked")
    del practice["prerequisites"]
    practice["anti_pattern"] = None

    spec = parse_framework_data(data, source="ok.yaml")

    cost = next(p for p in spec.practices() if p.key == "cost-tracked")
    assert cost.prerequisites == ()
    assert cost.anti_pattern is None


# Files


def test_it_names_the_file_it_read_in_errors(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("key: [\n", encoding="utf-8")

    with pytest.raises(FrameworkFileError) as info:
        parse_framework_file(path)

    assert str(info.value).startswith(f"{path}: line ")


def test_it_refuses_a_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "missing.yaml"

    with pytest.raises(FrameworkFileError) as info:
        parse_framework_file(str(path))

    assert str(info.value).startswith(f"{path}: file: cannot be read (")


# Content hash


def test_it_hashes_the_same_content_to_the_same_value() -> None:
    reformatted = yaml.safe_dump(shipped(), sort_keys=True, width=60)
    again = parse_framework_text(reformatted, source="copy.yaml")

    assert again.content_hash() == SHIPPED.content_hash()
    assert re.fullmatch(r"[0-9a-f]{64}", SHIPPED.content_hash())


def test_it_changes_the_hash_when_a_question_changes() -> None:
    data = shipped()
    practice_in(data, PRACTICE)["question"] += " Really?"

    changed = parse_framework_data(data, source="changed.yaml")

    assert changed.content_hash() != SHIPPED.content_hash()


def test_it_changes_the_hash_when_the_practice_order_changes() -> None:
    data = shipped()
    practices = dimension_in(data, "data")["practices"]
    practices[0], practices[1] = practices[1], practices[0]

    reordered = parse_framework_data(data, source="reordered.yaml")

    assert reordered.content_hash() != SHIPPED.content_hash()


# Any input: a FrameworkSpec or a FrameworkFileError, never anything else

FIELD_NAMES = [
    *sorted(SHIPPED_DATA),
    *sorted(SHIPPED_DATA["dimensions"][0]),
    *sorted({field for p in SHIPPED_DATA["dimensions"][0]["practices"] for field in p}),
]
SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
YAMLISH = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(FIELD_NAMES) | st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=25,
)
ANY_TEXT = (
    st.text()
    | st.binary().map(lambda raw: raw.decode("utf-8", errors="replace"))
    | st.binary().map(lambda raw: raw.decode("latin-1"))
)


def assert_spec_or_refusal(parse: Any, *args: object) -> None:
    try:
        result = parse(*args, source="bad.yaml")
    except FrameworkFileError as error:
        message = str(error)
        assert message.startswith("bad.yaml: ")
        assert len(message.splitlines()) == 1
    else:
        assert isinstance(result, FrameworkSpec)


@st.composite
def mutated_frameworks(draw: st.DrawFn) -> dict[str, Any]:
    data = shipped()
    dimension = draw(st.sampled_from(data["dimensions"]))
    practice = draw(st.sampled_from(dimension["practices"]))
    target = draw(st.sampled_from([data, dimension, practice]))
    field = draw(st.sampled_from(sorted(target)) | st.text(max_size=8))
    if draw(st.booleans()):
        target.pop(field, None)
    else:
        target[field] = draw(YAMLISH)
    return data


@settings(database=None, deadline=None, max_examples=300)
@given(ANY_TEXT)
def test_it_never_raises_anything_else_for_any_text(text: str) -> None:
    assert_spec_or_refusal(parse_framework_text, text)


@settings(database=None, deadline=None, max_examples=300)
@given(YAMLISH)
def test_it_never_raises_anything_else_for_any_yaml_structure(structure: object) -> None:
    assert_spec_or_refusal(parse_framework_text, yaml.safe_dump(structure))


@settings(database=None, deadline=None, max_examples=300)
@given(mutated_frameworks())
def test_it_never_raises_anything_else_for_a_mutated_framework(data: dict[str, Any]) -> None:
    assert_spec_or_refusal(parse_framework_data, data)
