"""Targets on the portal's pages: the project's Target card, the team's target column and
summary, and the team's and project's target pages where org admins and unit managers set
an override (never the team itself)."""

import datetime
from html import unescape

import pytest
import time_machine

from core.models import AuditEntry
from improvement.models import TargetOverride
from teams.models import Project, UnitManager
from teams.units import unit_create
from tests.factories import ProjectFactory, UserFactory
from tests.improvement.factories import TargetOverrideFactory, TargetRuleFactory
from tests.improvement.targets_data import at, framework_with_dimensions, quarter, submitted

TODAY = datetime.date(2026, 11, 15)
DUE = datetime.date(2027, 6, 30)


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(datetime.datetime(2026, 11, 15, 10, 0), tick=False):
        yield


@pytest.fixture
def scored(project):
    """The project at level 0, rising +0.2 a quarter; production projects at level 1 by
    30 Jun 2027."""
    v1 = framework_with_dimensions(1)
    TargetRuleFactory(stage=Project.Stage.PRODUCTION, level=1, due_on=DUE)
    submitted(project, quarter("2026-Q2", v1), at(0, 40))
    submitted(project, quarter("2026-Q4", v1), at(0, 80))
    return project


@pytest.fixture
def manager(team, erin):
    """A manager of the unit that holds alice's team."""
    division = unit_create(name="Risk division", parent=None, actor=erin)
    team.unit = division
    team.save(update_fields=["unit"])
    user = UserFactory(username="uma", first_name="Uma")
    UnitManager.objects.create(user=user, unit=division)
    return user


# --- The project page and the team page -------------------------------------------------------


def test_the_project_page_shows_its_target_where_it_stands_and_why(client_for, alice, scored):
    page = unescape(client_for(alice).get(f"/projects/{scored.slug}/").text)
    assert 'data-testid="target-card"' in page and 'data-status="on_track"' in page
    assert "The organisation's policy for production projects." in page
    assert "At +0.20 a quarter since 2026-Q2 it reaches level 1 by 2027-Q1" in page
    assert "0.20 to go" in page
    assert 'href="/teams/fraud-detection/plan/"' in page  # the team's improvement plan


def test_the_project_page_shows_an_overrides_reason(client_for, bob, scored):
    TargetOverrideFactory(project=scored, level=2, reason="Customer-facing: held higher.")
    page = unescape(client_for(bob).get(f"/projects/{scored.slug}/").text)
    assert "The project's own target" in page and "Customer-facing: held higher." in page
    assert 'data-status="behind"' in page


def test_the_project_page_says_when_no_target_applies(client_for, alice, project):
    page = client_for(alice).get(f"/projects/{project.slug}/").text
    assert "No target applies to this project" in page


def test_the_team_page_shows_each_projects_target_and_a_summary(client_for, alice, team, scored):
    ProjectFactory(team=team, name="Unscored", stage=Project.Stage.PRODUCTION)
    ProjectFactory(team=team, name="Experiment", stage=Project.Stage.EXPLORATION)
    response = client_for(alice).get(f"/teams/{team.slug}/")
    counts = response.context["target_summary"]
    assert (counts.on_track, counts.no_assessment, counts.no_target) == (1, 1, 1)
    page = response.text
    assert 'data-testid="team-target-summary"' in page and 'data-status="on_track"' in page
    assert 'href="/teams/fraud-detection/plan/"' in page
    assert 'href="/teams/fraud-detection/target/"' in page


# --- The target pages: who sees what, who may change it ---------------------------------------


@pytest.mark.parametrize("persona", ["alice", "bob", "carol"])
def test_the_team_reads_its_target_but_finds_no_form_and_may_not_post(
    persona, request, client_for, team, scored
):
    client = client_for(request.getfixturevalue(persona))
    for url in (f"/teams/{team.slug}/target/", f"/projects/{scored.slug}/target/"):
        page = client.get(url)
        assert page.status_code == 200
        assert 'data-testid="no-override-form"' in page.text and "Set target" not in page.text
        data = {"level": "0", "due_on": "2027-06-30", "reason": "We are busy."}
        assert client.post(url, data).status_code == 403
    assert not TargetOverride.objects.exists()


