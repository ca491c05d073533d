"""Writes with rules for teams and projects."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from core.cache import dashboards_changed
from core.signals import projects_changed
from core.text import normalise_line, skeleton
from teams.models import Project, Team


def _unique_project_slug(name: str) -> str:
    base = slugify(name)[:120] or "project"
    slug, suffix = base, 2
    while Project.objects.filter(slug=slug).exists():
        slug, suffix = f"{base}-{suffix}", suffix + 1
    return slug


def project_name_clash(*, team: Team, name: str, exclude_pk: int | None = None) -> Project | None:
    """The team's project, archived or not, whose name looks like `name`, if any.

    Names are compared by their skeleton (core.text): case-folded, normalised, Cyrillic
    and Greek look-alikes read as Latin. The database's constraint on Lower(name) stays as
    the backstop for plain case; this catches what it cannot see.
    """
    key = skeleton(name)
    projects = Project.objects.filter(team=team).only("pk", "name").order_by("pk")
    if exclude_pk is not None:
        projects = projects.exclude(pk=exclude_pk)
    return next((project for project in projects if skeleton(project.name) == key), None)


def project_name_clean(*, team: Team, name: str, exclude_pk: int | None = None) -> str:
    """`name` normalised (core.text.normalise_line), or ValidationError saying what is wrong:
    nothing visible, too long once normalised, or it looks like another of the team's."""
    clean = normalise_line(name)
    if not clean:
        raise ValidationError(
            "Give the project a name, in letters or digits: spaces, invisible and control "
            "characters do not count."
        )
    max_length = Project._meta.get_field("name").max_length or 0
    if len(clean) > max_length:
        raise ValidationError(f"Keep the name to {max_length} characters.")
    clash = project_name_clash(team=team, name=clean, exclude_pk=exclude_pk)
    if clash is not None:
        raise ValidationError(f"This team already has a project called “{clash.name}”.")
    return clean


def _checked_name(*, team: Team, name: str, exclude_pk: int | None = None) -> str:
    """The name to store. The team's row stays locked until the transaction ends, so two
    look-alike names checked at once cannot both pass (SQLite: each transaction holds the
    write lock from its start; PostgreSQL: SELECT … FOR UPDATE)."""
    Team.objects.select_for_update().only("pk").get(pk=team.pk)
    try:
        return project_name_clean(team=team, name=name, exclude_pk=exclude_pk)
    except ValidationError as error:
        raise ValidationError({"name": error.messages}) from None


@transaction.atomic
def project_register(
    *,
    team: Team,
    name: str,
    description: str = "",
    stage: str = Project.Stage.EXPLORATION,
    business_goal: str = "",
    kpi: str = "",
) -> Project:
    name = _checked_name(team=team, name=name)
    project = Project(
        team=team,
        name=name,
        slug=_unique_project_slug(name),
        description=description,
        stage=stage,
        business_goal=business_goal,
        kpi=kpi,
    )
    project.full_clean()
    project.save()
    projects_changed.send(sender=Project, projects=[project.pk])
    dashboards_changed()
    return project


@transaction.atomic
def project_update(*, project: Project, **fields: str) -> Project:
    if "name" in fields:
        fields["name"] = _checked_name(
            team=project.team, name=fields["name"], exclude_pk=project.pk
        )
    for name, value in fields.items():
        setattr(project, name, value)
    project.full_clean()
    project.save()
    projects_changed.send(sender=Project, projects=[project.pk])
    dashboards_changed()
    return project


def project_archive(*, project: Project) -> Project:
    now = timezone.now()
    Project.objects.filter(pk=project.pk, archived_at__isnull=True).update(
        archived_at=now, updated_at=now
    )
    dashboards_changed()
    project.refresh_from_db()
    return project


def project_restore(*, project: Project) -> Project:
    Project.objects.filter(pk=project.pk).update(archived_at=None, updated_at=timezone.now())
    dashboards_changed()
    project.refresh_from_db()
    return project
