"""Read and validate a maturity framework YAML file: pure Python, no Django.

`parse_framework_text` turns the text of a file such as `frameworks/mlops-v1.yaml` into a
frozen `FrameworkSpec`, or raises `FrameworkFileError` with one line that names the file,
the place (top level, level, anti-pattern, dimension or practice key) and the problem.
Nothing else ever escapes, whatever the input, so a loader can report the message as is.

Checks, in order:

1. The text is one YAML document whose top level is a mapping with exactly the known
   fields; `levels` has the keys 0, 1 and 2; anti-pattern keys are snake_case.
2. Each dimension and practice has exactly the known fields, with the right types and no
   empty text; keys are slugs, levels are 0-2, effort is S/M/L, anti-patterns are known.
3. Dimension keys and practice keys are unique (practice keys across the whole file).
4. Every prerequisite names a practice in the file, and prerequisites have no cycle.
5.-7. The fields scoring rule 2 added: see `framework_profiles`.
8. A practice's optional `evidence` rule, by the checker the caller passes in (the loader
   passes the `evidence` app's): see `framework_evidence`.
"""

import os
from collections.abc import Mapping, Sequence

import yaml
from yaml.reader import ReaderError

from assessments.rules import framework_profiles
from assessments.rules.framework_evidence import EvidenceErrors, evidence
from assessments.rules.framework_section import Section, describe, reason
from assessments.rules.framework_spec import (
    ANTI_PATTERN_FIELDS,
    ANTI_PATTERN_KEY_RE,
    DIMENSION_FIELDS,
    DIMENSION_OPTIONAL_FIELDS,
    LEVEL_FIELDS,
    MAX_KEY_LENGTH,
    MAX_NAME_LENGTH,
    MAX_PRACTICE_KEY_LENGTH,
    MAX_TITLE_LENGTH,
    MAX_VERSION,
    PRACTICE_FIELDS,
    PRACTICE_OPTIONAL_FIELDS,
    TOP_FIELDS,
    TOP_OPTIONAL_FIELDS,
    DimensionSpec,
    FrameworkFileError,
    FrameworkSpec,
    PracticeSpec,
    find_cycle,
)
from assessments.rules.levels import EFFORTS, LEVELS
from assessments.rules.profiles import combined


def parse_framework_file(
    path: str | os.PathLike[str], *, evidence_errors: EvidenceErrors | None = None
) -> FrameworkSpec:
    source = os.fspath(path)
    try:
        with open(path, encoding="utf-8") as file:
            text = file.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise FrameworkFileError(source, "file", f"cannot be read ({reason(exc)})") from exc
    return parse_framework_text(text, source=source, evidence_errors=evidence_errors)


def parse_framework_text(
    text: str, *, source: str, evidence_errors: EvidenceErrors | None = None
) -> FrameworkSpec:
    if not isinstance(text, str):
        raise FrameworkFileError(source, "file", f"expected text, got {describe(text)}")
    return parse_framework_data(
        _load_yaml(text, source), source=source, evidence_errors=evidence_errors
    )


def parse_framework_data(
    data: object, *, source: str, evidence_errors: EvidenceErrors | None = None
) -> FrameworkSpec:
    """Validate an already loaded document (what yaml.safe_load returned). `evidence_errors`
    checks each practice's evidence rule; without it, rules are only checked for shape."""
    if data is None:
        raise FrameworkFileError(source, "top level", "the document is empty")
    top = Section(source, "top level", data, TOP_FIELDS, TOP_OPTIONAL_FIELDS)
    key = top.slug("key", MAX_KEY_LENGTH)
    version = _version(top)
    title = top.text("title", MAX_TITLE_LENGTH)
    description = top.text("description")
    levels = _levels(top)
    anti_patterns = _anti_patterns(top)
    dimensions = _dimensions(top, anti_patterns, evidence_errors)
    _check_prerequisites([p for d in dimensions for p in d.practices], source)
    spec = FrameworkSpec(
        key=key,
        version=version,
        title=title,
        description=description,
        levels=levels,
        anti_patterns=anti_patterns,
        dimensions=tuple(dimensions),
        scoring_rule=framework_profiles.scoring_rule(top),
        maps_from=framework_profiles.maps_from(top),
    )
    framework_profiles.check_mapping_targets(spec, source)
    framework_profiles.check_profile_coverage(spec, source)
    return spec


