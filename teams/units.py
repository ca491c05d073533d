"""Writes with rules for the organisation's tree: units and the teams in them.

Every write records an audit entry in the same transaction and refreshes the dashboards.
A unit's `path` lists the ids from the top ("/3/7/"); a move rewrites its subtree's paths
in one UPDATE, under a lock, so a concurrent move cannot interleave.
"""

from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Length, Substr
from django.utils import timezone
from django.utils.text import slugify

from core.audit import audit_record
from core.cache import dashboards_changed
from core.text import normalise_line, skeleton
from teams.models import Team, Unit

MAX_DEPTH = 8


def _clean_name(name: str, *, siblings, what: str, max_length: int = 120) -> str:
    clean = normalise_line(name)
    if not clean:
        raise ValidationError({"name": f"Give the {what} a name in letters or digits."})
    if len(clean) > max_length:
        raise ValidationError({"name": f"Keep the name to {max_length} characters."})
    key = skeleton(clean)
    clash = next((other for other in siblings if skeleton(other.name) == key), None)
    if clash is not None:
        raise ValidationError({"name": f"There is already a {what} called “{clash.name}” here."})
    return clean


def _unique_slug(model: type[Unit] | type[Team], name: str) -> str:
    base = slugify(name)[:120] or model._meta.model_name or "item"
    slug, suffix = base, 2
    while model.objects.filter(slug=slug).exists():
        slug, suffix = f"{base}-{suffix}", suffix + 1
    return slug


def _siblings(parent: Unit | None, exclude: Unit | None = None):
    units = Unit.objects.filter(parent=parent).only("pk", "name")
    return units.exclude(pk=exclude.pk) if exclude else units


@transaction.atomic
def unit_create(*, name: str, parent: Unit | None, actor: User | None) -> Unit:
    parent = _fresh(parent)  # its path as it is now, not as a form read it before a move
    if parent is not None and parent.is_archived:
        raise ValidationError({"parent": f"{parent.name} is archived: restore it first."})
    if parent is not None and parent.depth + 1 >= MAX_DEPTH:
        raise ValidationError({"parent": f"Units nest at most {MAX_DEPTH} levels deep."})
    clean = _clean_name(name, siblings=_siblings(parent), what="unit")
    unit = Unit.objects.create(name=clean, slug=_unique_slug(Unit, clean), parent=parent)
    unit.path = f"{parent.path if parent else '/'}{unit.pk}/"
    unit.depth = parent.depth + 1 if parent else 0
    unit.save(update_fields=["path", "depth"])
    _recorded(actor=actor, action="unit.create", target=unit, after=_unit_fields(unit))
    return unit


@transaction.atomic
def unit_rename(*, unit: Unit, name: str, actor: User | None) -> Unit:
    before = _unit_fields(unit)
    unit.name = _clean_name(name, siblings=_siblings(unit.parent, exclude=unit), what="unit")
    unit.save(update_fields=["name"])
    _recorded(
        actor=actor, action="unit.rename", target=unit, before=before, after=_unit_fields(unit)
    )
    return unit


@transaction.atomic
def unit_move(*, unit: Unit, parent: Unit | None, actor: User | None) -> Unit:
    """Move a unit, with everything under it, below `parent` (None: to the top)."""
    # Every unit's row, in id order: two moves checked at once (A under B, B under A) would
    # each pass the check against the other's old path and close a circle.
    list(Unit.objects.select_for_update().order_by("pk").values_list("pk", flat=True))
    unit.refresh_from_db()
    subtree = Unit.objects.filter(path__startswith=unit.path)
    if parent is not None:
        parent.refresh_from_db()
        if parent.path.startswith(unit.path):
            raise ValidationError({"parent": "A unit cannot move into itself or a unit below it."})
        if parent.is_archived:
            raise ValidationError({"parent": f"{parent.name} is archived: restore it first."})
    deepest = max(subtree.values_list("depth", flat=True)) - unit.depth
    new_depth = parent.depth + 1 if parent else 0
    if new_depth + deepest >= MAX_DEPTH:
        raise ValidationError({"parent": f"Units nest at most {MAX_DEPTH} levels deep."})
    _clean_name(unit.name, siblings=_siblings(parent, exclude=unit), what="unit")
    before = _unit_fields(unit)
    old_prefix = unit.path
    new_prefix = f"{parent.path if parent else '/'}{unit.pk}/"
    Unit.objects.filter(pk=unit.pk).update(parent=parent)
    subtree.update(
        path=Concat(Value(new_prefix), Substr("path", len(old_prefix) + 1, Length("path"))),
        depth=F("depth") + (new_depth - unit.depth),
    )
    unit.refresh_from_db()
    _recorded(actor=actor, action="unit.move", target=unit, before=before, after=_unit_fields(unit))
    return unit


