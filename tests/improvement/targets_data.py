"""Submitted assessments with chosen levels and progress, for the target tests: the
position (level plus progress) of each dimension is what targets are judged on."""

import datetime

from assessments.models import Assessment, DimensionScore, Framework, Period
from assessments.services.rollups import rollups_refresh
from core.cache import dashboards_changed
from core.signals import projects_changed
from teams.models import Project
from tests.assessments.factories import DimensionFactory, FrameworkFactory, PeriodFactory

DIMENSIONS = {"data": "Data and features", "deployment": "Deployment and release"}


def framework_with_dimensions(version: int = 1) -> Framework:
    framework = FrameworkFactory(version=version, content_hash=f"v{version}")
    for order, (key, name) in enumerate(DIMENSIONS.items()):
        DimensionFactory(framework=framework, key=key, name=name, order=order)
    return framework


def quarter(key: str, framework: Framework) -> Period:
    """The period `key` ("2026-Q2"), opening on the quarter's first day."""
    year, number = key.split("-Q")
    opens_on = datetime.date(int(year), 3 * int(number) - 2, 1)
    return PeriodFactory(key=key, opens_on=opens_on, framework=framework)


def submitted(
    project: Project, period: Period, dimensions: dict[str, tuple[int, int]]
) -> Assessment:
    """A submitted assessment whose dimensions stand at (level, progress)."""
    positions = {
        key: level + (progress / 100 if level < 2 else 0)
        for key, (level, progress) in dimensions.items()
    }
    assessment = Assessment.objects.create(
        project=project,
        period=period,
        status=Assessment.Status.SUBMITTED,
        overall_level=min(level for level, _ in dimensions.values()),
        # A coverage score as rule 2 stores it: higher than the level suggests.
        overall_score=min(positions.values()) + 0.6,
    )
    DimensionScore.objects.bulk_create(
        DimensionScore(
            assessment=assessment,
            period=period,
            project=project,
            team_id=project.team_id,
            dimension_key=key,
            dimension_name=DIMENSIONS.get(key, key),
            level=level,
            progress=progress,
            score=positions[key],
        )
        for key, (level, progress) in dimensions.items()
    )
    rollups_refresh(period_id=period.pk, team_id=project.team_id)  # as a submission does
    projects_changed.send(sender=Assessment, projects=[project.pk])
    dashboards_changed()
    return assessment


def at(level: int, progress: int) -> dict[str, tuple[int, int]]:
    """Both dimensions at the same level and progress."""
    return {"data": (level, progress), "deployment": (level, progress)}
