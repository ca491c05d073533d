"""Reading delivery outcomes: a project's and a team's last quarters, and the dashboard's
projects grouped by their overall level, with the query counts pinned."""

import datetime

import pytest
import time_machine

from assessments.models import Assessment
from assessments.services.review_policy import review_policy_set
from core.cache import dashboards_generation
from evidence.models import Outcome
from insights.selectors.organisation import dashboard_choices
from insights.selectors.outcomes import (
    LevelFigure,
    outcomes_by_level,
    project_outcomes,
    team_outcome_trend,
    team_outcomes,
)
from insights.shapes import NO_UNIT_CHOICE, DashboardFilters
from teams.units import unit_create
from tests.assessments.factories import FrameworkFactory, quarter_periods, score_assessment
from tests.factories import ProjectFactory

TODAY = datetime.date(2026, 11, 15)  # in 2026-Q4


def store(project, quarter: str, **figures) -> Outcome:
    deployments = figures.setdefault("deployments", 0)
    failed = figures.setdefault("failed_deployments", 0)
    figures.setdefault("change_failure_rate", failed / deployments if deployments else None)
    return Outcome.objects.create(project=project, quarter=quarter, **figures)


def assessed(project, period, level: int, **fields) -> Assessment:
    assessment = score_assessment(
        project=project, period=period, levels={"data": level, "deployment": level}
    )
    if fields:
        Assessment.objects.filter(pk=assessment.pk).update(**fields)
    return assessment


def filters_for(period, **chosen) -> DashboardFilters:
    choices = dashboard_choices(generation=dashboards_generation())
    [choice] = [choice for choice in choices.periods if choice.pk == period.pk]
    return DashboardFilters(period=choice, **chosen)


def by_level(filters: DashboardFilters) -> dict[int, tuple]:
    """level -> (projects, deployments, change failure rate, lead time, restore time)."""
    found = outcomes_by_level(filters=filters)
    return {
        level.level: (
            level.projects,
            level.deployments,
            level.change_failure_rate,
            level.lead_time_hours,
            level.restore_hours,
        )
        for level in found.levels
    }


@pytest.fixture
def periods(db):
    return quarter_periods(2, framework=FrameworkFactory())  # 2025-Q4, 2026-Q1


# --- A project's and a team's quarters ------------------------------------------------------


@time_machine.travel(TODAY)
def test_a_project_shows_its_last_four_quarters_the_current_one_in_progress(
    project, django_assert_num_queries
):
    store(project, "2026-Q4", deployments=3, failed_deployments=1, lead_time_hours=5.0)
    store(project, "2026-Q2", deployments=2, is_demo=True, retraining_source="mlflow")
    store(project, "2025-Q4", deployments=9)  # five quarters back: not shown

    with django_assert_num_queries(1):
        found = project_outcomes(project)

    assert [quarter.quarter for quarter in found.quarters] == [
        "2026-Q1",
        "2026-Q2",
        "2026-Q3",
        "2026-Q4",
    ]
    _, q2, q3, q4 = found.quarters
    assert (q4.deployments, q4.change_failure_rate, q4.lead_time_hours) == (3, 1 / 3, 5.0)
    assert q4.in_progress and not q3.in_progress
    assert q2.is_demo and q2.retraining_source == "mlflow"
    assert not q3.has_events and q3.deployments == 0 and q3.change_failure_rate is None
    assert found.has_events
    assert (found.project_name, found.project_slug) == (project.name, project.slug)


@time_machine.travel(TODAY)
def test_a_project_without_events_says_so(project):
    found = project_outcomes(project, count=2)

    assert [quarter.quarter for quarter in found.quarters] == ["2026-Q3", "2026-Q4"]
    assert not found.has_events


@time_machine.travel(TODAY)
def test_a_team_lists_its_active_projects_by_name(team, django_assert_num_queries):
    zebra = ProjectFactory(team=team, name="Zebra")
    alpha = ProjectFactory(team=team, name="Alpha")
    archived = ProjectFactory(
        team=team, name="Old", archived_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    )
    store(zebra, "2026-Q4", deployments=4)
    store(archived, "2026-Q4", deployments=7)
    store(ProjectFactory(), "2026-Q4", deployments=5)  # another team's

    with django_assert_num_queries(2):
        found = team_outcomes(team)

    assert [entry.project_name for entry in found] == ["Alpha", "Zebra"]
    assert [quarter.deployments for quarter in found[1].quarters] == [0, 0, 0, 4]
    assert not found[0].has_events and found[0].project_id == alpha.pk


