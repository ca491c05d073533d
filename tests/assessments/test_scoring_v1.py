"""Tests of scoring rule 1 (assessments/rules/scoring_v1.py), which framework version 1
keeps: no Django, no database. Rule 2 is tested in test_scoring.py."""

import functools

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from assessments.rules import scoring
from assessments.rules.levels import EFFORTS, LEVELS
from assessments.rules.scoring import AssessmentScore, Dimension, Practice

score_assessment = functools.partial(scoring.score_assessment, rule=1)

DATA = Dimension(key="data", name="Data & features", order=1)
MONITORING = Dimension(key="monitoring", name="Monitoring & feedback", order=2)

BETTER_ANSWERS: dict[str | None, tuple[str, ...]] = {
    None: ("no", "partly", "yes"),
    "no": ("partly", "yes"),
    "partly": ("yes",),
}


def practice(key: str, level: int, dimension_key: str = "data", **fields: object) -> Practice:
    return Practice(key=key, dimension_key=dimension_key, level=level, **fields)  # type: ignore[arg-type]


def score_one_dimension(practices: list[Practice], answers: dict[str, str]) -> AssessmentScore:
    return score_assessment(dimensions=[DATA], practices=practices, answers=answers)


@st.composite
def frameworks(draw: st.DrawFn) -> tuple[list[Dimension], list[Practice]]:
    """1-4 dimensions with 1-6 practices each; prerequisites only point backwards."""
    dimensions = [
        Dimension(key=f"d{index}", name=f"Dimension {index}", order=index)
        for index in range(draw(st.integers(1, 4)))
    ]
    practices: list[Practice] = []
    for dimension in dimensions:
        for index in range(draw(st.integers(1, 6))):
            earlier_keys = [earlier.key for earlier in practices]
            prerequisites = (
                draw(st.lists(st.sampled_from(earlier_keys), max_size=2, unique=True))
                if earlier_keys
                else []
            )
            practices.append(
                Practice(
                    key=f"{dimension.key}-p{index}",
                    dimension_key=dimension.key,
                    level=draw(st.sampled_from(LEVELS)),
                    effort=draw(st.sampled_from(EFFORTS)),
                    prerequisites=tuple(prerequisites),
                    anti_pattern=draw(st.sampled_from([None, "notebooks", "alive-only"])),
                )
            )
    return dimensions, practices


@st.composite
def assessments(
    draw: st.DrawFn,
) -> tuple[list[Dimension], list[Practice], dict[str, str]]:
    dimensions, practices = draw(frameworks())
    answers: dict[str, str] = {}
    for each_practice in practices:
        answer = draw(st.sampled_from([None, "no", "partly", "yes", "na"]))
        if answer is not None:
            answers[each_practice.key] = answer
    return dimensions, practices, answers


def assert_not_worse(before: AssessmentScore, after: AssessmentScore) -> None:
    """Nothing assessed before got worse; what was not assessed stays not assessed."""
    for old, new in zip(before.dimensions, after.dimensions, strict=True):
        assert new.assessed == old.assessed
        if old.assessed:
            assert new.level >= old.level
            assert new.score >= old.score
    if before.overall_level is not None:
        assert after.overall_level >= before.overall_level
        assert after.overall_score >= before.overall_score


# Step 1: points


def test_it_scores_yes_partly_no_and_unanswered_as_one_half_and_zero() -> None:
    practices = [practice(key, level=1) for key in ("a", "b", "c", "d")]

    result = score_one_dimension(practices, {"a": "yes", "b": "partly", "c": "no"})

    assert result.dimension("data").points == 1.5
    assert result.dimension("data").possible == 4.0


def test_it_leaves_not_applicable_out_of_the_denominator() -> None:
    practices = [practice("a", level=0), practice("b", level=0)]

    result = score_one_dimension(practices, {"a": "yes", "b": "na"})

    assert result.dimension("data").points == 1.0
    assert result.dimension("data").possible == 1.0
    assert result.dimension("data").level == 2


# Step 2: reaching a level


