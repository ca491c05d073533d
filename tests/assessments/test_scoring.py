"""Scoring rule 2 (assessments/rules/scoring.py): its stated properties, each tried by
hypothesis on random dimensions and answers. No Django, no database.

The cases of the methodology review, on the real mlops-v2.yaml, are in
test_framework_v2.py.
"""

import dataclasses

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from assessments.rules.levels import LEVELS, MIN_PRACTICES_PER_LEVEL, NOT_APPLICABLE, YES
from assessments.rules.profiles import Profile
from assessments.rules.scoring import (
    AssessmentScore,
    Dimension,
    Practice,
    score_assessment,
)

DATA = Dimension(key="data", name="Data", order=1)
SERVING = Dimension(key="serving", name="Serving", order=2)
ANSWERS = ("no", "partly", "yes", NOT_APPLICABLE, None)
ONE_STEP_BETTER = {None: "partly", "no": "partly", "partly": "yes"}
# Rule 2, step 4: one step moves a level's coverage by 0.5 / (practices at the level).
LARGEST_STEP = 2 * 0.5 / MIN_PRACTICES_PER_LEVEL / len(LEVELS)


@st.composite
def dimension_practices(draw: st.DrawFn, dimension_key: str = "data") -> list[Practice]:
    practices = []
    for level in LEVELS:
        count = draw(st.integers(min_value=1, max_value=4))
        defining = draw(st.lists(st.booleans(), min_size=count, max_size=count))
        if level > 0 and not any(defining):
            defining[0] = True
        practices += [
            Practice(
                key=f"{dimension_key}-{level}-{index}",
                dimension_key=dimension_key,
                level=level,
                order=100 * level + index,
                defining=level > 0 and defining[index],
            )
            for index in range(count)
        ]
    return practices


@st.composite
def answered(draw: st.DrawFn, practices: list[Practice]) -> dict[str, str]:
    answers = {}
    for practice in practices:
        value = draw(st.sampled_from(ANSWERS))
        if value is not None:
            answers[practice.key] = value
    return answers


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[list[Practice], dict[str, str]]:
    practices = draw(dimension_practices("data")) + draw(dimension_practices("serving"))
    return practices, draw(answered(practices))


def score(practices: list[Practice], answers: dict[str, str]) -> AssessmentScore:
    return score_assessment(dimensions=[DATA, SERVING], practices=practices, answers=answers)


def own(practices: list[Practice], dimension: str, level: int, answers: dict[str, str]):
    return [
        p
        for p in practices
        if p.dimension_key == dimension
        and p.level == level
        and answers.get(p.key) != NOT_APPLICABLE
    ]


@given(scenarios(), st.sampled_from([1, 2]))
def test_lower_level_answers_never_make_up_for_a_higher_level_gap(scenario, level):
    practices, answers = scenario
    held = score(practices, answers).dimension("data").level
    assume(held is not None and held < level)
    # Everything below the level the dimension misses becomes "fully in place".
    raised = dict(answers)
    for practice in practices:
        if practice.dimension_key == "data" and practice.level < level:
            raised[practice.key] = YES
    level_practices = own(practices, "data", level, answers)
    points = sum(
        {"yes": 1, "partly": 0.5}.get(answers.get(p.key, "no"), 0) for p in level_practices
    )
    own_level_fails = (
        len(level_practices) < MIN_PRACTICES_PER_LEVEL
        or points < 0.75 * len(level_practices)
        or any(p.defining and answers.get(p.key) != YES for p in level_practices)
        or not any(p.defining for p in level_practices)
    )
    assume(own_level_fails)
    assert (score(practices, raised).dimension("data").level or 0) < level


@given(scenarios())
def test_a_level_needs_its_defining_practices_fully_in_place(scenario):
    practices, answers = scenario
    held = score(practices, answers).dimension("data").level
    for practice in practices:
        if practice.dimension_key == "data" and practice.defining and practice.level <= (held or 0):
            assert answers.get(practice.key) in (YES, NOT_APPLICABLE)


@given(scenarios())
def test_a_level_with_too_few_applicable_practices_is_never_claimed(scenario):
    practices, answers = scenario
    result = score(practices, answers).dimension("data")
    assume(result.assessed)
    for level in LEVELS:
        applicable = own(practices, "data", level, answers)
        too_few = len(applicable) < MIN_PRACTICES_PER_LEVEL
        no_defining = level > 0 and not any(p.defining for p in applicable)
        if too_few or no_defining:
            assert level in result.unassessed_levels
            assert result.level < max(level, 1)


@given(dimension_practices("data"), dimension_practices("serving"), st.data())
def test_a_dimension_with_nothing_applicable_is_left_out_of_the_overall_figures(
    data_practices, serving_practices, data
):
    answers = {p.key: NOT_APPLICABLE for p in data_practices}
    answers |= data.draw(answered(serving_practices))
    assume(any(answers.get(p.key) != NOT_APPLICABLE for p in serving_practices))
    result = score(data_practices + serving_practices, answers)
    data_score = result.dimension("data")
    assert (data_score.level, data_score.score, data_score.progress) == (None, None, None)
    serving_score = result.dimension("serving")
    assert result.overall_level == serving_score.level
    assert result.overall_score == serving_score.score
    assert result.weakest_dimension_key == "serving"


