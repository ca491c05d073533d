"""Improvement actions: creating them (by hand or from a recommended next step), editing
them and moving them through their statuses, each change kept in the action's history.

Every write is guarded by the action's version, as answers are: of two people editing the
same action from the pages they loaded, the second gets ActionConflict carrying the stored
action and nothing of theirs is written over the first's.
"""

import datetime
from collections.abc import Mapping
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.dateformat import format as date_format

from assessments.models import Assessment
from assessments.rules.scoring import Practice
from assessments.scoring_inputs import assessment_profile, scoring_framework
from core.cache import dashboards_changed
from core.text import normalise_line
from improvement.models import Action, ActionChange
from teams.models import Membership, Project, Team

# What a lead may change with action_update; status has its own service.
EDITABLE_FIELDS = ("title", "project", "owner", "due_on", "ticket_url", "notes")
TITLE_MAX_LENGTH = 200
TITLE_FROM_STEP_LENGTH = 120
REASON_MAX_LENGTH = 500
NOTES_MAX_LENGTH = 4000
_TICKET_URL = URLValidator(
    schemes=["http", "https"], message="Enter a ticket link that starts with http:// or https://."
)


class ActionConflict(Exception):
    """The action changed since the page was loaded; nothing was written."""

    def __init__(self, current: Action) -> None:
        super().__init__("This action changed since you loaded the page.")
        self.current = current


class ActionAlreadyPlanned(ValidationError):
    """The project already has an open action for this practice."""

    def __init__(self, existing: Action) -> None:
        owner = _person(existing.owner) if existing.owner_id else "nobody yet"
        due = f", due {date_format(existing.due_on, 'j M Y')}" if existing.due_on else ""
        super().__init__(
            f"{existing.project or existing.team} already has an open action for this "
            f"practice: “{existing.title}” ({existing.get_status_display().lower()}, "
            f"owner {owner}{due}). Change that one instead of adding a second."
        )
        self.existing = existing


@transaction.atomic
def action_create(
    *,
    team: Team,
    project: Project | None,
    title: str,
    owner: User | None,
    due_on: datetime.date | None,
    created_by: User | None,
    practice_key: str = "",
    dimension_key: str = "",
    practice_level: int | None = None,
    effort: str = "",
    next_step: str = "",
    ticket_url: str = "",
    notes: str = "",
    source_assessment: Assessment | None = None,
) -> Action:
    """A new planned action of `team`, optionally for one of its projects and a practice.

    The owner must be a member of the team, the project one of its projects, the ticket
    link a web address; a project has at most one open action per practice.
    """
    values = _checked(
        team,
        {"title": title, "project": project, "owner": owner, "ticket_url": ticket_url},
    )
    if project is not None and practice_key:
        _refuse_second_open(project=project, practice_key=practice_key, exclude_pk=None)
    action = Action.objects.create(
        team=team,
        due_on=due_on,
        practice_key=practice_key,
        dimension_key=dimension_key,
        practice_level=practice_level,
        effort=effort,
        next_step=next_step[:2000],
        notes=notes[:NOTES_MAX_LENGTH],
        source_assessment=source_assessment,
        created_by=created_by,
        **values,
    )
    dashboards_changed()
    return action


def action_from_recommendation(
    *,
    assessment: Assessment,
    practice_key: str,
    owner: User | None,
    due_on: datetime.date | None,
    user: User,
) -> Action:
    """The action for one recommended next step of a submitted assessment, prefilled with
    the practice's next step (as title and in full), level, dimension and effort, in the
    words the assessment's project profile was asked in."""
    if not assessment.is_submitted:
        raise ValidationError("Next steps become actions from a submitted assessment's results.")
    practice = recommended_practice(assessment=assessment, practice_key=practice_key)
    return action_create(
        team=assessment.project.team,
        project=assessment.project,
        owner=owner,
        due_on=due_on,
        created_by=user,
        source_assessment=assessment,
        **action_fields_for_practice(practice),
    )