def test_it_reaches_a_level_at_exactly_seventy_five_percent_without_a_no() -> None:
    practices = [practice("a", level=0), practice("b", level=1), practice("c", level=2)]

    result = score_one_dimension(practices, {"a": "partly", "b": "yes", "c": "partly"})

    assert result.dimension("data").level == 1


def test_it_does_not_reach_a_level_when_any_practice_up_to_it_is_no() -> None:
    practices = [practice(key, level=1) for key in ("a", "b", "c", "d", "e")]
    answers = {"a": "yes", "b": "yes", "c": "yes", "d": "yes", "e": "no"}

    result = score_one_dimension(practices, answers)

    assert result.dimension("data").level == 0


def test_it_treats_an_unanswered_practice_as_no_for_the_gate() -> None:
    practices = [practice(key, level=1) for key in ("a", "b", "c", "d", "e")]
    answers = {"a": "yes", "b": "yes", "c": "yes", "d": "yes"}

    assert score_one_dimension(practices, answers).dimension("data").level == 0


def test_it_holds_level_two_only_when_level_one_is_also_reached() -> None:
    # Up to level 1: 1 of 2 points (50 %). Up to level 2: 7 of 8 (87.5 %) and no "no".
    practices = [practice("l1-a", level=1), practice("l1-b", level=1)] + [
        practice(f"l2-{index}", level=2) for index in range(6)
    ]
    answers = {"l1-a": "partly", "l1-b": "partly"} | {f"l2-{index}": "yes" for index in range(6)}

    result = score_one_dimension(practices, answers).dimension("data")

    assert result.level == 0
    assert result.progress == 50


def test_it_reaches_a_level_without_applicable_practices_up_to_it() -> None:
    practices = [practice("l0", level=0), practice("l2", level=2)]

    result = score_one_dimension(practices, {"l0": "na", "l2": "no"}).dimension("data")

    assert result.level == 1
    assert result.progress == 0


def test_it_leaves_a_dimension_without_practices_not_assessed() -> None:
    result = score_assessment(dimensions=[DATA, MONITORING], practices=[], answers={})

    assert not result.dimension("data").assessed
    assert (result.overall_level, result.overall_score) == (None, None)


# Steps 3 and 4: progress and score


def test_it_measures_progress_over_practices_up_to_the_next_level() -> None:
    practices = [
        practice("l0", level=0),
        practice("l1", level=1),
        practice("l2-a", level=2),
        practice("l2-b", level=2),
    ]
    answers = {"l0": "yes", "l1": "yes", "l2-a": "partly", "l2-b": "no"}

    result = score_one_dimension(practices, answers).dimension("data")

    assert (result.level, result.progress, result.score) == (1, 63, 1.63)  # 2.5 / 4 = 62.5 %


def test_it_gives_full_progress_and_a_score_of_two_at_level_two() -> None:
    practices = [practice("l0", level=0), practice("l2", level=2)]

    result = score_one_dimension(practices, {"l0": "yes", "l2": "partly"}).dimension("data")

    assert (result.level, result.progress, result.score) == (2, 100, 2.0)


def test_it_caps_progress_at_99_when_rounding_would_show_100_below_the_next_level() -> None:
    practices = [practice(f"p{index}", level=1) for index in range(200)]
    answers = {f"p{index}": "yes" for index in range(199)} | {"p199": "no"}  # 99.5 %

    result = score_one_dimension(practices, answers).dimension("data")

    assert (result.level, result.progress, result.score) == (0, 99, 0.99)


# Step 5: overall level, weakest dimension, mean — and a worked example


def worked_example() -> AssessmentScore:
    practices = [
        practice("schema", level=0, effort="S"),
        practice("quality-by-eye", level=0),
        practice("versioned-snapshots", level=1),
        practice("shared-features", level=1),
        practice("feature-store", level=2),
        practice("owner-alerted", level=0, dimension_key="monitoring", anti_pattern="alive-only"),
        practice("drift-dashboards", level=1, dimension_key="monitoring"),
    ]
    answers = {
        "schema": "yes",
        "quality-by-eye": "partly",
        "versioned-snapshots": "yes",
        "shared-features": "partly",
        "feature-store": "no",
        "drift-dashboards": "yes",
        "not-a-practice": "whatever",
    }
    return score_assessment(dimensions=[MONITORING, DATA], practices=practices, answers=answers)