@time_machine.travel(TODAY)
def test_a_teams_trend_pools_deployments_and_takes_the_median_of_medians(
    team, django_assert_num_queries
):
    one, two, three = (ProjectFactory(team=team) for _ in range(3))
    store(
        one, "2026-Q4", deployments=4, failed_deployments=1, lead_time_hours=10.0, lead_time_count=4
    )
    store(
        two, "2026-Q4", deployments=6, failed_deployments=0, lead_time_hours=30.0, lead_time_count=2
    )
    store(three, "2026-Q4", deployments=0, retraining_days=14.0, retraining_source="mlflow")
    store(one, "2026-Q3", deployments=2, failed_deployments=2, restore_hours=3.0, restore_count=2)

    with django_assert_num_queries(1):
        trend = team_outcome_trend(team)

    q1, q2, q3, q4 = trend
    # 1 failed of 4 + 6 deployments: pooled, not the mean of 1/4 and 0/6.
    assert (q4.deployments, q4.failed_deployments, q4.change_failure_rate) == (10, 1, 0.1)
    assert (q4.lead_time_hours, q4.lead_time_count) == (20.0, 6)
    assert (q4.retraining_days, q4.retraining_source) == (14.0, "mlflow")
    assert q4.in_progress
    assert (q3.change_failure_rate, q3.restore_hours, q3.restore_count) == (1.0, 3.0, 2)
    assert not q1.has_events and not q2.has_events


# --- By maturity level -------------------------------------------------------------------------


@pytest.fixture
def levelled(periods, team, other_team):
    """In 2026-Q1: three level-1 projects with 2, 4 and 9 deployments; two level-0 projects;
    one level-2 project; each with an Outcome row of 2026-Q1."""
    _, latest = periods
    projects = {}
    for name, level, figures in [
        ("a", 1, {"deployments": 2, "failed_deployments": 1, "lead_time_hours": 30.0}),
        ("b", 1, {"deployments": 4, "failed_deployments": 0, "lead_time_hours": 10.0}),
        ("c", 1, {"deployments": 9, "failed_deployments": 3, "restore_hours": 2.0}),
        ("d", 0, {"deployments": 1, "failed_deployments": 1, "restore_hours": 40.0}),
        ("e", 0, {"deployments": 0}),
        ("f", 2, {"deployments": 20, "failed_deployments": 1}),
    ]:
        projects[name] = ProjectFactory(team=team if name < "d" else other_team, name=name)
        assessed(projects[name], latest, level)
        store(projects[name], "2026-Q1", **figures)
    return projects


def test_projects_are_grouped_by_their_level_with_medians_and_n(periods, levelled):
    found = outcomes_by_level(filters=filters_for(periods[-1]))

    assert found.quarter == "2026-Q1" and found.minimum == 3
    level_0, level_1, level_2 = found.levels
    assert level_1.projects == 3
    assert level_1.deployments == LevelFigure(median=4, projects=3)
    # Rates 1/2, 0/4 and 3/9: the median of the three projects' rates.
    assert level_1.change_failure_rate == LevelFigure(median=1 / 3, projects=3)
    assert level_1.lead_time_hours == LevelFigure(median=None, projects=2)  # too few
    assert level_1.restore_hours == LevelFigure(median=None, projects=1)
    # Two projects, one of which deployed: no medians, but the n.
    assert level_0.projects == 2
    assert level_0.deployments == LevelFigure(median=None, projects=2)
    assert level_0.change_failure_rate == LevelFigure(median=None, projects=1)
    assert (level_2.projects, level_2.deployments) == (1, LevelFigure(None, 1))
    assert not found.comparable  # only level 1 has three projects
    assert not found.is_demo


def test_the_minimum_number_of_projects_is_a_setting(periods, levelled, settings):
    settings.OUTCOMES_MIN_PROJECTS = 2

    found = by_level(filters_for(periods[-1]))

    assert found[0][1] == LevelFigure(median=0.5, projects=2)
    assert found[1][3] == LevelFigure(median=20.0, projects=2)
    assert outcomes_by_level(filters=filters_for(periods[-1])).comparable


