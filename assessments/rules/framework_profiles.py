"""The parts of a framework file that rule 2 added: pure Python, no Django.

- `scoring_rule`: 1 (the default, how v1 was scored) or 2 (see `scoring`).
- `applies_to` on a dimension or practice, and wording `variants` of a practice, over the
  fields of a project profile (`profiles`).
- `defining: true` on the level-1 and level-2 practices a level needs fully in place.
- `maps_from`: how an earlier version's answers carry into this one.

Checks, after the v1 ones in `framework_file`:

5. Conditions name only profile fields and values; a variant's `when` can match some
   profile the practice applies to; only level 1 and 2 practices are defining.
6. Rule 2 only: for every combination of profile values, each dimension asks either
   nothing, or at least MIN_PRACTICES_PER_LEVEL practices at every level with a defining
   one at levels 1 and 2. Otherwise some project could never reach a level, or could
   claim one on too little.
7. `maps_from` lists each earlier key once and maps only to keys of this file; against the
   earlier version itself (`check_mapping_against`), it accounts for every earlier key.
"""

from collections.abc import Callable, Mapping, Sequence

from assessments.rules.framework_section import Section, describe
from assessments.rules.framework_spec import (
    MAPPING_FIELDS,
    MAPPING_OPTIONAL_FIELDS,
    MAX_VERSION,
    SCORING_RULES,
    SLUG_RE,
    VARIANT_FIELDS,
    VARIANT_OPTIONAL_FIELDS,
    FrameworkFileError,
    FrameworkSpec,
    MappingSpec,
    PracticeSpec,
    VariantSpec,
)
from assessments.rules.levels import LEVELS, MIN_PRACTICES_PER_LEVEL
from assessments.rules.profiles import (
    PROFILE_FIELDS,
    Condition,
    Profile,
    combined,
    every_profile,
    matches,
)


def scoring_rule(top: Section) -> int:
    value = top.data.get("scoring_rule", 1)
    if type(value) is not int or value not in SCORING_RULES:
        raise top.error(f"scoring_rule must be 1 or 2 (got {describe(value)})")
    return value


def condition(section: Section, name: str) -> dict[str, tuple[str, ...]]:
    value = section.data.get(name, {})
    if not isinstance(value, dict):
        raise section.error(f"{name} must be a mapping of profile fields, got {describe(value)}")
    parsed: dict[str, tuple[str, ...]] = {}
    for field_name, allowed in value.items():
        if field_name not in PROFILE_FIELDS:
            known = ", ".join(PROFILE_FIELDS)
            raise section.error(f"{name}: unknown profile field {describe(field_name)} ({known})")
        choices = PROFILE_FIELDS[field_name]
        if not isinstance(allowed, list) or not allowed:
            raise section.error(f"{name}: {field_name} must be a non-empty list of values")
        for item in allowed:
            if item not in choices:
                raise section.error(
                    f"{name}: {field_name} has no value {describe(item)}"
                    f" (known: {', '.join(choices)})"
                )
        parsed[field_name] = tuple(dict.fromkeys(allowed))
    return parsed


def defining(section: Section, level: int) -> bool:
    value = section.data.get("defining", False)
    if type(value) is not bool:
        raise section.error(f"defining must be true or false (got {describe(value)})")
    if value and level == LEVELS[0]:
        raise section.error("a level-0 practice cannot be defining: level 0 is the floor")
    return value


def variants(section: Section, applies_to: Condition) -> tuple[VariantSpec, ...]:
    items = section.data.get("variants", [])
    if not isinstance(items, list):
        raise section.error(f"variants must be a list, got {describe(items)}")
    parsed = []
    for position, item in enumerate(items, start=1):
        variant = Section(
            section.source,
            f"{section.where}, variant #{position}",
            item,
            VARIANT_FIELDS,
            VARIANT_OPTIONAL_FIELDS,
        )
        when = condition(variant, "when")
        if not when:
            raise variant.error("when must name at least one profile field")
        if not any(matches(combined(applies_to, when), p) for p in every_profile()):
            raise variant.error("when matches no profile this practice applies to")
        parsed.append(
            VariantSpec(
                when=when,
                question=variant.text("question"),
                help=variant.text("help"),
                next_step=variant.text("next_step") if "next_step" in variant.data else None,
                why=variant.text("why") if "why" in variant.data else None,
            )
        )
    return tuple(parsed)


def maps_from(top: Section) -> MappingSpec | None:
    if "maps_from" not in top.data:
        return None
    section = Section(
        top.source, "maps_from", top.data["maps_from"], MAPPING_FIELDS, MAPPING_OPTIONAL_FIELDS
    )
    version = section.data["version"]
    if type(version) is not int or not 1 <= version <= MAX_VERSION:
        raise section.error(f"version must be a positive integer (got {describe(version)})")
    return MappingSpec(
        key=section.slug("key", 60),
        version=version,
        renamed=_key_mapping(section, "renamed", lambda value: _slug(section, "renamed", value)),
        split=_key_mapping(section, "split", lambda value: _slugs(section, "split", value, 2)),
        merged=_key_mapping(section, "merged", lambda value: _slugs(section, "merged", value, 2)),
        removed=_key_mapping(section, "removed", lambda value: _reason(section, value)),
    )


