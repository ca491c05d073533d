"""Scoring rule 1, how framework version 1 was scored: pure functions, no Django.

Kept so that v1 results can be scored again exactly as they were; new frameworks use
rule 2 (`scoring`). The overall figure under rule 1 is the mean of the dimension scores.

A framework has ordered dimensions; each dimension has practices, and each practice
belongs to level 0 (managed manual process), 1 (continuous training) or 2 (CI/CD of ML
pipelines). A practice is answered "no", "partly", "yes" or "na" (not applicable); an
unanswered practice counts as "no".

The rule:

1. Points: yes = 1, partly = 0.5, no (or unanswered) = 0; not applicable is left out of
   every denominator.
2. A dimension reaches level L (L = 1, 2) when the applicable practices at levels <= L
   together score at least 75 % of their possible points AND none of them is answered
   "no" (or unanswered). It holds level L only if it also reaches every level below L.
   A dimension with no applicable practice up to L reaches L, as long as it has some
   applicable practice at all (see step 5).
3. Progress towards the next level (0-100, rounded half up to a whole number) = points /
   possible over the applicable practices at levels <= the next level; at level 2 the
   progress is 100. Below level 2 the progress is capped at 99, because a dimension that
   has not reached its next level has not fully got there (this only matters when
   rounding would show 100, e.g. 199 "yes" and one "no").
4. The dimension's score = level + progress / 100 below level 2, and 2.0 at level 2, so
   it lies in [0, 2]. A better answer never lowers it: within a level the progress can
   only rise, and a score below level L + 1 is at most L + 0.99.
5. Not applicable never scores by itself. A dimension whose every practice is "not
   applicable" is *not assessed*: it has no level, progress or score (None), is shown as
   not assessed everywhere, and is left out of the overall level and the mean; an
   assessment with no assessed dimension has no overall level or mean either. A
   dimension with more than half of its practices "not applicable" is *mostly not
   applicable* and is flagged wherever its score is shown. "Not applicable" is never
   better than "fully in place": swapping one for the other never lowers a score.
6. Overall level = the lowest level of the assessed dimensions (the weakest link). The
   weakest dimension is the assessed one with the lowest score (ties: framework order).
   The mean of the assessed dimensions' scores is shown beside the overall level.
7. Explanation: a dimension's `holding_back` lists the applicable practices at levels <=
   the next level that are not answered "yes" (in framework order): exactly what stands
   between the dimension and its next level. At level 2, and when not assessed, it is empty.
8. Anti-patterns: an anti-pattern is flagged when a practice marked with it is answered
   "no" (or unanswered).

Framework order: dimensions by `order`, then as given; practices by their dimension's
position, then `order`, then as given. Scores are exact floats; rounding is for display.
"""

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Final

from assessments.rules.levels import LEVELS, NOT_APPLICABLE, TOP_LEVEL, YES
from assessments.rules.scoring_types import (
    Dimension,
    DimensionScore,
    Practice,
    is_no,
    not_assessed,
    points_and_possible,
)

LEVEL_THRESHOLD: Final = 0.75
FULL_PROGRESS: Final = 100
# Below the top level a dimension has not fully reached its next level (rule step 3).
MAX_PROGRESS_BELOW_TOP: Final = 99


def score_dimension(
    dimension: Dimension, practices: Sequence[Practice], answers: Mapping[str, str]
) -> DimensionScore:
    not_applicable = sum(1 for practice in practices if answers.get(practice.key) == NOT_APPLICABLE)
    counts: dict = {"practice_count": len(practices), "not_applicable_count": not_applicable}
    if not_applicable == len(practices):
        return not_assessed(dimension, len(practices))
    level = _attained_level(practices, answers)
    progress = _progress(level, practices, answers)
    points, possible = points_and_possible(practices, answers)
    return DimensionScore(
        key=dimension.key,
        name=dimension.name,
        level=level,
        progress=progress,
        score=float(TOP_LEVEL) if level == TOP_LEVEL else level + progress / FULL_PROGRESS,
        points=points,
        possible=possible,
        holding_back=_holding_back(level, practices, answers),
        **counts,
    )


def _attained_level(practices: Sequence[Practice], answers: Mapping[str, str]) -> int:
    level = LEVELS[0]
    for candidate in LEVELS[1:]:
        if not _reaches(candidate, practices, answers):
            break
        level = candidate
    return level


def _reaches(level: int, practices: Sequence[Practice], answers: Mapping[str, str]) -> bool:
    considered = _applicable_up_to(level, practices, answers)
    if not considered:
        return True
    points, possible = points_and_possible(considered, answers)
    any_no = any(is_no(practice, answers) for practice in considered)
    return points >= LEVEL_THRESHOLD * possible and not any_no


def _progress(level: int, practices: Sequence[Practice], answers: Mapping[str, str]) -> int:
    if level == TOP_LEVEL:
        return FULL_PROGRESS
    # Not empty: a dimension with no applicable practice up to the next level reaches it.
    considered = _applicable_up_to(level + 1, practices, answers)
    points, possible = points_and_possible(considered, answers)
    rounded_half_up = math.floor(points / possible * FULL_PROGRESS + 0.5)
    return min(rounded_half_up, MAX_PROGRESS_BELOW_TOP)


def _holding_back(
    level: int, practices: Sequence[Practice], answers: Mapping[str, str]
) -> tuple[str, ...]:
    if level == TOP_LEVEL:
        return ()
    considered = _applicable_up_to(level + 1, practices, answers)
    return tuple(practice.key for practice in considered if answers.get(practice.key) != YES)


def _applicable_up_to(
    level: int, practices: Iterable[Practice], answers: Mapping[str, str]
) -> list[Practice]:
    return [
        practice
        for practice in practices
        if practice.level <= level and answers.get(practice.key) != NOT_APPLICABLE
    ]
