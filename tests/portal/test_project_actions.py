"""Registering, editing, archiving and restoring projects, through the htmx forms."""

import pytest

from core.cache import dashboards_generation
from teams.models import Project

HTMX = {"HTTP_HX_REQUEST": "true"}
GOOD = {
    "name": "Merchant risk",
    "stage": "pilot",
    "description": "Weekly merchant scores",
    "business_goal": "",
    "kpi": "",
}

# persona -> status of a POST that changes a project of the lead's team.
CHANGE_MATRIX = {
    "anonymous": 401,  # htmx requests: a 401 htmx shows, never the log-in page swapped in
    "outsider": 404,
    "member": 403,
    "lead": 200,
    "other_lead": 404,
    "management": 403,
    "admin": 200,
}


@pytest.mark.parametrize("persona", CHANGE_MATRIX)
def test_it_lets_only_leads_and_admins_register(persona, personas, client_for, team):
    client = client_for(personas[persona])
    response = client.post(f"/teams/{team.slug}/projects/new/", GOOD, **HTMX)
    assert response.status_code == CHANGE_MATRIX[persona]
    assert Project.objects.filter(name="Merchant risk").exists() == (CHANGE_MATRIX[persona] == 200)


@pytest.mark.parametrize("persona", CHANGE_MATRIX)
@pytest.mark.parametrize("action", ["edit", "archive", "restore"])
def test_it_lets_only_leads_and_admins_change(persona, action, personas, client_for, project):
    client = client_for(personas[persona])
    data = {**GOOD, "name": "Renamed"} if action == "edit" else {}
    response = client.post(f"/projects/{project.slug}/{action}/", data, **HTMX)
    assert response.status_code == CHANGE_MATRIX[persona]


def test_it_registers_a_project_and_swaps_the_list(client_for, alice, team):
    response = client_for(alice).post(f"/teams/{team.slug}/projects/new/", GOOD, **HTMX)
    assert response.status_code == 200
    assert "Registered “Merchant risk”" in response.text
    assert "<html" not in response.text  # a fragment, not a page
    project = Project.objects.get(name="Merchant risk")
    assert (project.team, project.stage, project.slug) == (team, "pilot", "merchant-risk")


def test_it_works_without_javascript(client_for, alice, team):
    response = client_for(alice).post(f"/teams/{team.slug}/projects/new/", GOOD)
    assert response.status_code == 302
    assert Project.objects.filter(name="Merchant risk").exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "This field is required."),
        ("name", "   ", "This field is required."),
        ("name", "Card Transaction Scoring", "already has a project called"),
        ("description", "x" * 10_000, "at most 5000 characters"),
        ("stage", "shipped", "Select a valid choice"),
        ("name", "null\x00byte", "Null characters are not allowed."),
    ],
)
def test_it_shows_errors_beside_the_fields(client_for, alice, team, project, field, value, message):
    response = client_for(alice).post(
        f"/teams/{team.slug}/projects/new/", {**GOOD, field: value}, **HTMX
    )
    assert response.status_code == 422
    assert message in response.text
    assert f'id="id_{field}_error"' in response.text
    assert Project.objects.count() == 1


def test_it_allows_the_same_name_in_another_team(client_for, alice, team, other_project):
    response = client_for(alice).post(
        f"/teams/{team.slug}/projects/new/", {**GOOD, "name": other_project.name}, **HTMX
    )
    assert response.status_code == 200
    assert Project.objects.filter(name=other_project.name).count() == 2


def test_it_edits_a_project(client_for, alice, project):
    data = {**GOOD, "name": "Card scoring v2", "kpi": "Fraud loss"}
    response = client_for(alice).post(f"/projects/{project.slug}/edit/", data, **HTMX)
    assert response.status_code == 200
    assert "Saved." in response.text
    project.refresh_from_db()
    assert (project.name, project.kpi) == ("Card scoring v2", "Fraud loss")


def test_it_keeps_the_saved_project_when_an_edit_is_invalid(client_for, alice, project):
    data = {**GOOD, "name": ""}
    response = client_for(alice).post(f"/projects/{project.slug}/edit/", data, **HTMX)
    assert response.status_code == 422
    project.refresh_from_db()
    assert project.name == "Card transaction scoring"


def test_it_archives_and_restores_keeping_history(client_for, alice, project):
    client = client_for(alice)
    response = client.post(f"/projects/{project.slug}/archive/", **HTMX)
    assert "Archived “Card transaction scoring”" in response.text
    project.refresh_from_db()
    assert project.is_archived
    client.post(f"/projects/{project.slug}/restore/", **HTMX)
    project.refresh_from_db()
    assert not project.is_archived


def test_it_refuses_get_on_state_changes(client_for, alice, project):
    assert client_for(alice).get(f"/projects/{project.slug}/archive/").status_code == 405


def test_it_refreshes_the_cached_dashboards_when_archiving_or_restoring(client_for, alice, project):
    client = client_for(alice)
    before = dashboards_generation()
    client.post(f"/projects/{project.slug}/archive/", **HTMX)
    archived = dashboards_generation()
    client.post(f"/projects/{project.slug}/restore/", **HTMX)
    assert before != archived != dashboards_generation()