def _load_yaml(text: str, source: str) -> object:
    try:
        return yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}" if mark else "file"
        raise FrameworkFileError(source, where, f"invalid YAML ({_problem(exc)})") from exc
    except ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        # The first line reads "unacceptable character #x0000: <reason>".
        problem = str(exc).splitlines()[0]
        raise FrameworkFileError(source, f"line {line}", f"invalid YAML ({problem})") from exc
    except yaml.YAMLError as exc:
        raise FrameworkFileError(source, "file", f"invalid YAML ({reason(exc)})") from exc
    # Values YAML parses but Python cannot build (a 13th month, a 5,000-digit number)
    # and very deep nesting fail outside yaml.YAMLError.
    except (ValueError, OverflowError) as exc:
        raise FrameworkFileError(source, "file", f"invalid YAML value ({reason(exc)})") from exc
    except RecursionError as exc:
        raise FrameworkFileError(source, "file", "invalid YAML (nested too deeply)") from exc


def _problem(exc: yaml.MarkedYAMLError) -> str:
    problem = exc.problem or reason(exc)
    # Some problems only make sense with their context: "..., but found another document".
    if exc.context and problem.startswith("but "):
        return f"{exc.context}, {problem}"
    return problem


def _version(top: Section) -> int:
    value = top.data["version"]
    # bool is an int subclass: `version: yes` must not pass as 1.
    if type(value) is not int or not 1 <= value <= MAX_VERSION:
        raise top.error(f"version must be a positive integer (got {describe(value)})")
    return value


def _levels(top: Section) -> dict[int, dict[str, str]]:
    data = top.data["levels"]
    if not isinstance(data, dict):
        raise top.error(f"levels must be a mapping of 0, 1 and 2, got {describe(data)}")
    # type() rather than ==, because YAML `true:` and `0.0:` keys equal 1 and 0.
    int_keys = {key for key in data if type(key) is int}
    if len(data) != len(LEVELS) or int_keys != set(LEVELS):
        got = ", ".join(sorted(describe(key) for key in data)) or "none"
        raise top.error(f"levels must have exactly the keys 0, 1 and 2 (got {got})")
    levels: dict[int, dict[str, str]] = {}
    for level in LEVELS:
        section = Section(top.source, f"level {level}", data[level], LEVEL_FIELDS)
        levels[level] = {
            "name": section.text("name", MAX_NAME_LENGTH),
            "description": section.text("description"),
        }
    return levels


def _anti_patterns(top: Section) -> dict[str, dict[str, str]]:
    data = top.data["anti_patterns"]
    if not isinstance(data, dict):
        raise top.error(f"anti_patterns must be a mapping, got {describe(data)}")
    anti_patterns: dict[str, dict[str, str]] = {}
    for key, value in data.items():
        if not isinstance(key, str) or not ANTI_PATTERN_KEY_RE.fullmatch(key):
            raise top.error(
                f"anti-pattern key {describe(key)} must be lowercase letters, digits and"
                " underscores"
            )
        if len(key) > MAX_KEY_LENGTH:
            raise top.error(f"anti-pattern key {describe(key)} is too long")
        section = Section(top.source, f"anti-pattern {key!r}", value, ANTI_PATTERN_FIELDS)
        anti_patterns[key] = {
            "title": section.text("title", MAX_TITLE_LENGTH),
            "description": section.text("description"),
        }
    return anti_patterns


def _dimensions(
    top: Section, anti_patterns: Mapping[str, object], evidence_errors: EvidenceErrors | None
) -> list[DimensionSpec]:
    items = top.data["dimensions"]
    if not isinstance(items, list):
        raise top.error(f"dimensions must be a list, got {describe(items)}")
    if not items:
        raise top.error("dimensions must list at least one dimension")
    dimensions: list[DimensionSpec] = []
    practice_dimension: dict[str, str] = {}
    for position, item in enumerate(items, start=1):
        section = Section(
            top.source,
            _label("dimension", item, f"#{position}"),
            item,
            DIMENSION_FIELDS,
            DIMENSION_OPTIONAL_FIELDS,
        )
        dimension = _dimension(
            section, position, len(practice_dimension), anti_patterns, evidence_errors
        )
        if any(seen.key == dimension.key for seen in dimensions):
            raise section.error("duplicate dimension key: another dimension uses it")
        for practice in dimension.practices:
            if practice.key in practice_dimension:
                other = practice_dimension[practice.key]
                raise FrameworkFileError(
                    top.source,
                    f"practice {practice.key!r}",
                    f"duplicate practice key: also used in dimension {other!r}",
                )
            practice_dimension[practice.key] = dimension.key
        dimensions.append(dimension)
    return dimensions