def action_fields_for_practice(practice: Practice) -> dict[str, Any]:
    """What an action made from a practice's next step carries of it: its title, the step
    in full, the practice, its dimension, level and effort."""
    return {
        "title": title_for_step(practice.next_step or practice.question),
        "practice_key": practice.key,
        "dimension_key": practice.dimension_key,
        "practice_level": practice.level,
        "effort": practice.effort,
        "next_step": practice.next_step,
    }


def recommended_practice(*, assessment: Assessment, practice_key: str) -> Practice:
    """The practice as the assessment's framework words it for the project's profile."""
    profile = assessment_profile(assessment=assessment)
    _, practices = scoring_framework(assessment.period.framework, profile)
    for practice in practices:
        if practice.key == practice_key:
            return practice
    raise ValidationError(f"{assessment.period.key}'s framework has no practice “{practice_key}”.")


def title_for_step(text: str) -> str:
    """A next step as an action's title: its first sentence, cut at a word near 120
    characters ("..." marks the cut: titles are stored NFKC-normalised, which spells "…"
    so). The full step is kept in `next_step`."""
    text = normalise_line(text)
    sentence, dot, _ = text.partition(". ")
    text = sentence.rstrip(".") if dot else text.rstrip(".")
    if len(text) <= TITLE_FROM_STEP_LENGTH:
        return text
    cut = text[: TITLE_FROM_STEP_LENGTH - 3].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "..."


@transaction.atomic
def action_update(
    *, action: Action, fields: Mapping[str, Any], version: int, user: User | None
) -> Action:
    """Change some of EDITABLE_FIELDS if nobody changed the action since `version`; one
    history row per field that changed. Nothing to change: the action as it is."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"action_update cannot change {sorted(unknown)}")
    values = _checked(action.team, dict(fields))
    if "due_on" in fields:
        values["due_on"] = fields["due_on"]
    changed = {name: value for name, value in values.items() if _differs(action, name, value)}
    project = changed.get("project", action.project)
    if "project" in changed and project is not None and action.practice_key and action.is_open:
        _refuse_second_open(project=project, practice_key=action.practice_key, exclude_pk=action.pk)
    return _write(action, version=version, values=changed, user=user)


@transaction.atomic
def action_set_status(
    *,
    action: Action,
    status: str,
    version: int,
    user: User | None,
    dropped_reason: str = "",
) -> Action:
    """Move the action to `status`. Done records when (done_at); reopening clears it;
    dropping needs a reason, which reopening clears. Reopening is refused while the project
    has another open action for the same practice."""
    if status not in Action.Status.values:
        raise ValidationError({"status": f"“{status}” is not a status of an action."})
    reason = normalise_line(dropped_reason) if status == Action.Status.DROPPED else ""
    if status == Action.Status.DROPPED and not reason:
        raise ValidationError({"dropped_reason": "Say why the action is dropped."})
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError(
            {"dropped_reason": f"Keep the reason to {REASON_MAX_LENGTH} characters."}
        )
    current = (
        Action.objects.select_for_update(of=("self",)).select_related("owner").get(pk=action.pk)
    )
    if current.status == status and current.dropped_reason == reason:
        return current  # already so (a second click, or someone else did it): nothing to do
    reopening = status in Action.OPEN_STATUSES and not current.is_open
    if reopening and current.project is not None and current.practice_key:
        _refuse_second_open(
            project=current.project, practice_key=current.practice_key, exclude_pk=current.pk
        )
    values: dict[str, Any] = {"status": status, "dropped_reason": reason}
    if status == Action.Status.DONE and current.status != Action.Status.DONE:
        values["done_at"] = timezone.now()
    elif status != Action.Status.DONE:
        values["done_at"] = None
    changed = {name: value for name, value in values.items() if _differs(action, name, value)}
    return _write(action, version=version, values=changed, user=user)


# --- Helpers -------------------------------------------------------------------------------


def _checked(team: Team, fields: dict[str, Any]) -> dict[str, Any]:
    """The given fields, cleaned, or ValidationError by field with a message for each."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    if "title" in fields:
        values["title"] = normalise_line(fields["title"] or "")
        if not values["title"]:
            errors["title"] = "Give the action a title."
        elif len(values["title"]) > TITLE_MAX_LENGTH:
            errors["title"] = f"Keep the title to {TITLE_MAX_LENGTH} characters."
    if "project" in fields:
        project = values["project"] = fields["project"]
        if project is not None and project.team_id != team.pk:
            errors["project"] = f"{project.name} is not a project of {team.name}."
    if "owner" in fields:
        owner = values["owner"] = fields["owner"]
        if owner is not None and not Membership.objects.filter(team=team, user=owner).exists():
            errors["owner"] = f"{_person(owner)} is not a member of {team.name}."
    if "ticket_url" in fields:
        values["ticket_url"] = (fields["ticket_url"] or "").strip()
        _check_ticket_url(values["ticket_url"], errors)
    if "notes" in fields:
        values["notes"] = (fields["notes"] or "").strip()
        if len(values["notes"]) > NOTES_MAX_LENGTH:
            errors["notes"] = f"Keep the notes to {NOTES_MAX_LENGTH} characters."
    if errors:
        raise ValidationError(errors)
    return values


