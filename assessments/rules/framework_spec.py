"""The shapes of a parsed framework file: the specs and the one error the parser raises.

Pure Python. The parser in `framework_file` fills these; the loader turns them into rows.
"""

import hashlib
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
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
LEVEL_FIELDS: Final = ("name", "description")
ANTI_PATTERN_FIELDS: Final = ("title", "description")
DIMENSION_FIELDS: Final = ("key", "name", "description", "practices")
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
PRACTICE_OPTIONAL_FIELDS: Final = ("prerequisites", "anti_pattern")


class FrameworkFileError(ValueError):
    """A framework file that cannot be used; str() is "<file>: <where>: <problem>"."""

    def __init__(self, source: str, where: str, problem: str) -> None:
        self.source = source
        self.where = where
        self.problem = problem
        # Always one line, even if a path or a YAML message carries a line break.
        super().__init__(" ".join(f"{source}: {where}: {problem}".splitlines()))


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


@dataclass(frozen=True)
class DimensionSpec:
    key: str
    name: str
    description: str
    order: int  # 1-based position in the file
    practices: tuple[PracticeSpec, ...]


@dataclass(frozen=True)
class FrameworkSpec:
    key: str
    version: int
    title: str
    description: str
    levels: dict[int, dict[str, str]]
    anti_patterns: dict[str, dict[str, str]]
    dimensions: tuple[DimensionSpec, ...]

    def practices(self) -> list[PracticeSpec]:
        return [practice for dimension in self.dimensions for practice in dimension.practices]

    def content_hash(self) -> str:
        canonical = json.dumps(
            asdict(self), sort_keys=True, separators=(",", ":"), ensure_ascii=True
        )
        return hashlib.sha256(canonical.encode("ascii")).hexdigest()


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
