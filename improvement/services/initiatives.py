"""Writes for initiatives: create and edit one (audited), and record burn-up points.

A burn-up point is where an initiative stands in one week, recorded under the week's
Monday. `initiative_week_record` computes the state now and upserts this week's point:
creating or editing an initiative records it at once, and the demo uses it too.
`initiative_weeks_record_all` is the scheduler tick's: every active initiative whose dates
cover today gets this week's point if it has none yet.
"""

import datetime
from collections.abc import Iterable, Sequence

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from assessments.models import Practice
from core.audit import audit_record
from core.cache import dashboards_changed
from improvement import burnup
from improvement.models import Initiative, InitiativeWeek
from improvement.selectors.initiative_progress import InitiativeProgress, initiatives_progress
from teams.models import Project, Team, Unit

SLUG_LENGTH = 200


def initiative_create(
    *,
    actor: User | None,
    title: str,
    why: str,
    practice_keys: Sequence[str],
    stages: Sequence[str] = (),
    units: Iterable[Unit] = (),
    teams: Iterable[Team] = (),
    starts_on: datetime.date,
    target_on: datetime.date,
    today: datetime.date | None = None,
) -> Initiative:
    """Create an initiative and record its first burn-up point at once."""
    with transaction.atomic():
        initiative = Initiative(created_by=actor, slug=_unique_slug(title))
        _apply(initiative, title, why, practice_keys, stages, starts_on, target_on)
        initiative.save()
        initiative.units.set(list(units))
        initiative.teams.set(list(teams))
        audit_record(
            actor=actor, action="initiative.create", target=initiative, after=_fields(initiative)
        )
        initiative_week_record(initiative=initiative, today=today or timezone.localdate())
    return initiative


def initiative_update(
    *,
    initiative: Initiative,
    actor: User | None,
    title: str,
    why: str,
    practice_keys: Sequence[str],
    stages: Sequence[str] = (),
    units: Iterable[Unit] = (),
    teams: Iterable[Team] = (),
    starts_on: datetime.date,
    target_on: datetime.date,
    today: datetime.date | None = None,
) -> Initiative:
    """Change an initiative (its address stays); this week's point is recorded again under
    the new definition, earlier points stay as they were recorded."""
    with transaction.atomic():
        before = _fields(initiative)
        _apply(initiative, title, why, practice_keys, stages, starts_on, target_on)
        initiative.save()
        initiative.units.set(list(units))
        initiative.teams.set(list(teams))
        audit_record(
            actor=actor,
            action="initiative.update",
            target=initiative,
            before=before,
            after=_fields(initiative),
        )
        initiative_week_record(initiative=initiative, today=today or timezone.localdate())
    return initiative


def _apply(
    initiative: Initiative,
    title: str,
    why: str,
    practice_keys: Sequence[str],
    stages: Sequence[str],
    starts_on: datetime.date,
    target_on: datetime.date,
) -> None:
    """Set the fields and validate them: clear messages, nothing saved when one is wrong."""
    initiative.title = title.strip()
    initiative.why = why.strip()
    initiative.practice_keys = list(dict.fromkeys(practice_keys))
    initiative.stages = [stage for stage in Project.Stage.values if stage in set(stages)]
    initiative.starts_on = starts_on
    initiative.target_on = target_on
    errors: dict[str, list[str]] = {}
    unknown_stages = sorted(set(stages) - set(Project.Stage.values))
    if unknown_stages:
        errors["stages"] = [f"Unknown stage: {', '.join(unknown_stages)}."]
    if not initiative.practice_keys:
        errors["practice_keys"] = ["Pick at least one practice."]
    else:
        unknown = practice_keys_unknown(initiative.practice_keys)
        if unknown:
            errors["practice_keys"] = [
                f"Unknown practice: {', '.join(unknown)}. Pick practices from the list."
            ]
    if target_on <= starts_on:
        errors["target_on"] = ["The target date must be after the start date."]
    try:
        # The constraint (target after start) is checked above, in words.
        initiative.full_clean(
            exclude=["practice_keys", "stages", "created_by"], validate_constraints=False
        )
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            errors.setdefault(name, messages)
    if errors:
        raise ValidationError(errors)


def practice_keys_unknown(keys: Iterable[str]) -> list[str]:
    """The keys no loaded framework version has."""
    keys = list(keys)
    known = set(Practice.objects.filter(key__in=keys).values_list("key", flat=True))
    return [key for key in keys if key not in known]


def _unique_slug(title: str) -> str:
    base = slugify(title)[:SLUG_LENGTH].strip("-") or "initiative"
    taken = set(Initiative.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    slug, number = base, 2
    while slug in taken or slug in {"new"}:  # "new" is the creation page's address
        slug, number = f"{base}-{number}", number + 1
    return slug


def _fields(initiative: Initiative) -> dict[str, object]:
    return {
        "title": initiative.title,
        "practice_keys": list(initiative.practice_keys),
        "stages": list(initiative.stages),
        "units": sorted(unit.name for unit in initiative.units.all()),
        "teams": sorted(team.name for team in initiative.teams.all()),
        "starts_on": initiative.starts_on,
        "target_on": initiative.target_on,
    }


# --- Burn-up points --------------------------------------------------------------------------


def initiative_week_record(*, initiative: Initiative, today: datetime.date) -> InitiativeWeek:
    """Where the initiative stands now, saved as the point of `today`'s week (its Monday):
    created, or updated when the week has one already."""
    progress = initiatives_progress(initiatives=[initiative], today=today)[initiative.pk]
    week, _ = InitiativeWeek.objects.update_or_create(
        initiative=initiative,
        week_start=burnup.week_start(today),
        defaults={**_counts(progress), "recorded_at": timezone.now()},
    )
    dashboards_changed()
    return week


def initiative_weeks_record_all(*, today: datetime.date) -> int:
    """This week's point for every active initiative whose dates cover `today` and that has
    none yet; how many were recorded. Safe to run twice (a point per initiative and week)."""
    week = burnup.week_start(today)
    due = list(
        Initiative.objects.filter(
            archived_at__isnull=True, starts_on__lte=today, target_on__gte=today
        )
        .exclude(weeks__week_start=week)
        .order_by("pk")
    )
    if not due:
        return 0
    progress = initiatives_progress(initiatives=due, today=today)
    InitiativeWeek.objects.bulk_create(
        [InitiativeWeek(initiative=i, week_start=week, **_counts(progress[i.pk])) for i in due],
        ignore_conflicts=True,  # a concurrent tick recorded it first
    )
    dashboards_changed()
    return len(due)


def _counts(progress: InitiativeProgress) -> dict[str, int]:
    return {
        "projects_in_scope": progress.projects_in_scope,
        "projects_complete": progress.projects_complete,
        "practices_in_place": progress.practices_in_place,
        "practices_total": progress.practices_total,
    }
