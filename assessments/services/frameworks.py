"""Loading framework files into versioned, immutable rows."""

from dataclasses import asdict, dataclass
from pathlib import Path

from django.db import transaction

from assessments.models import Assessment, Dimension, Framework, Practice
from assessments.rules.framework_file import FrameworkSpec, parse_framework_file
from assessments.rules.framework_profiles import check_mapping_against
from core.audit import audit_record
from evidence.rules.suggestions import evidence_rule_errors


class FrameworkLoadError(Exception):
    """The file is valid but cannot be loaded (for example it changes a version in use)."""


@dataclass(frozen=True)
class LoadResult:
    framework: Framework
    created: bool
    # Practices of an already loaded version whose evidence rule the file changed.
    evidence_updated: tuple[str, ...] = ()


@transaction.atomic
def framework_load(*, path: str | Path) -> LoadResult:
    """Load a framework file: a new version becomes new rows; the same content is a no-op.

    1. Parse and validate the file (FrameworkFileError names the file, key and problem),
       evidence rules by the `evidence` app's vocabulary of facts.
    2. If (key, version) exists with the same content hash, change nothing but the
       practices' evidence rules, which the hash leaves out: they say how the tools check
       a practice, not what it asks, so a version in use takes new ones (audited).
    3. If it exists with other content and no assessment uses it, replace its rows;
       if an assessment uses it, refuse: a used version is immutable.
    4. A file that maps from an earlier version needs that version loaded, and its mapping
       must account for every one of the earlier version's practices.
    """
    spec = parse_framework_file(path, evidence_errors=evidence_rule_errors)
    _check_mapping(spec, str(path))
    content_hash = spec.content_hash()
    existing = Framework.objects.filter(key=spec.key, version=spec.version).first()
    if existing and existing.content_hash == content_hash:
        updated = _update_evidence(existing, spec)
        return LoadResult(framework=existing, created=False, evidence_updated=updated)
    if existing:
        if Assessment.objects.filter(period__framework=existing).exists():
            raise FrameworkLoadError(
                f"{path}: framework '{spec.key}' version {spec.version} is used by assessments "
                f"and cannot change; give the changed file a new version number."
            )
        existing.delete()
    framework = _create_rows(spec, content_hash, str(path))
    return LoadResult(framework=framework, created=True)


def _update_evidence(framework: Framework, spec: FrameworkSpec) -> tuple[str, ...]:
    """Give the loaded version's practices the file's evidence rules; the keys changed."""
    rules = {practice.key: practice.evidence for practice in spec.practices()}
    changed = [
        practice
        for practice in framework.practices.order_by("order")
        if practice.evidence != rules.get(practice.key, {})
    ]
    for practice in changed:
        before = practice.evidence
        practice.evidence = rules.get(practice.key, {})
        audit_record(
            actor=None,
            action="practice.evidence_update",
            target=practice,
            before={"evidence": before},
            after={"evidence": practice.evidence},
        )
    Practice.objects.bulk_update(changed, ["evidence"])
    return tuple(practice.key for practice in changed)


def _check_mapping(spec: FrameworkSpec, source: str) -> None:
    if spec.maps_from is None:
        return
    earlier = Framework.objects.filter(key=spec.maps_from.key, version=spec.maps_from.version)
    if not earlier.exists():
        raise FrameworkLoadError(
            f"{source}: maps_from names {spec.maps_from.key} version {spec.maps_from.version}, "
            "which is not loaded; load that file first."
        )
    earlier_keys = list(
        Practice.objects.filter(framework__in=earlier)
        .order_by("order")
        .values_list("key", flat=True)
    )
    check_mapping_against(spec, earlier_keys, source)


def _create_rows(spec: FrameworkSpec, content_hash: str, source_path: str) -> Framework:
    framework = Framework.objects.create(
        key=spec.key,
        version=spec.version,
        title=spec.title,
        description=spec.description,
        levels={str(level): info for level, info in spec.levels.items()},
        anti_patterns=spec.anti_patterns,
        content_hash=content_hash,
        source_path=source_path,
        scoring_rule=spec.scoring_rule,
        maps_from=asdict(spec.maps_from) if spec.maps_from else None,
    )
    for dimension_spec in spec.dimensions:
        dimension = Dimension.objects.create(
            framework=framework,
            key=dimension_spec.key,
            name=dimension_spec.name,
            description=dimension_spec.description,
            order=dimension_spec.order,
            applies_to=dimension_spec.applies_to,
        )
        Practice.objects.bulk_create(
            Practice(
                framework=framework,
                dimension=dimension,
                key=practice.key,
                level=practice.level,
                question=practice.question,
                help=practice.help,
                why=practice.why,
                next_step=practice.next_step,
                effort=practice.effort,
                prerequisites=list(practice.prerequisites),
                sources=list(practice.sources),
                anti_pattern=practice.anti_pattern or "",
                order=practice.order,
                defining=practice.defining,
                applies_to=practice.applies_to,
                variants=[asdict(variant) for variant in practice.variants],
                evidence=practice.evidence,
            )
            for practice in dimension_spec.practices
        )
    return framework


def framework_latest(*, key: str = "mlops") -> Framework | None:
    return Framework.objects.filter(key=key).order_by("-version").first()
