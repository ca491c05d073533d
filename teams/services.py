"""Writes with rules for teams and projects."""

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from core.cache import dashboards_changed
from teams.models import Project, Team


def _unique_project_slug(name: str) -> str:
    base = slugify(name)[:120] or "project"
    slug, suffix = base, 2
    while Project.objects.filter(slug=slug).exists():
        slug, suffix = f"{base}-{suffix}", suffix + 1
    return slug


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
    dashboards_changed()
    return project


@transaction.atomic
def project_update(*, project: Project, **fields: str) -> Project:
    for name, value in fields.items():
        setattr(project, name, value)
    project.full_clean()
    project.save()
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
