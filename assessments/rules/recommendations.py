"""Recommended next steps, computed from scores and framework data: pure, no Django.

For one assessment: every practice holding a dimension back from its next level, the
weakest dimension first. Within a dimension (and between dimensions of equal score) the
order is smaller effort first (S < M < L), then lower level, then framework order. A
recommended practice whose prerequisite is also recommended is preceded by that
prerequisite, pulled forward from wherever it would otherwise be (even another
dimension). The top three are `result[:3]`.

For a team or the organisation: the practices that hold the most projects back.
"""

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from assessments.rules.levels import EFFORTS, UNANSWERED
from assessments.rules.scoring import (
    AssessmentScore,
    Dimension,
    Practice,
    framework_order,
    validated_answers,
)

EFFORT_RANK: Final = {effort: rank for rank, effort in enumerate(EFFORTS)}

type PriorityKey = tuple[int, int, int, int]


@dataclass(frozen=True)
class Recommendation:
    practice_key: str
    dimension_key: str
    dimension_name: str
    level: int
    question: str
    why: str
    next_step: str
    effort: str
    current_answer: str  # "no", "partly" or "unanswered"


@dataclass(frozen=True)
class CommonGap:
    practice_key: str
    dimension_key: str
    question: str
    next_step: str
    projects_held_back: int
    share: float


def recommend_for_assessment(
    *,
    score: AssessmentScore,
    dimensions: Sequence[Dimension],
    practices: Sequence[Practice],
    answers: Mapping[str, str],
) -> list[Recommendation]:
    ordered_dimensions, ordered_practices = framework_order(dimensions, practices)
    known_answers = validated_answers(ordered_practices, answers)
    practice_by_key = {practice.key: practice for practice in ordered_practices}
    priority = _priority_of_recommended(score, ordered_dimensions, ordered_practices)
    ordered_keys = _prerequisites_first(priority, practice_by_key)
    dimension_names = {dimension.key: dimension.name for dimension in ordered_dimensions}
    return [
        _recommendation(practice_by_key[key], dimension_names, known_answers)
        for key in ordered_keys
    ]


def common_gaps(
    *,
    holding_back_per_project: Sequence[Iterable[str]],
    practices: Sequence[Practice],
    limit: int = 10,
) -> list[CommonGap]:
    """Rank practices by how many projects they hold back (see `rank_common_gaps`)."""
    held_back_counts = Counter(
        key for project_keys in holding_back_per_project for key in set(project_keys)
    )
    return rank_common_gaps(
        held_back_counts=held_back_counts,
        project_count=len(holding_back_per_project),
        practices=practices,
        limit=limit,
    )


def rank_common_gaps(
    *,
    held_back_counts: Mapping[str, int],
    project_count: int,
    practices: Sequence[Practice],
    limit: int = 10,
) -> list[CommonGap]:
    """The one ranking of common gaps, for teams, the organisation and the reports.

    Most projects held back first; ties: lower level first, then the order of `practices`
    (pass them in framework order). Keys that are not among `practices` are ignored.
    """
    position = {practice.key: index for index, practice in enumerate(practices)}
    ranked = sorted(
        (practice for practice in practices if held_back_counts.get(practice.key)),
        key=lambda practice: (
            -held_back_counts[practice.key],
            practice.level,
            position[practice.key],
        ),
    )
    return [
        _common_gap(practice, held_back_counts[practice.key], project_count)
        for practice in ranked[: max(limit, 0)]
    ]


def _priority_of_recommended(
    score: AssessmentScore,
    ordered_dimensions: Sequence[Dimension],
    ordered_practices: Sequence[Practice],
) -> dict[str, PriorityKey]:
    """Sort key of each recommended practice, before prerequisites are pulled forward."""
    dimension_position = {
        dimension.key: index for index, dimension in enumerate(ordered_dimensions)
    }
    # Not-assessed dimensions hold nothing back; they sort last.
    weakest_first = sorted(
        score.dimensions,
        key=lambda dimension_score: (
            dimension_score.score is None,
            dimension_score.score or 0.0,
            dimension_position[dimension_score.key],
        ),
    )
    dimension_rank = {
        dimension_score.key: rank for rank, dimension_score in enumerate(weakest_first)
    }
    recommended = {
        key for dimension_score in score.dimensions for key in dimension_score.holding_back
    }
    return {
        practice.key: (
            dimension_rank[practice.dimension_key],
            EFFORT_RANK[practice.effort],
            practice.level,
            framework_position,
        )
        for framework_position, practice in enumerate(ordered_practices)
        if practice.key in recommended
    }


def _prerequisites_first(
    priority: Mapping[str, PriorityKey], practice_by_key: Mapping[str, Practice]
) -> list[str]:
    """Order keys by priority, emitting recommended prerequisites just before a dependent."""
    ordered: list[str] = []
    visited: set[str] = set()

    def visit(key: str) -> None:
        if key in visited:
            return
        # Marked before its prerequisites are visited, so a prerequisite cycle cannot loop.
        visited.add(key)
        recommended_prerequisites = [
            prerequisite
            for prerequisite in practice_by_key[key].prerequisites
            if prerequisite in priority
        ]
        for prerequisite in sorted(recommended_prerequisites, key=priority.__getitem__):
            visit(prerequisite)
        ordered.append(key)

    for key in sorted(priority, key=priority.__getitem__):
        visit(key)
    return ordered


def _recommendation(
    practice: Practice, dimension_names: Mapping[str, str], answers: Mapping[str, str]
) -> Recommendation:
    return Recommendation(
        practice_key=practice.key,
        dimension_key=practice.dimension_key,
        dimension_name=dimension_names[practice.dimension_key],
        level=practice.level,
        question=practice.question,
        why=practice.why,
        next_step=practice.next_step,
        effort=practice.effort,
        current_answer=answers.get(practice.key, UNANSWERED),
    )


def _common_gap(practice: Practice, held_back_count: int, project_count: int) -> CommonGap:
    return CommonGap(
        practice_key=practice.key,
        dimension_key=practice.dimension_key,
        question=practice.question,
        next_step=practice.next_step,
        projects_held_back=held_back_count,
        share=held_back_count / project_count if project_count else 0.0,
    )
