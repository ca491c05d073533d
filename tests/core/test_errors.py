"""What a user sees when something underneath fails."""

from unittest import mock

from django.db import OperationalError
from django.test import Client


def test_it_answers_a_lost_database_with_a_retryable_503(alice, team):
    client = Client(raise_request_exception=False)
    client.force_login(alice)
    with mock.patch("portal.views.selectors.team_list_for_user", side_effect=OperationalError):
        response = client.get("/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "briefly unavailable" in response.text
    assert "Nothing was half-written" in response.text


def test_it_tells_htmx_what_was_not_saved(alice, team):
    client = Client(raise_request_exception=False)
    client.force_login(alice)
    with mock.patch("portal.views.selectors.team_list_for_user", side_effect=OperationalError):
        response = client.get("/", HTTP_HX_REQUEST="true")
    assert response.status_code == 503
    assert response.text.startswith('<div class="notice notice-error"')
    assert "Not saved" in response.text


def test_it_keeps_other_errors_a_plain_500(alice, team):
    client = Client(raise_request_exception=False)
    client.force_login(alice)
    with mock.patch("portal.views.selectors.team_list_for_user", side_effect=ValueError):
        response = client.get("/")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.text


def test_it_shows_a_friendly_page_when_the_csrf_token_expired(alice, team, project):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    response = client.post(f"/projects/{project.slug}/archive/")
    assert response.status_code == 403
    assert "Your session has expired or this page is out of date" in response.text
    htmx = client.post(f"/projects/{project.slug}/archive/", HTTP_HX_REQUEST="true")
    assert htmx.text.lstrip().startswith('<div class="notice notice-warn"')
    project.refresh_from_db()
    assert not project.is_archived
