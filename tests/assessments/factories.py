"""Factories for scored assessments: the stored rows the dashboards aggregate."""

import datetime
from dataclasses import dataclass

import factory

from assessments.models import (
    Assessment,
    Dimension,
    DimensionScore,
    Framework,
    Period,
    Practice,
    PracticeGap,
)
from assessments.services.rollups import rollups_refresh
from core.cache import dashboards_changed
from core.signals import projects_changed
from teams.models import Project, Team
from tests.factories import ProjectFactory, TeamFactory

DIMENSIONS = [("data", "Data and features"), ("deployment", "Deployment and release")]


class FrameworkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Framework
        django_get_or_create = ("key", "version")

    key = "mlops"
    version = 1
    title = "MLOps maturity framework"
    content_hash = "test"


class DimensionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Dimension
        django_get_or_create = ("framework", "key")

    framework = factory.SubFactory(FrameworkFactory)
    key = factory.Sequence(lambda n: f"dimension-{n}")
    name = factory.LazyAttribute(lambda dimension: dimension.key.title())
    order = factory.Sequence(lambda n: n)


class PracticeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Practice
        django_get_or_create = ("framework", "key")

    framework = factory.SubFactory(FrameworkFactory)
    dimension = factory.SubFactory(DimensionFactory, framework=factory.SelfAttribute("..framework"))
    key = factory.Sequence(lambda n: f"practice-{n}")
    level = 1
    question = factory.LazyAttribute(lambda practice: f"Is {practice.key} in place?")
    help = "Yes, partly or no."
    why = "Because it matters."
    next_step = factory.LazyAttribute(lambda practice: f"Put {practice.key} in place.")
    effort = "S"
    order = factory.Sequence(lambda n: n)


class PeriodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Period
        django_get_or_create = ("key",)

    framework = factory.SubFactory(FrameworkFactory)
    key = "2026-Q1"
    opens_on = datetime.date(2026, 1, 1)
    due_on = factory.LazyAttribute(lambda period: period.opens_on + datetime.timedelta(days=20))
    closes_on = factory.LazyAttribute(lambda period: period.opens_on + datetime.timedelta(days=34))


def quarter_periods(count: int, *, framework: Framework | None = None) -> list[Period]:
    """`count` consecutive past quarters, oldest first, ending with 2026-Q1."""
    framework = framework or FrameworkFactory()
    periods = []
    for back in range(count - 1, -1, -1):
        year, quarter = divmod(2026 * 4 - back, 4)
        opens_on = datetime.date(year, quarter * 3 + 1, 1)
        periods.append(
            PeriodFactory(key=f"{year}-Q{quarter + 1}", opens_on=opens_on, framework=framework)
        )
    return periods


def score_assessment(
    *,
    project: Project,
    period: Period,
    levels: dict[str, int],
    gaps: list[str] = (),
) -> Assessment:
    """A submitted assessment with the given level per dimension key, stored as the portal
    stores a submission: one DimensionScore per dimension and one PracticeGap per gap."""
    names = dict(DIMENSIONS)
    scores = {key: level + (0.5 if level < 2 else 0) for key, level in levels.items()}
    assessment = Assessment.objects.create(
        project=project,
        period=period,
        status=Assessment.Status.SUBMITTED,
        overall_level=min(levels.values()),
        overall_score=sum(scores.values()) / len(scores),
    )
    common = {"assessment": assessment, "period": period, "project": project}
    DimensionScore.objects.bulk_create(
        DimensionScore(
            **common,
            team_id=project.team_id,
            dimension_key=key,
            dimension_name=names.get(key, key),
            dimension_order=order,
            level=level,
            progress=50 if level < 2 else 100,
            score=scores[key],
        )
        for order, (key, level) in enumerate(levels.items())
    )
    PracticeGap.objects.bulk_create(
        PracticeGap(**common, team_id=project.team_id, practice_key=key, dimension_key="data")
        for key in gaps
    )
    # Stands in for a submission, so it refreshes the roll-ups and the dashboards as
    # assessment_submit does.
    rollups_refresh(period_id=period.pk, team_id=project.team_id)
    projects_changed.send(sender=Assessment, projects=[project.pk])
    dashboards_changed()
    return assessment


def draft_assessment(*, project: Project, period: Period, **fields: object) -> Assessment:
    """A draft due in `period`, counted in the roll-ups as period_open counts it."""
    assessment = Assessment.objects.create(project=project, period=period, **fields)
    rollups_refresh(period_id=period.pk, team_id=project.team_id)
    return assessment


@dataclass
class Organisation:
    teams: list[Team]
    projects: list[Project]
    periods: list[Period]


def scored_organisation(*, teams: int, projects_per_team: int, quarters: int) -> Organisation:
    """Teams of projects, each assessed every quarter with levels that vary by project,
    dimension and quarter, plus one draft in the latest quarter."""
    framework = FrameworkFactory()
    for order, (key, name) in enumerate(DIMENSIONS):
        dimension = DimensionFactory(framework=framework, key=key, name=name, order=order)
        PracticeFactory(framework=framework, dimension=dimension, key=f"{key}-tests", level=1)
    periods = quarter_periods(quarters, framework=framework)
    all_teams = [TeamFactory(name=f"Team {number:02d}") for number in range(teams)]
    projects = [
        ProjectFactory(team=team, name=f"{team.name} project {number}")
        for team in all_teams
        for number in range(projects_per_team)
    ]
    for index, project in enumerate(projects):
        for quarter, period in enumerate(periods):
            if project is projects[-1] and period is periods[-1]:
                draft_assessment(project=project, period=period)
                continue
            levels = {
                key: (index + order + quarter) % 3 for order, (key, _) in enumerate(DIMENSIONS)
            }
            gaps = [f"{key}-tests" for key, level in levels.items() if level < 2]
            score_assessment(project=project, period=period, levels=levels, gaps=gaps)
    return Organisation(teams=all_teams, projects=projects, periods=periods)
