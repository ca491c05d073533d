"""Tests of recommendations (assessments/recommendations.py): no Django, no database."""

import pytest
from hypothesis import given

from assessments.rules.recommendations import (
    CommonGap,
    Recommendation,
    common_gaps,
    recommend_for_assessment,
)
from assessments.rules.scoring import Dimension, Practice
from tests.assessments.test_scoring_v1 import assessments, score_assessment

DATA = Dimension(key="data", name="Data & features", order=1)
MONITORING = Dimension(key="monitoring", name="Monitoring & feedback", order=2)
DEPLOYMENT = Dimension(key="deployment", name="Deployment & release", order=3)


def practice(key: str, level: int, dimension_key: str = "data", **fields: object) -> Practice:
    return Practice(key=key, dimension_key=dimension_key, level=level, **fields)  # type: ignore[arg-type]


def recommended_keys(
    dimensions: list[Dimension], practices: list[Practice], answers: dict[str, str]
) -> list[str]:
    return [
        recommendation.practice_key for recommendation in recommend(dimensions, practices, answers)
    ]


def recommend(
    dimensions: list[Dimension], practices: list[Practice], answers: dict[str, str]
) -> list[Recommendation]:
    score = score_assessment(dimensions=dimensions, practices=practices, answers=answers)
    return recommend_for_assessment(
        score=score, dimensions=dimensions, practices=practices, answers=answers
    )


# recommend_for_assessment


def test_it_recommends_the_weakest_dimension_first() -> None:
    practices = [
        practice("schema", level=0),
        practice("snapshots", level=1),
        practice("owner", level=0, dimension_key="monitoring"),
        practice("drift", level=1, dimension_key="monitoring"),
    ]
    # Data: level 0, progress 50 (score 0.5). Monitoring: level 0, progress 0 (score 0).
    answers = {"schema": "yes", "snapshots": "no"}

    keys = recommended_keys([DATA, MONITORING], practices, answers)

    assert keys == ["owner", "drift", "snapshots"]


def test_it_breaks_a_dimension_score_tie_by_framework_order() -> None:
    practices = [
        practice("owner", level=0, dimension_key="monitoring"),
        practice("schema", level=0),
    ]

    assert recommended_keys([MONITORING, DATA], practices, {}) == ["schema", "owner"]


def test_it_orders_within_a_dimension_by_effort_then_level_then_framework_order() -> None:
    practices = [
        practice("large-basic", level=0, effort="L"),
        practice("medium-advanced", level=1, effort="M"),
        practice("medium-basic", level=0, effort="M"),
        practice("small-advanced", level=1, effort="S"),
        practice("medium-basic-later", level=0, effort="M"),
    ]

    keys = recommended_keys([DATA], practices, {})

    assert keys == [
        "small-advanced",
        "medium-basic",
        "medium-basic-later",
        "medium-advanced",
        "large-basic",
    ]


def test_it_pulls_a_prerequisite_from_another_dimension_just_before_its_dependent() -> None:
    practices = [
        practice("schema", level=0, effort="S"),
        practice("snapshots", level=0, effort="L"),
        practice("owner", level=0, dimension_key="monitoring", effort="S"),
        practice(
            "drift", level=0, dimension_key="monitoring", effort="M", prerequisites=("snapshots",)
        ),
        practice("dashboards", level=0, dimension_key="monitoring", effort="L"),
    ]
    answers = {"schema": "partly", "snapshots": "partly"}  # data is the stronger dimension

    keys = recommended_keys([DATA, MONITORING], practices, answers)

    assert keys == ["owner", "snapshots", "drift", "dashboards", "schema"]


def test_it_pulls_prerequisites_of_prerequisites_forward_in_order() -> None:
    practices = [
        practice("registry", level=0, effort="L"),
        practice("pipeline", level=0, effort="M", prerequisites=("registry",)),
        practice("rollback", level=0, effort="S", prerequisites=("pipeline",)),
    ]

    assert recommended_keys([DATA], practices, {}) == ["registry", "pipeline", "rollback"]


def test_it_ignores_prerequisites_that_are_not_recommended() -> None:
    practices = [
        practice("registry", level=0, effort="S"),
        practice("pipeline", level=0, effort="L"),
        practice("rollback", level=0, effort="M", prerequisites=("registry", "missing")),
    ]

    keys = recommended_keys([DATA], practices, {"registry": "yes"})

    assert keys == ["rollback", "pipeline"]


def test_it_survives_a_prerequisite_cycle() -> None:
    practices = [
        practice("chicken", level=0, prerequisites=("egg",)),
        practice("egg", level=0, prerequisites=("chicken",)),
    ]

    assert sorted(recommended_keys([DATA], practices, {})) == ["chicken", "egg"]