@transaction.atomic
def unit_archive(*, unit: Unit, actor: User | None) -> Unit:
    """Archive an empty unit; one with active teams or units below it says what to move."""
    _fresh(unit)  # locked: no team or unit joins it while it is checked
    teams = Team.objects.filter(unit=unit, archived_at__isnull=True).count()
    children = Unit.objects.filter(parent=unit, archived_at__isnull=True).count()
    if teams or children:
        parts = [f"{teams} team{'s' if teams != 1 else ''}"] if teams else []
        parts += [f"{children} unit{'s' if children != 1 else ''}"] if children else []
        raise ValidationError(f"Move or archive its {' and '.join(parts)} first.")
    before = _unit_fields(unit)
    Unit.objects.filter(pk=unit.pk, archived_at__isnull=True).update(archived_at=timezone.now())
    unit.refresh_from_db()
    _recorded(
        actor=actor, action="unit.archive", target=unit, before=before, after=_unit_fields(unit)
    )
    return unit


@transaction.atomic
def unit_restore(*, unit: Unit, actor: User | None) -> Unit:
    if unit.parent is not None and unit.parent.is_archived:
        raise ValidationError(f"{unit.parent.name} is archived: restore it first.")
    before = _unit_fields(unit)
    Unit.objects.filter(pk=unit.pk).update(archived_at=None)
    unit.refresh_from_db()
    _recorded(
        actor=actor, action="unit.restore", target=unit, before=before, after=_unit_fields(unit)
    )
    return unit


@transaction.atomic
def team_create(*, name: str, unit: Unit | None, actor: User | None, description: str = "") -> Team:
    unit = _fresh(unit)
    if unit is not None and unit.is_archived:
        raise ValidationError({"unit": f"{unit.name} is archived: restore it first."})
    clean = _clean_name(name, siblings=Team.objects.only("pk", "name"), what="team")
    team = Team.objects.create(
        name=clean, slug=_unique_slug(Team, clean), unit=unit, description=description
    )
    _recorded(actor=actor, action="team.create", target=team, after=_team_fields(team))
    return team


@transaction.atomic
def team_rename(*, team: Team, name: str, actor: User | None) -> Team:
    before = _team_fields(team)
    others = Team.objects.exclude(pk=team.pk).only("pk", "name")
    team.name = _clean_name(name, siblings=others, what="team")
    team.save(update_fields=["name"])
    _recorded(
        actor=actor, action="team.rename", target=team, before=before, after=_team_fields(team)
    )
    return team


@transaction.atomic
def team_move(*, team: Team, unit: Unit | None, actor: User | None) -> Team:
    unit = _fresh(unit)
    if unit is not None and unit.is_archived:
        raise ValidationError({"unit": f"{unit.name} is archived: restore it first."})
    before = _team_fields(team)
    team.unit = unit
    team.save(update_fields=["unit"])
    _recorded(actor=actor, action="team.move", target=team, before=before, after=_team_fields(team))
    return team


@transaction.atomic
def team_archive(*, team: Team, actor: User | None) -> Team:
    before = _team_fields(team)
    Team.objects.filter(pk=team.pk, archived_at__isnull=True).update(archived_at=timezone.now())
    team.refresh_from_db()
    _recorded(
        actor=actor, action="team.archive", target=team, before=before, after=_team_fields(team)
    )
    return team


def _fresh(unit: Unit | None) -> Unit | None:
    """`unit` as stored now, its row locked until the transaction ends: a form may have read
    it before another admin archived or moved it."""
    return None if unit is None else Unit.objects.select_for_update().get(pk=unit.pk)


def _recorded(**entry: Any) -> None:
    """Every tree change is audited and refreshes the dashboards, in its transaction."""
    audit_record(**entry)
    dashboards_changed()


def unit_path_names(unit: Unit | None) -> list[str]:
    """The names from the top down to `unit` (one query)."""
    if unit is None:
        return []
    ids = [int(part) for part in unit.path.strip("/").split("/") if part]
    names = dict(Unit.objects.filter(pk__in=ids).values_list("pk", "name"))
    return [names[pk] for pk in ids if pk in names]


def _unit_fields(unit: Unit) -> dict[str, object]:
    return {
        "name": unit.name,
        "parent": unit.parent.name if unit.parent_id and unit.parent else None,
        "archived": unit.is_archived,
    }


def _team_fields(team: Team) -> dict[str, object]:
    return {
        "name": team.name,
        "unit": team.unit.name if team.unit_id and team.unit else None,
        "archived": team.archived_at is not None,
    }
