"""Recording a project's profile: what kind of ML system it is, which decides the
practices a rule-2 framework asks it."""

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from assessments.models import ProjectProfile
from assessments.rules.profiles import Profile
from teams.models import Project


@transaction.atomic
def project_profile_save(
    *, project: Project, user: User | None, profile: Profile
) -> ProjectProfile:
    """Record or change the profile. Drafts keep every answer: a practice the new profile
    no longer asks keeps its answer, unasked, and comes back if the profile changes back."""
    row, _ = ProjectProfile.objects.update_or_create(
        project=project,
        defaults={**profile.as_dict(), "recorded_by": user, "recorded_at": timezone.now()},
    )
    return row