def test_outsiders_get_404(client_for, dave, charlie, team, scored):
    for user in (dave, charlie):
        assert client_for(user).get(f"/teams/{team.slug}/target/").status_code == 404
        assert client_for(user).get(f"/projects/{scored.slug}/target/").status_code == 404


def test_an_org_admin_sets_a_projects_target_with_a_reason(client_for, erin, scored):
    client = client_for(erin)
    url = f"/projects/{scored.slug}/target/"
    assert "Set target" in client.get(url).text
    response = client.post(
        url, {"level": "2", "due_on": "2027-12-31", "reason": "Customer-facing."}, follow=True
    )
    assert "Set Card transaction scoring's own overall level target: level 2 by 31 Dec 2027." in (
        unescape(response.text)
    )
    override = TargetOverride.objects.get(project=scored)
    assert (override.level, override.set_by) == (2, erin)
    assert AuditEntry.objects.filter(action="target_override.create", actor=erin).exists()


def test_a_refused_override_comes_back_with_its_messages_and_422(client_for, erin, scored):
    client = client_for(erin)
    response = client.post(
        f"/projects/{scored.slug}/target/",
        {"level": "5", "due_on": "2026-01-01", "reason": "", "dimension_key": "vibes"},
    )
    assert response.status_code == 422
    for message in (
        "Choose level 0, 1 or 2.",
        "Say why this target differs from the one it replaces.",
        "There is no dimension “vibes” in the framework",
    ):
        assert message in response.text
    response = client.post(
        f"/projects/{scored.slug}/target/",
        {"level": "1", "due_on": "2026-01-01", "reason": "Typo in the year."},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422
    assert "1 Jan 2026 has passed: choose today or a later date." in response.text
    assert not TargetOverride.objects.exists()


def test_a_unit_manager_sets_and_clears_the_teams_target_in_place(
    client_for, manager, team, scored
):
    client = client_for(manager)
    url = f"/teams/{team.slug}/target/"
    data = {"level": "0", "due_on": "2027-12-31", "reason": "Moving to the new platform."}
    response = client.post(url, data, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert 'id="target-content"' in response.text and "<html" not in response.text
    assert "Moving to the new platform." in response.text
    assert TargetOverride.objects.get(team=team).set_by == manager
    response = client.post(url, {"clear": ""}, headers={"HX-Request": "true"})
    assert "it follows the organisation's again" in unescape(response.text)
    assert not TargetOverride.objects.exists()
    assert AuditEntry.objects.filter(action="target_override.delete", actor=manager).exists()


def test_a_manager_of_another_unit_may_not(client_for, manager, other_team, erin):
    retail = unit_create(name="Retail division", parent=None, actor=erin)
    other_team.unit = retail
    other_team.save(update_fields=["unit"])
    client = client_for(manager)
    assert client.get(f"/teams/{other_team.slug}/target/").status_code == 404


# --- Query counts -----------------------------------------------------------------------------


@pytest.mark.parametrize("size", [2, 20], ids=["2-projects", "20-projects"])
def test_the_pages_run_as_many_queries_for_ten_times_the_projects(
    size, client_for, erin, team, django_assert_num_queries
):
    """The target page: session, user, the team; who may set (none for an org admin); the
    overrides, the rules, the dimensions' names; the team's projects' targets (four, five
    with a dimension target). The team page reads its targets in the same five."""
    v1 = framework_with_dimensions(1)
    period = quarter("2026-Q4", v1)
    TargetRuleFactory(stage=Project.Stage.PRODUCTION, level=1, due_on=DUE)
    TargetRuleFactory(stage=Project.Stage.PRODUCTION, dimension_key="data", level=2)
    TargetOverrideFactory(project=None, team=team, level=2, reason="High bar.")
    for number in range(size):
        project = ProjectFactory(team=team, name=f"Model {number}")
        submitted(project, period, at(number % 3, 40))
    client = client_for(erin)
    with django_assert_num_queries(12):
        assert client.get(f"/teams/{team.slug}/target/").status_code == 200
    with django_assert_num_queries(12):
        assert client.get(f"/projects/{project.slug}/target/").status_code == 200
