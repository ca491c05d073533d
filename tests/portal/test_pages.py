"""Who sees which teams page: every persona against every page."""

import pytest

from teams.models import Project

# persona -> expected status for the lead's team page, its project page, the landing page.
READ_MATRIX = {
    "anonymous": (302, 302, 302),
    "outsider": (404, 404, 200),
    "member": (200, 200, 200),
    "lead": (200, 200, 200),
    "other_lead": (404, 404, 200),
    "management": (200, 200, 200),
    "admin": (200, 200, 200),
}


@pytest.mark.parametrize("persona", READ_MATRIX)
def test_it_authorises_each_persona_on_each_page(persona, personas, client_for, team, project):
    client = client_for(personas[persona])
    team_status, project_status, home_status = READ_MATRIX[persona]
    assert client.get(f"/teams/{team.slug}/").status_code == team_status
    assert client.get(f"/projects/{project.slug}/").status_code == project_status
    assert client.get("/").status_code == home_status


def test_it_lists_only_my_teams_on_the_landing_page(client_for, alice, team, other_team):
    response = client_for(alice).get("/")
    assert team.name in response.text
    assert other_team.name not in response.text


def test_it_lists_every_team_for_management(client_for, carol, team, other_team):
    response = client_for(carol).get("/")
    assert team.name in response.text and other_team.name in response.text


def test_it_redirects_anonymous_visitors_to_login(client, team):
    response = client.get(f"/teams/{team.slug}/")
    assert response["Location"].startswith("/accounts/login/?next=")


def test_it_shows_members_and_projects_on_the_team_page(client_for, alice, bob, team, project):
    response = client_for(bob).get(f"/teams/{team.slug}/")
    assert "Card transaction scoring" in response.text
    assert "Alice" in response.text and "Bob" in response.text
    assert "Register a project" not in response.text  # members read, leads change


def test_it_hides_archived_projects_from_the_active_list(client_for, alice, team, project):
    project.archived_at = "2026-01-01T00:00Z"
    project.save()
    response = client_for(alice).get(f"/teams/{team.slug}/")
    assert "Archived projects (1)" in response.text
    assert list(response.context["projects"]) == []
    assert Project.objects.filter(pk=project.pk).exists()


def test_it_escapes_html_in_names(client_for, alice, team):
    Project.objects.create(team=team, name="<script>alert(1)</script>", slug="xss")
    response = client_for(alice).get(f"/teams/{team.slug}/")
    assert "<script>alert(1)</script>" not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text


def test_it_reports_health_without_login(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_it_does_not_cache_authenticated_pages(client_for, alice, team):
    response = client_for(alice).get("/")
    assert "no-store" in response["Cache-Control"]