def _check_ticket_url(url: str, errors: dict[str, str]) -> None:
    if not url:
        return
    if len(url) > 500:
        errors["ticket_url"] = "Keep the ticket link to 500 characters."
        return
    try:
        _TICKET_URL(url)
    except ValidationError as error:
        errors["ticket_url"] = str(error.messages[0])


def _refuse_second_open(*, project: Project, practice_key: str, exclude_pk: int | None) -> None:
    # The project's row is locked first, so two people adding the same step at once are
    # serialised and the second one sees the first one's action.
    Project.objects.select_for_update().filter(pk=project.pk).values_list("pk").first()
    others = Action.objects.select_related("owner", "project", "team").filter(
        project=project, practice_key=practice_key, status__in=Action.OPEN_STATUSES
    )
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    existing = others.first()
    if existing is not None:
        raise ActionAlreadyPlanned(existing)


def _differs(action: Action, name: str, value: Any) -> bool:
    if name in ("project", "owner"):
        return getattr(action, f"{name}_id") != (value.pk if value is not None else None)
    return getattr(action, name) != value


def _write(action: Action, *, version: int, values: dict[str, Any], user: User | None) -> Action:
    """The guarded update: written only if the action is still at `version`."""
    if not values:
        if Action.objects.filter(pk=action.pk, version=version).exists():
            return action
        raise ActionConflict(_fresh(action))
    updated = Action.objects.filter(pk=action.pk, version=version).update(
        **values, version=F("version") + 1, updated_at=timezone.now()
    )
    if not updated:
        raise ActionConflict(_fresh(action))
    ActionChange.objects.bulk_create(
        ActionChange(
            action=action,
            field=name,
            old_value=_shown(getattr(action, name)),
            new_value=_shown(value),
            changed_by=user,
        )
        for name, value in values.items()
        if name != "done_at"  # follows from the status, whose change is recorded
    )
    for name, value in values.items():
        setattr(action, name, value)
    action.version = version + 1
    dashboards_changed()
    return action


def _fresh(action: Action) -> Action:
    """The action as stored, with what its row on the plan shows."""
    related = ("owner", "project", "team", "created_by", "source_assessment__period")
    return Action.objects.select_related(*related).get(pk=action.pk)


def _shown(value: object) -> str:
    """A field's value as the history keeps it: people and projects by name, dates ISO."""
    if value is None:
        return ""
    if isinstance(value, User):
        return _person(value)
    if isinstance(value, Project):
        return value.name
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _person(user: User | None) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()
