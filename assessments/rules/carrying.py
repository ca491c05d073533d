"""How last quarter's answers carry into a new draft, across a framework version change.

Pure Python. A framework version that `maps_from` an earlier one says which earlier
practices were renamed, split, merged or removed; a key both versions have carries as is.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from assessments.rules.levels import ANSWER_POINTS, NO, NOT_APPLICABLE

SAME: Final = ""
RENAMED: Final = "renamed"
SPLIT: Final = "split"
MERGED: Final = "merged"
# Carried answers that need a person's own look: a split or merged practice asks something
# other than any one earlier practice did, so "confirm all" does not confirm them.
NEEDS_OWN_LOOK: Final = frozenset({SPLIT, MERGED})


@dataclass(frozen=True)
class CarrySource:
    earlier_keys: tuple[str, ...]
    via: str  # SAME, RENAMED, SPLIT or MERGED


def carry_plan(
    keys: Iterable[str], earlier_keys: Iterable[str], mapping: Mapping[str, object] | None
) -> dict[str, CarrySource]:
    """For each practice key of the new version, where its carried answer comes from.

    `mapping` is the stored `maps_from` of the new version, or None when both versions are
    the same framework version (every key carries as is).
    """
    earlier = set(earlier_keys)
    renamed: Mapping[str, str] = _field(mapping, "renamed")
    split: Mapping[str, Sequence[str]] = _field(mapping, "split")
    merged: Mapping[str, Sequence[str]] = _field(mapping, "merged")
    moved = set(renamed) | set(split) | {old for olds in merged.values() for old in olds}
    moved |= set(_field(mapping, "removed"))
    sources: dict[str, CarrySource] = {}
    for old, new in renamed.items():
        sources[new] = CarrySource((old,), RENAMED)
    for old, news in split.items():
        for new in news:
            sources[new] = CarrySource((old,), SPLIT)
    for new, olds in merged.items():
        sources[new] = CarrySource(tuple(olds), MERGED)
    plan = {}
    for key in keys:
        if key in sources:
            plan[key] = sources[key]
        elif key in earlier and key not in moved:
            plan[key] = CarrySource((key,), SAME)
    return plan


def merged_value(values: Sequence[str]) -> str:
    """The carried value of merged practices: the weakest answer among the applicable ones
    ("not applicable" only when none applied), so a merge never claims more than before."""
    applicable = [value for value in values if value != NOT_APPLICABLE]
    if not applicable:
        return NOT_APPLICABLE if values else ""
    if any(value not in ANSWER_POINTS for value in applicable):
        return ""
    return min(applicable, key=lambda value: ANSWER_POINTS.get(value, ANSWER_POINTS[NO]))


def _field(mapping: Mapping[str, object] | None, name: str) -> Mapping[str, Any]:
    if not mapping:
        return {}
    value = mapping.get(name) or {}
    return value if isinstance(value, Mapping) else {}
