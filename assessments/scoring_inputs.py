"""What scoring reads from the database: a framework version as the pure rules' shapes,
worded for a project profile, and the profile an assessment is asked and scored with."""

from functools import lru_cache

from assessments.models import Assessment, Framework, ProjectProfile
from assessments.rules import scoring
from assessments.rules.profiles import Profile, variant_for


@lru_cache(maxsize=256)
def _scoring_framework(
    framework_id: int, content_hash: str, profile: Profile | None
) -> tuple[tuple[scoring.Dimension, ...], tuple[scoring.Practice, ...]]:
    # Framework versions are immutable (keyed by content hash), so caching is safe.
    framework = Framework.objects.get(pk=framework_id)
    dimensions = tuple(
        scoring.Dimension(key=d.key, name=d.name, order=d.order) for d in framework.dimensions.all()
    )
    practices = []
    for p in framework.practices.select_related("dimension"):
        wording = variant_for(p.variants, profile)
        practices.append(
            scoring.Practice(
                key=p.key,
                dimension_key=p.dimension.key,
                level=p.level,
                effort=p.effort,
                prerequisites=tuple(p.prerequisites),
                anti_pattern=p.anti_pattern or None,
                order=p.order,
                question=str(wording.get("question", p.question)),
                next_step=str(wording.get("next_step", p.next_step)),
                why=str(wording.get("why", p.why)),
                defining=p.defining,
                applies_to={name: tuple(values) for name, values in p.applies_to.items()},
            )
        )
    return dimensions, tuple(practices)


def scoring_framework(
    framework: Framework, profile: Profile | None = None
) -> tuple[tuple[scoring.Dimension, ...], tuple[scoring.Practice, ...]]:
    """The framework as scoring reads it, worded for `profile` (every practice included:
    `scoring.asked_practices` picks the ones a profile is asked)."""
    return _scoring_framework(framework.pk, framework.content_hash, profile)


def assessment_profile(*, assessment: Assessment) -> Profile | None:
    """The profile a submitted assessment was scored with; for a draft, the project's now."""
    stored = Profile.from_mapping(assessment.profile)
    if stored is not None or assessment.is_submitted:
        return stored
    # A page asks several times (which practices, in which words, how many answered):
    # read the draft's profile once per request, kept on the instance in hand.
    if not hasattr(assessment, "_draft_profile"):
        row = ProjectProfile.objects.filter(project_id=assessment.project_id).first()
        assessment._draft_profile = row.as_profile() if row else None  # type: ignore[attr-defined]
    return assessment._draft_profile  # type: ignore[attr-defined]


def framework_uses_profiles(framework: Framework) -> bool:
    return framework.scoring_rule >= 2


def draft_profile_keep(*, assessment: Assessment, row: ProjectProfile | None) -> None:
    """Keep the project's profile, read together with the draft, for assessment_profile."""
    assessment._draft_profile = row.as_profile() if row else None  # type: ignore[attr-defined]


def draft_profile_forget(*, assessment: Assessment) -> None:
    """Drop the profile kept on the instance, so the next read sees the stored one."""
    assessment.__dict__.pop("_draft_profile", None)