def _key_mapping[T](
    section: Section, name: str, parse_value: Callable[[object], T]
) -> dict[str, T]:
    value = section.data.get(name, {})
    if not isinstance(value, dict):
        raise section.error(f"{name} must be a mapping of practice keys, got {describe(value)}")
    return {_slug(section, name, key): parse_value(item) for key, item in value.items()}


def _slug(section: Section, name: str, value: object) -> str:
    if not isinstance(value, str) or not SLUG_RE.fullmatch(value):
        raise section.error(f"{name}: {describe(value)} is not a practice key")
    return value


def _slugs(section: Section, name: str, value: object, at_least: int) -> tuple[str, ...]:
    if not isinstance(value, list) or len(value) < at_least:
        raise section.error(f"{name}: each entry must list at least {at_least} practice keys")
    keys = tuple(_slug(section, name, item) for item in value)
    if len(set(keys)) != len(keys):
        raise section.error(f"{name}: a practice key is listed twice in {list(keys)}")
    return keys


def _reason(section: Section, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise section.error("removed: say in a sentence why each practice is gone")
    return value.strip()


def check_mapping_targets(spec: FrameworkSpec, source: str) -> None:
    mapping = spec.maps_from
    if mapping is None:
        return
    keys = {practice.key for practice in spec.practices()}
    for old, sections in mapping.sources().items():
        if len(sections) > 1:
            raise FrameworkFileError(
                source, "maps_from", f"{old!r} is listed more than once ({', '.join(sections)})"
            )
        if old in keys and old not in _targets_of(mapping, old):
            raise FrameworkFileError(
                source,
                "maps_from",
                f"{old!r} is still a key of this version: a kept key carries as is,"
                " list it nowhere",
            )
    for new in mapping.targets():
        if new not in keys:
            raise FrameworkFileError(
                source, "maps_from", f"{new!r} is not a practice of this version"
            )


def _targets_of(mapping: MappingSpec, old: str) -> tuple[str, ...]:
    if old in mapping.renamed:
        return (mapping.renamed[old],)
    if old in mapping.split:
        return mapping.split[old]
    return tuple(new for new, olds in mapping.merged.items() if old in olds)


def check_mapping_against(spec: FrameworkSpec, earlier_keys: Sequence[str], source: str) -> None:
    """Every key of the earlier version is kept, or listed in exactly one section."""
    mapping = spec.maps_from
    if mapping is None:
        return
    keys = {practice.key for practice in spec.practices()}
    listed = mapping.sources()
    unknown = sorted(set(listed) - set(earlier_keys))
    if unknown:
        raise FrameworkFileError(
            source,
            "maps_from",
            f"{', '.join(map(repr, unknown))} are not practices of {mapping.key} "
            f"version {mapping.version}",
        )
    missing = [key for key in earlier_keys if key not in keys and key not in listed]
    if missing:
        raise FrameworkFileError(
            source,
            "maps_from",
            f"{', '.join(map(repr, missing))} of {mapping.key} version {mapping.version} "
            "are neither kept nor listed as renamed, split, merged or removed",
        )


def check_profile_coverage(spec: FrameworkSpec, source: str) -> None:
    """Rule 2's check 6: every profile meets every dimension it is asked about fairly."""
    if spec.scoring_rule != 2:
        return
    for dimension in spec.dimensions:
        for level in LEVELS[1:]:
            if not any(p.defining and p.level == level for p in dimension.practices):
                raise FrameworkFileError(
                    source,
                    f"dimension {dimension.key!r}",
                    f"has no defining practice at level {level} (mark one `defining: true`)",
                )
    for profile in every_profile():
        for dimension in spec.dimensions:
            asked = [p for p in dimension.practices if matches(p.applies_to, profile)]
            if asked:
                _check_levels_asked(dimension.key, asked, profile, source)


def _check_levels_asked(
    key: str, asked: Sequence[PracticeSpec], profile: Profile, source: str
) -> None:
    for level in LEVELS:
        at_level = [p for p in asked if p.level == level]
        if len(at_level) < MIN_PRACTICES_PER_LEVEL:
            raise FrameworkFileError(
                source,
                f"dimension {key!r}",
                f"asks a {_profile_words(profile)} project {len(at_level)} level-{level} "
                f"practice(s); a level needs at least {MIN_PRACTICES_PER_LEVEL}",
            )
        if level > LEVELS[0] and not any(p.defining for p in at_level):
            raise FrameworkFileError(
                source,
                f"dimension {key!r}",
                f"asks a {_profile_words(profile)} project no defining level-{level} practice",
            )


def _profile_words(profile: Profile) -> str:
    values: Mapping[str, str] = profile.as_dict()
    return "/".join(values.values())
