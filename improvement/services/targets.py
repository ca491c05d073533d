"""Setting targets: the organisation's policy, and a team's or a project's own target.

Who may is decided by the views (improvement.selectors.target_pages.may_set_overrides; the
policy page is for org admins only). Every write records an audit entry with the values
before and after, in the same transaction, and refreshes the dashboards.

A due date in the past is refused when a target is set or its date is changed: a target
missed the moment it is set is nearly always a slip of the year, and it would show every
project it covers as overdue at once. A target whose date passes later stays as it is,
and its projects show as overdue until someone sets a new date. Changing only the level
of such a target keeps its date.
"""

import datetime
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from assessments.models import Dimension
from assessments.rules.levels import LEVELS
from core.audit import audit_record
from core.cache import dashboards_changed
from core.text import normalise_line
from improvement.models import TargetOverride, TargetRule
from improvement.services.target_phases import target_phases_refresh
from improvement.target_rules import day_text
from teams.models import Project, Team

REASON_MAX_LENGTH = 500
RACE = "Someone set this target at the same moment: reload the page and try again."


def _check(
    *,
    level: int,
    due_on: datetime.date,
    dimension_key: str,
    stored_due_on: datetime.date | None,
    today: datetime.date | None,
) -> None:
    errors: dict[str, str] = {}
    if level not in LEVELS:
        errors["level"] = "Choose level 0, 1 or 2."
    today = today or timezone.localdate()
    if due_on < today and due_on != stored_due_on:
        errors["due_on"] = f"{day_text(due_on)} has passed: choose today or a later date."
    if dimension_key and not Dimension.objects.filter(key=dimension_key).exists():
        errors["dimension_key"] = (
            f"There is no dimension “{dimension_key}” in the framework: choose one from the list."
        )
    if errors:
        raise ValidationError(errors)


def _recorded(**entry: Any) -> None:
    audit_record(**entry)
    dashboards_changed()


def _rule_fields(rule: TargetRule | None) -> dict[str, object]:
    if rule is None:
        return {}
    return {
        "stage": rule.stage,
        "dimension": rule.dimension_key or "overall",
        "level": rule.level,
        "due_on": rule.due_on.isoformat(),
    }


@transaction.atomic
def target_rule_set(
    *,
    stage: str,
    dimension_key: str = "",
    level: int,
    due_on: datetime.date,
    actor: User | None,
    today: datetime.date | None = None,
) -> TargetRule:
    """Create or change the organisation's rule for `stage` (and one dimension, if given)."""
    if stage not in Project.Stage.values:
        raise ValidationError({"stage": "Choose one of the project stages."})
    rule = TargetRule.objects.select_for_update().filter(stage=stage, dimension_key=dimension_key)
    existing = rule.first()
    _check(
        level=level,
        due_on=due_on,
        dimension_key=dimension_key,
        stored_due_on=existing.due_on if existing else None,
        today=today,
    )
    before = _rule_fields(existing)
    try:
        with transaction.atomic():
            saved, _ = TargetRule.objects.update_or_create(
                stage=stage,
                dimension_key=dimension_key,
                defaults={"level": level, "due_on": due_on, "updated_by": actor},
            )
    except IntegrityError as error:
        raise ValidationError(RACE) from error
    _recorded(
        actor=actor,
        action="target_rule.change" if existing else "target_rule.create",
        target=saved,
        before=before,
        after=_rule_fields(saved),
    )
    target_phases_refresh(projects=Project.objects.filter(stage=stage))
    return saved


@transaction.atomic
def target_rule_clear(*, stage: str, dimension_key: str = "", actor: User | None) -> bool:
    """Remove the rule; its projects then have no target there. False if there was none."""
    rule = (
        TargetRule.objects.select_for_update()
        .filter(stage=stage, dimension_key=dimension_key)
        .first()
    )
    if rule is None:
        return False
    _recorded(actor=actor, action="target_rule.delete", target=rule, before=_rule_fields(rule))
    rule.delete()
    target_phases_refresh(projects=Project.objects.filter(stage=stage))
    return True


# --- A team's or a project's own target -------------------------------------------------------


def _owner(team: Team | None, project: Project | None) -> dict[str, Any]:
    if (team is None) == (project is None):
        raise ValueError("An override belongs to a team or to a project, not both.")
    return {"team": team} if team is not None else {"project": project}


def _owned_projects(team: Team | None, project: Project | None) -> QuerySet[Project]:
    """The projects an override of `team` or `project` applies to."""
    if team is not None:
        return Project.objects.filter(team=team)
    assert project is not None
    return Project.objects.filter(pk=project.pk)


def _override_fields(override: TargetOverride | None) -> dict[str, object]:
    if override is None:
        return {}
    return {
        "dimension": override.dimension_key or "overall",
        "level": override.level,
        "due_on": override.due_on.isoformat(),
        "reason": override.reason,
    }


def _clean_reason(reason: str) -> str:
    clean = normalise_line(reason)
    if not clean:
        raise ValidationError(
            {"reason": "Say why this target differs from the one it replaces: it is shown with it."}
        )
    if len(clean) > REASON_MAX_LENGTH:
        raise ValidationError({"reason": f"Keep the reason to {REASON_MAX_LENGTH} characters."})
    return clean


@transaction.atomic
def target_override_set(
    *,
    team: Team | None = None,
    project: Project | None = None,
    dimension_key: str = "",
    level: int,
    due_on: datetime.date,
    reason: str,
    actor: User | None,
    today: datetime.date | None = None,
) -> TargetOverride:
    """Set a team's or a project's own target in place of the one it inherits."""
    owner = _owner(team, project)
    existing = (
        TargetOverride.objects.select_for_update()
        .filter(**owner, dimension_key=dimension_key)
        .first()
    )
    clean = _clean_reason(reason)
    _check(
        level=level,
        due_on=due_on,
        dimension_key=dimension_key,
        stored_due_on=existing.due_on if existing else None,
        today=today,
    )
    before = _override_fields(existing)
    values = {
        "level": level,
        "due_on": due_on,
        "reason": clean,
        "set_by": actor,
        "set_at": timezone.now(),
    }
    try:
        with transaction.atomic():
            saved, _ = TargetOverride.objects.update_or_create(
                **owner, dimension_key=dimension_key, defaults=values
            )
    except IntegrityError as error:
        raise ValidationError(RACE) from error
    _recorded(
        actor=actor,
        action="target_override.change" if existing else "target_override.create",
        target=saved,
        before=before,
        after=_override_fields(saved),
    )
    target_phases_refresh(projects=_owned_projects(team, project))
    return saved


@transaction.atomic
def target_override_clear(
    *,
    team: Team | None = None,
    project: Project | None = None,
    dimension_key: str = "",
    actor: User | None,
) -> bool:
    """Remove the override: the team or project returns to the target it inherits. False
    if there was none (cleared already, from another page)."""
    owner = _owner(team, project)
    override = (
        TargetOverride.objects.select_for_update()
        .filter(**owner, dimension_key=dimension_key)
        .first()
    )
    if override is None:
        return False
    _recorded(
        actor=actor,
        action="target_override.delete",
        target=override,
        before=_override_fields(override),
    )
    override.delete()
    target_phases_refresh(projects=_owned_projects(team, project))
    return True
