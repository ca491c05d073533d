"""What the detail endpoints and the organisation's figures say: stored scores as stored,
gaps with their answers and next steps, the dashboard's own figures, targets as the
project pages judge them, initiatives as their pages count them."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments.models import Answer, Assessment, DimensionScore, PracticeGap, ProjectProfile
from assessments.services.answering import assessment_submit
from assessments.services.rollups import rollups_refresh
from core.cache import dashboards_changed, dashboards_generation
from improvement.selectors.targets import project_targets
from improvement.services.actions import action_set_status
from insights.selectors.organisation import dashboard_choices, organisation_dashboard
from insights.shapes import DashboardFilters
from tests.api.conftest import personal_token
from tests.assessments.factories import scored_organisation
from tests.assessments.fixtures import answer_all

pytestmark = pytest.mark.django_db


@pytest.fixture
def carol_reads(world, carol, api_get):
    _, secret = personal_token(carol)
    return lambda path, **params: api_get(path, secret, **params)


def test_an_assessment_shows_its_stored_scores_never_recomputed(world, carol_reads):
    assessment = world.assessment
    DimensionScore.objects.filter(assessment=assessment, dimension_key="data").update(
        level=2, progress=100, score=2.0
    )  # no answer says so: only the stored row does
    body = carol_reads(f"/assessments/{assessment.pk}").json()
    assert body["overall_level"] == assessment.overall_level
    assert body["overall_score"] == assessment.overall_score
    assert body["dimensions"][0] == {
        "key": "data",
        "name": "Data and features",
        "level": 2,
        "progress": 100,
        "score": 2.0,
        "practice_count": 0,
        "not_applicable_count": 0,
    }
    assert [row["key"] for row in body["dimensions"]] == ["data", "deployment"]
    assert body["status"] == "submitted"
    assert body["framework"]["version"] == 1
    assert body["unit"]["path"] == ["Risk and Customer", "Fraud"]


def test_a_submitted_assessment_lists_its_gaps_with_answers_and_next_steps(
    assessment, alice, carol, api_get
):
    answer_all(assessment, "yes")
    gap = Answer.objects.filter(assessment=assessment).select_related("practice").first()
    gap.value = "no"
    gap.save()
    assessment_submit(assessment=assessment, user=alice)
    _, secret = personal_token(carol)
    body = api_get(f"/assessments/{assessment.pk}", secret).json()
    stored = set(
        Assessment.objects.get(pk=assessment.pk).gaps.values_list("practice_key", flat=True)
    )
    assert {row["practice_key"] for row in body["gaps"]} == stored
    row = next(row for row in body["gaps"] if row["practice_key"] == gap.practice.key)
    assert row["answer"] == "no"
    assert row["name"] == gap.practice.question
    assert row["next_step"] == gap.practice.next_step
    assert row["level"] == gap.practice.level
    assert len(body["dimensions"]) == assessment.dimension_scores.count() > 0


def test_a_draft_has_no_scores_yet(assessment, alice, api_get):
    body = api_get(f"/assessments/{assessment.pk}", personal_token(alice)[1]).json()
    assert body["status"] == "draft"
    assert body["overall_level"] is None
    assert body["dimensions"] == body["gaps"] == []


def test_a_project_shows_its_profile_and_latest_result(world, project, carol_reads):
    ProjectProfile.objects.create(
        project=project, kind="classic", serving="batch", label_delay="days", risk_tier="low"
    )
    body = carol_reads(f"/projects/{project.slug}").json()
    assert body["profile"] == {
        "kind": "classic",
        "serving": "batch",
        "label_delay": "days",
        "risk_tier": "low",
    }
    assert body["latest_result"]["assessment_id"] == world.assessment.pk
    assert body["latest_result"]["period"] == world.periods[-1].key
    assert body["team"] == {"slug": project.team.slug, "name": project.team.name}


def test_units_and_teams_say_where_they_stand(world, team, carol_reads):
    unit = carol_reads(f"/units/{world.units.division.slug}").json()
    assert unit["children"] == [world.units.fraud.slug]
    assert unit["teams"] == []
    fraud = carol_reads(f"/units/{world.units.fraud.slug}").json()
    assert fraud["parent"] == world.units.division.slug
    assert fraud["path"] == ["Risk and Customer", "Fraud"]
    assert fraud["teams"] == [{"slug": team.slug, "name": team.name}]
    body = carol_reads(f"/teams/{team.slug}").json()
    assert body["unit"]["path"] == ["Risk and Customer", "Fraud"]
    assert [row["slug"] for row in body["projects"]] == ["card-scoring"]
    assert body["active_projects"] == 1


def test_the_figures_are_the_dashboard_s(world, carol_reads):
    latest = world.periods[-1]
    body = carol_reads("/figures/organisation").json()
    choices = dashboard_choices(generation=dashboards_generation())
    period = next(p for p in choices.periods if p.key == latest.key)
    dashboard = organisation_dashboard(filters=DashboardFilters(period=period), choices=choices)
    current = dashboard.current
    assert body["filters"] == {"period": latest.key, "unit": None, "team": None, "stage": None}
    assert body["headline"]["projects_due"] == current.due == 2
    assert body["headline"]["projects_assessed"] == current.assessed
    assert body["headline"]["completion_percent"] == current.completion_percent
    assert body["headline"]["level_2_percent"] == current.level_2_percent
    assert [row["projects"] for row in body["headline"]["by_level"]] == list(current.by_level)
    assert body["changes"]["since"] == world.periods[0].key
    assert {row["name"] for row in body["rows"]} == {"Risk and Customer", "Search"}
    data = next(row for row in body["dimensions"] if row["key"] == "data")
    stored = sorted(
        row.level + (row.progress / 100 if row.level < 2 else 0)
        for row in DimensionScore.objects.filter(period=latest, dimension_key="data")
    )
    assert data["projects"] == len(stored) == 2
    assert data["median"] == pytest.approx(sum(stored) / 2)


def test_the_figures_take_the_dashboard_s_filters(world, team, carol_reads):
    division = world.units.division.slug
    body = carol_reads("/figures/organisation", unit=division, period=world.periods[0].key).json()
    assert body["filters"]["unit"] == division
    assert body["headline"]["period"] == world.periods[0].key
    assert body["headline"]["projects_due"] == 1
    assert (
        carol_reads("/figures/organisation", team=team.slug).json()["headline"]["projects_due"] == 1
    )
    assert (
        carol_reads("/figures/organisation", unit="_none").json()["headline"]["projects_due"] == 0
    )
    assert (
        carol_reads("/figures/organisation", stage="pilot").json()["headline"]["projects_due"] == 0
    )
    outside = carol_reads("/figures/organisation", unit=world.units.search.slug, team=team.slug)
    assert outside.status_code == 422
    assert carol_reads("/figures/organisation", period="1999-Q1").status_code == 422


def test_a_unit_manager_reads_their_units_figures_only(world, uma, other_team, api_get):
    _, secret = personal_token(uma)
    body = api_get("/figures/organisation", secret).json()
    assert body["filters"]["unit"] == world.units.division.slug  # their one unit by default
    assert body["headline"]["projects_due"] == 1
    for params in ({"unit": world.units.search.slug}, {"team": other_team.slug}, {"unit": "_none"}):
        response = api_get("/figures/organisation", secret, **params)
        assert response.status_code == 422, params


def test_the_figures_follow_new_results(world, project, carol_reads):
    before = carol_reads("/figures/organisation").json()["headline"]["projects_assessed"]
    Assessment.objects.filter(pk=world.assessment.pk).update(status=Assessment.Status.DRAFT)
    # As the services that write results do: the roll-ups the figures read, and the cache.
    rollups_refresh(period_id=world.assessment.period_id, team_id=world.assessment.project.team_id)
    dashboards_changed()
    after = carol_reads("/figures/organisation").json()["headline"]["projects_assessed"]
    assert after == before - 1


def test_the_figures_are_worked_out_once_until_the_data_changes(world, carol_reads):
    carol_reads("/me")  # the token's first use records when it was used, once a minute
    with CaptureQueriesContext(connection) as first:
        body = carol_reads("/figures/organisation").json()
    with CaptureQueriesContext(connection) as again:
        assert carol_reads("/figures/organisation").json() == body
    # The second read only checks the token and the reader's rights.
    assert len(again) < len(first) - 5
    dashboards_changed()
    with CaptureQueriesContext(connection) as changed:
        assert carol_reads("/figures/organisation").json() == body
    assert len(changed) == len(first)


def test_targets_are_judged_as_the_project_pages_judge_them(world, project, carol_reads):
    [row] = carol_reads("/targets", team=project.team.slug).json()["results"]
    target = project_targets(projects=[project.pk])[project.pk]
    assert row["status"] == target.status
    assert row["overall"]["target_level"] == 2
    assert row["overall"]["source"] == "organisation"
    assert row["overall"]["gap_levels"] == target.overall.judgement.gap_levels
    assert row["latest"] == {"period": world.periods[-1].key, "level": 1, "score": 1.75}


def test_an_action_shows_its_history(world, alice, carol_reads):
    action_set_status(action=world.action, user=alice, status="in_progress", version=1)
    body = carol_reads(f"/actions/{world.action.pk}").json()
    assert body["status"] == "in_progress"
    assert body["owner"] == "alice"
    assert [(row["field"], row["new_value"]) for row in body["history"]][-1] == (
        "status",
        "in_progress",
    )


def test_an_initiative_shows_its_burn_up(world, carol_reads):
    body = carol_reads(f"/initiatives/{world.initiative.slug}").json()
    assert body["latest_week"]["projects_complete"] == 1
    assert body["latest_week"]["percent_complete"] == 50.0
    assert [week["week_start"] for week in body["weeks"]] == ["2026-10-05"]
    assert body["practices"][0]["key"] == "business-kpi-tracking"
    assert body["scope"] == "All projects in the whole organisation"


def test_the_figures_rank_the_common_gaps(carol, api_get):
    organisation = scored_organisation(teams=2, projects_per_team=2, quarters=1)
    body = api_get("/figures/organisation", personal_token(carol)[1]).json()
    assert body["headline"]["projects_due"] == len(organisation.projects)
    gaps = {row["practice_key"]: row for row in body["common_gaps"]}
    held_back = PracticeGap.objects.filter(practice_key="data-tests").count()
    assert held_back and gaps["data-tests"]["projects_held_back"] == held_back
    assert gaps["data-tests"]["question"] == "Is data-tests in place?"