def before_and_after_one_better_answer(scenario, data) -> tuple[AssessmentScore, AssessmentScore]:
    """Scores before and after one answer, drawn at random, moves one step up."""
    practices, answers = scenario
    improvable = [p for p in practices if answers.get(p.key) in ONE_STEP_BETTER]
    assume(improvable)
    chosen = data.draw(st.sampled_from(improvable))
    better = answers | {chosen.key: ONE_STEP_BETTER[answers.get(chosen.key)]}
    return score(practices, answers), score(practices, better)


@given(scenarios(), st.data())
def test_a_better_answer_never_lowers_anything(scenario, data):
    before, after = before_and_after_one_better_answer(scenario, data)
    for key in ("data", "serving"):
        if before.dimension(key).assessed:
            assert after.dimension(key).level >= before.dimension(key).level
            assert after.dimension(key).score >= before.dimension(key).score
    if before.overall_level is not None:
        assert after.overall_level >= before.overall_level
        assert after.overall_score >= before.overall_score


@given(scenarios(), st.data())
def test_one_answer_moves_the_scores_by_a_small_step_whatever_the_levels_do(scenario, data):
    before, after = before_and_after_one_better_answer(scenario, data)
    for key in ("data", "serving"):
        if before.dimension(key).assessed:
            assert after.dimension(key).score - before.dimension(key).score <= LARGEST_STEP + 1e-9
    if before.overall_score is not None:
        assert after.overall_score - before.overall_score <= LARGEST_STEP + 1e-9
    assert LARGEST_STEP <= 0.2  # a tenth of the 0-2 scale


@given(scenarios(), st.data())
def test_not_applicable_never_scores_better_than_fully_in_place(scenario, data):
    practices, answers = scenario
    marked = [p for p in practices if answers.get(p.key) == NOT_APPLICABLE]
    assume(marked)
    chosen = data.draw(st.sampled_from(marked))
    as_yes = answers | {chosen.key: YES}
    with_na = score(practices, answers).dimension(chosen.dimension_key)
    assume(with_na.assessed)
    with_yes = score(practices, as_yes).dimension(chosen.dimension_key)
    assert with_yes.level >= with_na.level
    assert with_yes.score >= with_na.score


@given(scenarios())
def test_scores_stay_on_the_scale_and_the_overall_figures_are_the_weakest_dimension(scenario):
    practices, answers = scenario
    result = score(practices, answers)
    assessed = result.assessed_dimensions
    for dimension in assessed:
        assert 0.0 <= dimension.score <= 2.0
        assert dimension.level in LEVELS
    if assessed:
        assert result.overall_level == min(d.level for d in assessed)
        assert result.overall_score == min(d.score for d in assessed)
        weakest = result.dimension(result.weakest_dimension_key)
        assert weakest.level == result.overall_level


def test_every_practice_fully_in_place_is_level_2_with_the_full_score():
    practices = [
        Practice(key=f"p{level}{i}", dimension_key="data", level=level, defining=level > 0)
        for level in LEVELS
        for i in range(2)
    ]
    result = score(practices, {p.key: YES for p in practices})
    assert (result.overall_level, result.overall_score) == (2, 2.0)


def test_a_partly_defining_practice_caps_the_level_below_it():
    practices = [
        Practice(key=f"p{level}{i}", dimension_key="data", level=level, defining=i == 0)
        for level in LEVELS
        for i in range(4)
    ]
    answers = {p.key: YES for p in practices} | {"p20": "partly"}
    result = score(practices, answers).dimension("data")
    # Level 2's coverage is 87.5 %, above the threshold, but its defining practice is partly.
    assert result.level == 1
    assert result.holding_back == ("p20",)


def test_practices_that_do_not_apply_to_the_profile_are_not_asked():
    rag = Profile(kind="rag", serving="online", label_delay="never", risk_tier="limited")
    training_only = {"kind": ("supervised", "unsupervised", "fine_tuned")}
    practices = [
        Practice(key=f"p{level}{i}", dimension_key="data", level=level, defining=i == 0)
        for level in LEVELS
        for i in range(2)
    ] + [
        dataclasses.replace(
            Practice(key=f"t{level}{i}", dimension_key="serving", level=level, defining=i == 0),
            applies_to=training_only,
        )
        for level in LEVELS
        for i in range(2)
    ]
    result = score_assessment(
        dimensions=[DATA, SERVING],
        practices=practices,
        answers={p.key: YES for p in practices if p.dimension_key == "data"},
        profile=rag,
    )
    assert result.dimension("serving").assessed is False
    assert result.dimension("serving").practice_count == 0
    assert result.overall_level == 2


def test_rule_1_is_kept_for_version_1():
    practices = [Practice(key="a", dimension_key="data", level=0)]
    assert (
        score_assessment(
            dimensions=[DATA], practices=practices, answers={"a": YES}, rule=1
        ).overall_level
        == 2
    )
    with pytest.raises(ValueError, match="unknown scoring rule"):
        score_assessment(dimensions=[DATA], practices=practices, answers={}, rule=3)