def _dimension(
    section: Section,
    position: int,
    practices_before: int,
    anti_patterns: Mapping[str, object],
    evidence_errors: EvidenceErrors | None,
) -> DimensionSpec:
    key = section.slug("key", MAX_KEY_LENGTH)
    items = section.data["practices"]
    if not isinstance(items, list):
        raise section.error(f"practices must be a list, got {describe(items)}")
    if not items:
        raise section.error("has no practices")
    applies_to = framework_profiles.condition(section, "applies_to")
    practices = tuple(
        _practice(
            Section(
                section.source,
                _label("practice", item, f"#{index} of dimension {key!r}"),
                item,
                PRACTICE_FIELDS,
                PRACTICE_OPTIONAL_FIELDS,
            ),
            key,
            practices_before + index,
            anti_patterns,
            applies_to,
            evidence_errors,
        )
        for index, item in enumerate(items, start=1)
    )
    return DimensionSpec(
        key=key,
        name=section.text("name", MAX_NAME_LENGTH),
        description=section.text("description"),
        order=position,
        practices=practices,
        applies_to=applies_to,
    )


def _practice(
    section: Section,
    dimension_key: str,
    order: int,
    anti_patterns: Mapping[str, object],
    dimension_applies_to: Mapping[str, tuple[str, ...]],
    evidence_errors: EvidenceErrors | None,
) -> PracticeSpec:
    level = _practice_level(section)
    applies_to = combined(dimension_applies_to, framework_profiles.condition(section, "applies_to"))
    if any(not allowed for allowed in applies_to.values()):
        raise section.error("applies_to and its dimension's applies_to exclude each other")
    return PracticeSpec(
        key=section.slug("key", MAX_PRACTICE_KEY_LENGTH),
        dimension_key=dimension_key,
        level=level,
        question=section.text("question"),
        help=section.text("help"),
        why=section.text("why"),
        next_step=section.text("next_step"),
        effort=_effort(section),
        prerequisites=section.text_list("prerequisites", "practice keys", allow_empty=True),
        sources=section.text_list("sources", "source labels", allow_empty=False),
        anti_pattern=_practice_anti_pattern(section, anti_patterns),
        order=order,
        defining=framework_profiles.defining(section, level),
        applies_to=applies_to,
        variants=framework_profiles.variants(section, applies_to),
        evidence=evidence(section, evidence_errors),
    )


def _practice_level(section: Section) -> int:
    value = section.data["level"]
    if type(value) is not int or value not in LEVELS:
        raise section.error(f"level must be 0, 1 or 2 (got {describe(value)})")
    return value


def _effort(section: Section) -> str:
    value = section.data["effort"]
    if value not in EFFORTS:
        raise section.error(f"effort must be S, M or L (got {describe(value)})")
    return str(value)


def _practice_anti_pattern(section: Section, anti_patterns: Mapping[str, object]) -> str | None:
    value = section.data.get("anti_pattern")
    if value is None:
        return None
    if not isinstance(value, str) or value not in anti_patterns:
        known = ", ".join(anti_patterns) or "none are defined"
        raise section.error(f"unknown anti_pattern {describe(value)} (known: {known})")
    return value


def _check_prerequisites(practices: Sequence[PracticeSpec], source: str) -> None:
    keys = {practice.key for practice in practices}
    for practice in practices:
        for prerequisite in practice.prerequisites:
            if prerequisite not in keys:
                raise FrameworkFileError(
                    source, f"practice {practice.key!r}", f"unknown prerequisite {prerequisite!r}"
                )
    cycle = find_cycle({practice.key: practice.prerequisites for practice in practices})
    if cycle:
        raise FrameworkFileError(
            source, f"practice {cycle[0]!r}", f"prerequisite cycle {' -> '.join(cycle)}"
        )


def _label(kind: str, data: object, fallback: str) -> str:
    key = data.get("key") if isinstance(data, dict) else None
    if isinstance(key, str) and key.strip():
        return f"{kind} {describe(key.strip())}"
    return f"{kind} {fallback}"