def test_the_level_is_the_one_of_the_dashboards_period(periods, levelled):
    earlier, latest = periods
    assessed(levelled["a"], earlier, 2)  # a level 2 a quarter before counts for nothing now
    store(levelled["a"], "2025-Q4", deployments=50)

    assert by_level(filters_for(latest))[2][0] == 1
    assert by_level(filters_for(earlier))[2][:3] == (1, LevelFigure(None, 1), LevelFigure(None, 1))
    assert by_level(filters_for(earlier))[1][0] == 0


def test_projects_without_an_outcome_row_or_a_submitted_assessment_are_left_out(periods, levelled):
    _, latest = periods
    assessed(ProjectFactory(), latest, 1)  # no events in the quarter
    draft = ProjectFactory()
    Assessment.objects.create(project=draft, period=latest)
    store(draft, "2026-Q1", deployments=3)
    store(ProjectFactory(), "2026-Q1", deployments=3)  # never assessed

    assert by_level(filters_for(latest))[1][0] == 3


def test_results_awaiting_review_count_only_when_the_organisation_counts_them(periods, levelled):
    _, latest = periods
    pending = ProjectFactory()
    assessed(pending, latest, 2, review_status=Assessment.Review.PENDING)
    store(pending, "2026-Q1", deployments=5)
    assert by_level(filters_for(latest))[2][0] == 2

    review_policy_set(rule="every", count_awaiting_review=False, exemption_quarters=4, actor=None)

    assert by_level(filters_for(latest))[2][0] == 1


def test_the_dashboards_team_stage_and_unit_filters_apply(periods, levelled, team, other_team):
    _, latest = periods
    division = unit_create(name="Division", parent=None, actor=None)
    department = unit_create(name="Department", parent=division, actor=None)
    team.unit = department
    team.save()
    levelled["a"].stage = "pilot"
    levelled["a"].save()
    choices = dashboard_choices(generation=dashboards_generation())
    unit = next(choice for choice in choices.units if choice.pk == division.pk)
    team_choice = next(choice for choice in choices.teams if choice.pk == other_team.pk)

    assert by_level(filters_for(latest, unit=unit))[1][0] == 3
    assert by_level(filters_for(latest, unit=unit))[0][0] == 0
    assert by_level(filters_for(latest, unit=NO_UNIT_CHOICE))[0][0] == 2
    assert by_level(filters_for(latest, within=(division.path,)))[1][0] == 3
    assert by_level(filters_for(latest, within=(division.path,)))[2][0] == 0
    assert by_level(filters_for(latest, team=team_choice))[1][0] == 0
    assert by_level(filters_for(latest, team=team_choice))[2][0] == 1
    assert by_level(filters_for(latest, stage="pilot"))[1][0] == 1


def test_levels_with_enough_projects_are_comparable_and_demo_rows_are_marked(periods, levelled):
    _, latest = periods
    newcomer = ProjectFactory()
    assessed(newcomer, latest, 0)
    store(newcomer, "2026-Q1", deployments=3, is_demo=True)

    found = outcomes_by_level(filters=filters_for(latest))

    assert found.comparable and found.is_demo
    assert found.levels[0].deployments == LevelFigure(median=1, projects=3)


def test_by_level_costs_two_queries_from_a_cold_cache_whatever_the_size(
    periods, levelled, django_assert_num_queries
):
    _, latest = periods
    filters = filters_for(latest)
    with django_assert_num_queries(2):  # the review policy, then the rows
        outcomes_by_level(filters=filters)
    for number in range(10):
        project = ProjectFactory()
        assessed(project, latest, number % 3)
        store(project, "2026-Q1", deployments=number)
    filters = filters_for(latest)
    with django_assert_num_queries(2):
        outcomes_by_level(filters=filters)
    with django_assert_num_queries(1):  # the policy is cached under the generation
        outcomes_by_level(filters=filters)


def test_every_level_is_there_even_without_projects(periods):
    found = outcomes_by_level(filters=filters_for(periods[-1]))

    assert [level.level for level in found.levels] == [0, 1, 2]
    assert all(level.projects == 0 for level in found.levels)
    assert found.levels[0].deployments == LevelFigure(median=None, projects=0)
    assert not found.comparable and not found.is_demo