def test_it_recommends_nothing_for_a_dimension_at_level_two() -> None:
    practices = [
        practice("schema", level=0),
        practice("owner", level=0, dimension_key="monitoring"),
    ]

    keys = recommended_keys([DATA, MONITORING], practices, {"schema": "yes"})

    assert keys == ["owner"]


def test_it_describes_each_recommendation_with_the_framework_text_and_current_answer() -> None:
    practices = [
        practice(
            "schema",
            level=1,
            effort="S",
            question="Is there a schema file?",
            why="Catches broken data early.",
            next_step="Write the expected columns down.",
        ),
        practice("snapshots", level=1),
        practice("features", level=1),
        practice("feature-store", level=2),
    ]
    answers = {"schema": "partly", "snapshots": "no", "feature-store": "yes"}

    recommendations = recommend([DATA], practices, answers)

    assert recommendations[0] == Recommendation(
        practice_key="schema",
        dimension_key="data",
        dimension_name="Data & features",
        level=1,
        question="Is there a schema file?",
        why="Catches broken data early.",
        next_step="Write the expected columns down.",
        effort="S",
        current_answer="partly",
    )
    assert [each.current_answer for each in recommendations[1:]] == ["no", "unanswered"]


def test_it_shows_the_top_three_as_the_first_three() -> None:
    practices = [practice(f"p{index}", level=0) for index in range(5)]

    assert [each.practice_key for each in recommend([DATA], practices, {})[:3]] == [
        "p0",
        "p1",
        "p2",
    ]


@given(assessments())
def test_it_recommends_exactly_what_holds_the_dimensions_back(
    assessment: tuple[list[Dimension], list[Practice], dict[str, str]],
) -> None:
    dimensions, practices, answers = assessment
    score = score_assessment(dimensions=dimensions, practices=practices, answers=answers)

    keys = recommended_keys(dimensions, practices, answers)

    assert len(keys) == len(set(keys))
    assert set(keys) == {key for each in score.dimensions for key in each.holding_back}


@given(assessments())
def test_it_puts_every_recommended_prerequisite_before_its_dependent(
    assessment: tuple[list[Dimension], list[Practice], dict[str, str]],
) -> None:
    dimensions, practices, answers = assessment

    position = {
        key: index for index, key in enumerate(recommended_keys(dimensions, practices, answers))
    }

    for each in practices:
        for prerequisite in each.prerequisites:
            if each.key in position and prerequisite in position:
                assert position[prerequisite] < position[each.key]


# common_gaps


GAP_PRACTICES = [
    practice("schema", level=1, question="Schema?", next_step="Write one."),
    practice("snapshots", level=0),
    practice("owner", level=0, dimension_key="monitoring"),
    practice("drift", level=1, dimension_key="monitoring"),
]


def test_it_ranks_common_gaps_by_projects_held_back_then_level_then_framework_order() -> None:
    holding_back = [
        ["schema", "drift", "owner"],
        ["schema", "drift", "snapshots"],
        ["owner", "snapshots", "schema"],
    ]

    gaps = common_gaps(holding_back_per_project=holding_back, practices=GAP_PRACTICES)

    assert [(gap.practice_key, gap.projects_held_back) for gap in gaps] == [
        ("schema", 3),
        ("snapshots", 2),
        ("owner", 2),
        ("drift", 2),
    ]
    assert gaps[0] == CommonGap(
        practice_key="schema",
        dimension_key="data",
        question="Schema?",
        next_step="Write one.",
        projects_held_back=3,
        share=1.0,
    )
    assert gaps[1].share == pytest.approx(2 / 3)


def test_it_counts_a_practice_once_per_project_and_ignores_unknown_keys() -> None:
    holding_back = [["drift", "drift", "retired"], []]

    gaps = common_gaps(holding_back_per_project=holding_back, practices=GAP_PRACTICES)

    assert [(gap.practice_key, gap.projects_held_back, gap.share) for gap in gaps] == [
        ("drift", 1, 0.5)
    ]


def test_it_limits_the_number_of_common_gaps() -> None:
    holding_back = [["schema", "snapshots", "owner", "drift"]]

    gaps = common_gaps(holding_back_per_project=holding_back, practices=GAP_PRACTICES, limit=2)

    assert [gap.practice_key for gap in gaps] == ["snapshots", "owner"]


def test_it_finds_no_common_gaps_without_projects() -> None:
    assert common_gaps(holding_back_per_project=[], practices=GAP_PRACTICES) == []