def test_it_scores_the_worked_example() -> None:
    # Data: up to level 1, 3 of 4 points (75 %) and no "no" -> level 1; up to level 2,
    # 3 of 5 (60 %) with a "no" -> not level 2; progress 60, score 1.6.
    # Monitoring: "owner-alerted" unanswered counts as "no" -> level 0; up to level 1,
    # 1 of 2 points -> progress 50, score 0.5.
    result = worked_example()

    data, monitoring = result.dimension("data"), result.dimension("monitoring")
    assert (data.level, data.progress, data.score) == (1, 60, 1.6)
    assert (data.points, data.possible) == (3.0, 5.0)
    assert (monitoring.level, monitoring.progress, monitoring.score) == (0, 50, 0.5)
    assert result.overall_level == 0
    assert result.weakest_dimension_key == "monitoring"
    assert result.overall_score == pytest.approx(1.05)
    assert result.anti_patterns == ("alive-only",)


def test_it_lists_dimensions_in_framework_order() -> None:
    assert [dimension.key for dimension in worked_example().dimensions] == ["data", "monitoring"]


def test_it_names_the_first_dimension_in_framework_order_as_weakest_on_a_tie() -> None:
    practices = [practice("a", level=0), practice("b", level=0, dimension_key="monitoring")]

    result = score_assessment(dimensions=[MONITORING, DATA], practices=practices, answers={})

    assert result.weakest_dimension_key == "data"


def test_it_reports_level_zero_and_no_weakest_dimension_without_dimensions() -> None:
    result = score_assessment(dimensions=[], practices=[], answers={})

    assert (result.overall_level, result.overall_score, result.weakest_dimension_key) == (
        None,
        None,
        None,
    )


# Step 6: holding back


def test_it_explains_what_holds_each_dimension_back_in_framework_order() -> None:
    result = worked_example()

    assert result.dimension("data").holding_back == (
        "quality-by-eye",
        "shared-features",
        "feature-store",
    )
    assert result.dimension("monitoring").holding_back == ("owner-alerted",)


def test_it_leaves_practices_beyond_the_next_level_and_not_applicable_out_of_holding_back() -> None:
    practices = [practice("l0", level=0), practice("l1", level=1), practice("l2", level=2)]

    result = score_one_dimension(practices, {"l0": "no", "l1": "na"}).dimension("data")

    assert result.holding_back == ("l0",)


# Step 7: anti-patterns


@pytest.mark.parametrize(
    ("answer", "flagged"),
    [(None, True), ("no", True), ("partly", False), ("yes", False), ("na", False)],
)
def test_it_flags_an_anti_pattern_only_when_its_practice_is_no_or_unanswered(
    answer: str | None, flagged: bool
) -> None:
    practices = [practice("monitoring-kpis", level=1, anti_pattern="alive-only")]
    answers = {} if answer is None else {"monitoring-kpis": answer}

    result = score_one_dimension(practices, answers)

    assert result.anti_patterns == (("alive-only",) if flagged else ())


def test_it_flags_each_anti_pattern_once() -> None:
    practices = [
        practice("a", level=0, anti_pattern="notebooks"),
        practice("b", level=1, anti_pattern="notebooks"),
    ]

    assert score_one_dimension(practices, {}).anti_patterns == ("notebooks",)


# Input checks


def test_it_rejects_an_unknown_answer_value() -> None:
    with pytest.raises(ValueError, match="unknown answer"):
        score_one_dimension([practice("a", level=0)], {"a": "maybe"})


def test_it_ignores_answers_to_unknown_practices() -> None:
    result = score_one_dimension([practice("a", level=0)], {"a": "yes", "gone": "maybe"})

    assert result.dimension("data").level == 2


