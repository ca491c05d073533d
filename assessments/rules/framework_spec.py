"""The shapes of a parsed framework file: the specs and the one error the parser raises.

Pure Python. The parser in `framework_file` fills these; the loader turns them into rows.
"""

import hashlib
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Final

MAX_VERSION: Final = 2**31 - 1
SLUG_RE: Final = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
ANTI_PATTERN_KEY_RE: Final = re.compile(r"[a-z][a-z0-9_]*")
# Lengths match the columns the framework is loaded into (assessments.models).
MAX_KEY_LENGTH: Final = 60
MAX_PRACTICE_KEY_LENGTH: Final = 80
MAX_TITLE_LENGTH: Final = 200
MAX_NAME_LENGTH: Final = 120

TOP_FIELDS: Final = (
    "key",
    "version",
    "title",
    "description",
    "levels",
    "anti_patterns",
    "dimensions",
)
TOP_OPTIONAL_FIELDS: Final = ("scoring_rule", "maps_from")
SCORING_RULES: Final = (1, 2)
LEVEL_FIELDS: Final = ("name", "description")
ANTI_PATTERN_FIELDS: Final = ("title", "description")
DIMENSION_FIELDS: Final = ("key", "name", "description", "practices")
DIMENSION_OPTIONAL_FIELDS: Final = ("applies_to",)
PRACTICE_FIELDS: Final = (
    "key",
    "level",
    "question",
    "help",
    "why",
    "next_step",
    "effort",
    "sources",
)
PRACTICE_OPTIONAL_FIELDS: Final = (
    "prerequisites",
    "anti_pattern",
    "defining",
    "applies_to",
    "variants",
    "evidence",
)
VARIANT_FIELDS: Final = ("when", "question", "help")
VARIANT_OPTIONAL_FIELDS: Final = ("next_step", "why")
MAPPING_FIELDS: Final = ("key", "version")
MAPPING_OPTIONAL_FIELDS: Final = ("renamed", "split", "merged", "removed")
# Fields added after version 1 of the format, with the value a file that omits them gets.
# The content hash leaves them out at these values, so a v1 file keeps the hash it was
# loaded with before they existed (a loaded version with another hash is "changed").
LATER_FIELD_DEFAULTS: Final[Mapping[str, object]] = {
    "scoring_rule": 1,
    "maps_from": None,
    "applies_to": {},
    "defining": False,
    "variants": (),
}


class FrameworkFileError(ValueError):
    """A framework file that cannot be used; str() is "<file>: <where>: <problem>"."""

    def __init__(self, source: str, where: str, problem: str) -> None:
        self.source = source
        self.where = where
        self.problem = problem
        # Always one line, even if a path or a YAML message carries a line break.
        super().__init__(" ".join(f"{source}: {where}: {problem}".splitlines()))


@dataclass(frozen=True)
class VariantSpec:
    """Other wording of a practice for the profiles `when` matches."""

    when: dict[str, tuple[str, ...]]
    question: str
    help: str
    next_step: str | None
    why: str | None


@dataclass(frozen=True)
class PracticeSpec:
    key: str
    dimension_key: str
    level: int
    question: str
    help: str
    why: str
    next_step: str
    effort: str
    prerequisites: tuple[str, ...]
    sources: tuple[str, ...]
    anti_pattern: str | None
    order: int  # 1-based position in the whole file
    defining: bool = False
    # The practice's own condition combined with its dimension's.
    applies_to: dict[str, tuple[str, ...]] = field(default_factory=dict)
    variants: tuple[VariantSpec, ...] = ()
    # How the tools check it: {"fact": ..., "at_least" or "at_most": ...} (framework_evidence);
    # empty: no tool checks it. Not part of the content hash.
    evidence: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class DimensionSpec:
    key: str
    name: str
    description: str
    order: int  # 1-based position in the file
    practices: tuple[PracticeSpec, ...]
    applies_to: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class MappingSpec:
    """How the answers of an earlier version carry into this one. A key of the earlier
    version that this one also has is carried as is and listed nowhere."""

    key: str
    version: int
    renamed: dict[str, str]
    split: dict[str, tuple[str, ...]]
    merged: dict[str, tuple[str, ...]]
    removed: dict[str, str]

    def sources(self) -> dict[str, list[str]]:
        """Each earlier key listed here -> the sections that list it (once, when valid)."""
        listed: dict[str, list[str]] = {}
        for old in self.renamed:
            listed.setdefault(old, []).append("renamed")
        for old in self.split:
            listed.setdefault(old, []).append("split")
        for olds in self.merged.values():
            for old in olds:
                listed.setdefault(old, []).append("merged")
        for old in self.removed:
            listed.setdefault(old, []).append("removed")
        return listed

    def targets(self) -> list[str]:
        return [
            *self.renamed.values(),
            *(new for news in self.split.values() for new in news),
            *self.merged,
        ]


@dataclass(frozen=True)
class FrameworkSpec:
    key: str
    version: int
    title: str
    description: str
    levels: dict[int, dict[str, str]]
    anti_patterns: dict[str, dict[str, str]]
    dimensions: tuple[DimensionSpec, ...]
    scoring_rule: int = 1
    maps_from: MappingSpec | None = None

    def practices(self) -> list[PracticeSpec]:
        return [practice for dimension in self.dimensions for practice in dimension.practices]

    def content_hash(self) -> str:
        """The hash of what the version asks and how it scores. Evidence rules are left out:
        they say how the tools check a practice, not what it asks, so they may change on a
        version in use (reloading the file updates them)."""
        data = asdict(self)
        for dimension in data["dimensions"]:
            for practice in dimension["practices"]:
                del practice["evidence"]
        canonical = json.dumps(
            _without_later_defaults(data),
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=True,
        )
        return hashlib.sha256(canonical.encode("ascii")).hexdigest()


def _without_later_defaults(value: object) -> object:
    if isinstance(value, dict):
        return {
            name: _without_later_defaults(item)
            for name, item in value.items()
            if not (name in LATER_FIELD_DEFAULTS and item == LATER_FIELD_DEFAULTS[name])
        }
    if isinstance(value, list | tuple):
        return [_without_later_defaults(item) for item in value]
    return value


def find_cycle(graph: Mapping[str, Sequence[str]]) -> list[str] | None:
    """Return a cycle as [a, b, ..., a], or None.

    Iterative depth-first search, so a long prerequisite chain cannot hit the recursion
    limit: 1. walk each unvisited root; 2. a node met again while still on the current
    path closes a cycle; 3. a node whose prerequisites are all explored is done.
    """
    done: set[str] = set()
    for root in graph:
        if root in done:
            continue
        path = [root]
        pending: list[Iterator[str]] = [iter(graph[root])]
        while pending:
            following = next(pending[-1], None)
            if following is None:
                done.add(path.pop())
                pending.pop()
            elif following in path:
                return [*path[path.index(following) :], following]
            elif following not in done:
                path.append(following)
                pending.append(iter(graph[following]))
    return None