def test_it_rejects_a_practice_with_an_invalid_level_or_effort() -> None:
    with pytest.raises(ValueError):
        practice("a", level=3)
    with pytest.raises(ValueError):
        practice("a", level=0, effort="XL")


def test_it_rejects_a_practice_of_an_unknown_dimension() -> None:
    with pytest.raises(ValueError, match="unknown dimension"):
        score_one_dimension([practice("a", level=0, dimension_key="elsewhere")], {})


def test_it_raises_key_error_for_an_unknown_dimension_lookup() -> None:
    with pytest.raises(KeyError):
        worked_example().dimension("elsewhere")


# Properties


@given(assessments())
def test_it_keeps_levels_progress_and_scores_in_range(
    assessment: tuple[list[Dimension], list[Practice], dict[str, str]],
) -> None:
    dimensions, practices, answers = assessment

    result = score_assessment(dimensions=dimensions, practices=practices, answers=answers)

    assessed = result.assessed_dimensions
    for dimension_score in assessed:
        assert dimension_score.level in LEVELS
        assert 0 <= dimension_score.progress <= 100
        assert 0.0 <= dimension_score.score <= 2.0
    assert result.overall_level == min((score.level for score in assessed), default=None)
    if assessed:
        assert 0.0 <= result.overall_score <= 2.0


@given(assessments(), st.data())
def test_it_never_lowers_anything_when_one_answer_gets_better(
    assessment: tuple[list[Dimension], list[Practice], dict[str, str]], data: st.DataObject
) -> None:
    dimensions, practices, answers = assessment
    improvable = [each.key for each in practices if answers.get(each.key) in BETTER_ANSWERS]
    assume(improvable)
    key = data.draw(st.sampled_from(improvable))
    better_answer = data.draw(st.sampled_from(BETTER_ANSWERS[answers.get(key)]))

    before = score_assessment(dimensions=dimensions, practices=practices, answers=answers)
    after = score_assessment(
        dimensions=dimensions, practices=practices, answers=answers | {key: better_answer}
    )

    assert_not_worse(before, after)


@given(assessments(), st.data())
def test_it_never_lowers_an_assessed_dimension_when_a_no_becomes_not_applicable(
    assessment: tuple[list[Dimension], list[Practice], dict[str, str]], data: st.DataObject
) -> None:
    dimensions, practices, answers = assessment
    missing = [each.key for each in practices if answers.get(each.key, "no") == "no"]
    assume(missing)
    key = data.draw(st.sampled_from(missing))

    before = score_assessment(dimensions=dimensions, practices=practices, answers=answers)
    after = score_assessment(
        dimensions=dimensions, practices=practices, answers=answers | {key: "na"}
    )

    for old, new in zip(before.dimensions, after.dimensions, strict=True):
        if new.assessed:
            assert new.level >= old.level
            assert new.score >= old.score


@given(frameworks())
def test_it_puts_every_dimension_at_level_two_when_all_answers_are_yes(
    framework: tuple[list[Dimension], list[Practice]],
) -> None:
    dimensions, practices = framework
    answers = {each.key: "yes" for each in practices}

    result = score_assessment(dimensions=dimensions, practices=practices, answers=answers)

    assert all((score.level, score.progress) == (2, 100) for score in result.dimensions)
    assert result.overall_level == 2


@given(frameworks(), st.booleans())
def test_it_puts_every_dimension_at_level_zero_when_all_answers_are_no(
    framework: tuple[list[Dimension], list[Practice]], leave_unanswered: bool
) -> None:
    dimensions, practices = framework
    answers = {} if leave_unanswered else {each.key: "no" for each in practices}

    result = score_assessment(dimensions=dimensions, practices=practices, answers=answers)

    # A dimension whose practices are all at level 2 has nothing up to level 1 to fail.
    for dimension_score in result.dimensions:
        has_basics = any(
            each.level < 2 for each in practices if each.dimension_key == dimension_score.key
        )
        assert dimension_score.level == (0 if has_basics else 1)


@given(assessments())
def test_it_holds_a_dimension_back_exactly_when_it_is_below_level_two(
    assessment: tuple[list[Dimension], list[Practice], dict[str, str]],
) -> None:
    dimensions, practices, answers = assessment

    result = score_assessment(dimensions=dimensions, practices=practices, answers=answers)

    for dimension_score in result.dimensions:
        if dimension_score.assessed:
            assert (not dimension_score.holding_back) == (dimension_score.level == 2)
        else:
            assert dimension_score.holding_back == ()


# Step 5: "not applicable" never scores by itself


def test_it_leaves_a_dimension_marked_wholly_not_applicable_not_assessed() -> None:
    """Marking a whole dimension N/A used to score it level 2 and lift the mean."""
    practices = [
        practice("d1", level=0),
        practice("d2", level=1),
        practice("d3", level=2),
        practice("m1", level=0, dimension_key="monitoring"),
        practice("m2", level=1, dimension_key="monitoring"),
    ]
    answers = {"d1": "na", "d2": "na", "d3": "na", "m1": "yes", "m2": "partly"}

    result = score_assessment(dimensions=[DATA, MONITORING], practices=practices, answers=answers)

    data = result.dimension("data")
    assert (data.assessed, data.level, data.score) == (False, None, None)
    assert data.mostly_not_applicable
    monitoring = result.dimension("monitoring")
    assert result.overall_level == monitoring.level
    assert result.overall_score == monitoring.score
    assert result.weakest_dimension_key == "monitoring"


def test_it_has_no_overall_level_when_nothing_is_assessed() -> None:
    practices = [practice("d1", level=0), practice("d2", level=2)]

    result = score_one_dimension(practices, {"d1": "na", "d2": "na"})

    assert (result.overall_level, result.overall_score, result.weakest_dimension_key) == (
        None,
        None,
        None,
    )


def test_it_flags_a_dimension_with_more_than_half_not_applicable() -> None:
    practices = [practice(key, level=0) for key in ("a", "b", "c", "d")]

    half = score_one_dimension(practices, {"a": "na", "b": "na", "c": "yes", "d": "yes"})
    more = score_one_dimension(practices, {"a": "na", "b": "na", "c": "na", "d": "yes"})

    assert not half.dimension("data").mostly_not_applicable
    assert more.dimension("data").mostly_not_applicable
    assert more.dimension("data").assessed


@given(assessments(), st.data())
def test_it_never_scores_not_applicable_above_fully_in_place(
    assessment: tuple[list[Dimension], list[Practice], dict[str, str]], data: st.DataObject
) -> None:
    dimensions, practices, answers = assessment
    exempted = [each.key for each in practices if answers.get(each.key) == "na"]
    assume(exempted)
    key = data.draw(st.sampled_from(exempted))

    with_na = score_assessment(dimensions=dimensions, practices=practices, answers=answers)
    with_yes = score_assessment(
        dimensions=dimensions, practices=practices, answers=answers | {key: "yes"}
    )

    changed = next(each.dimension_key for each in practices if each.key == key)
    assert with_yes.dimension(changed).assessed
    for na, yes in zip(with_na.dimensions, with_yes.dimensions, strict=True):
        if na.assessed:
            assert yes.level >= na.level and yes.score >= na.score


@given(assessments(), st.data())
def test_it_never_counts_a_wholly_not_applicable_dimension(
    assessment: tuple[list[Dimension], list[Practice], dict[str, str]], data: st.DataObject
) -> None:
    dimensions, practices, answers = assessment
    dimension = data.draw(st.sampled_from(dimensions))
    exempt_all = {each.key: "na" for each in practices if each.dimension_key == dimension.key}

    result = score_assessment(
        dimensions=dimensions, practices=practices, answers=answers | exempt_all
    )

    assert not result.dimension(dimension.key).assessed
    others = [each for each in result.dimensions if each.key != dimension.key and each.assessed]
    assert result.overall_level == min((each.level for each in others), default=None)
    assert result.weakest_dimension_key != dimension.key
    if others:
        assert result.overall_score == pytest.approx(
            sum(each.score for each in others) / len(others)
        )
    else:
        assert result.overall_score is None
