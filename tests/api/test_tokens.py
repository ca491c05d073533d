"""Tokens at the API's door: what a missing, malformed, unknown, expired or revoked token
is told, that revoking works on the next request, the CI-only token's 403, the rate
limit's 429 with `Retry-After`, and `/me`."""

import datetime

import pytest
import time_machine
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.api_tokens import api_token_revoke
from accounts.models import ApiToken
from api.auth import REALM, TOKENS_PAGE, seconds_to_next_window
from teams.people import user_deactivate
from tests.api.conftest import expire, personal_token

pytestmark = pytest.mark.django_db

INVALID = f'Bearer realm="{REALM}", error="invalid_token", error_description="'


def test_it_tells_a_caller_without_a_token_how_to_send_one_and_where_to_make_one(api_get):
    response = api_get("/projects")
    assert response.status_code == 401
    detail = response.json()["detail"]
    assert "Authorization: Bearer <token>" in detail
    assert TOKENS_PAGE in detail
    # No token at all: a challenge without an error code (RFC 6750, section 3.1).
    assert response["WWW-Authenticate"] == f'Bearer realm="{REALM}"'


@pytest.mark.parametrize(
    "header", ["Basic YWxpY2U6c2VjcmV0", "Bearer", "Bearer   ", "Token mlp_pat_abc", "mlp_pat_x"]
)
def test_it_refuses_any_other_authorization(client, header):
    response = client.get("/api/v1/projects", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert "Authorization: Bearer <token>" in response.json()["detail"]
    assert response["WWW-Authenticate"].startswith(INVALID)


def test_an_unknown_token_is_told_so(api_get):
    response = api_get("/projects", "mlp_pat_" + "A" * 43)
    assert response.status_code == 401
    assert response.json() == {
        "detail": "This token is not known: it may have been mistyped or deleted."
    }
    assert response["WWW-Authenticate"] == (
        f'{INVALID}This token is not known: it may have been mistyped or deleted."'
    )


def test_an_expired_token_gets_401_naming_the_day_it_expired(alice, api_get):
    token, secret = personal_token(alice, days=10)
    expires_on = timezone.localtime(token.expires_at).date()
    assert api_get("/projects", secret).status_code == 200
    with time_machine.travel(token.expires_at + datetime.timedelta(seconds=1)):
        response = api_get("/projects", secret)
    assert response.status_code == 401
    detail = response.json()["detail"]
    assert f"This token expired on {expires_on:%Y-%m-%d}." in detail
    # The header carries the same words in ASCII ("Account > API tokens").
    assert response["WWW-Authenticate"].startswith(f"{INVALID}This token expired on {expires_on}")
    assert "Account > API tokens" in response["WWW-Authenticate"]


def test_revoking_takes_effect_on_the_next_request(alice, api_get):
    token, secret = personal_token(alice)
    assert api_get("/projects", secret).status_code == 200
    api_token_revoke(token=token, actor=alice)
    response = api_get("/projects", secret)
    assert response.status_code == 401
    assert response.json()["detail"].startswith("This token was revoked on ")


def test_a_deactivated_owner_s_token_stops_working(alice, erin, api_get):
    _, secret = personal_token(alice)
    user_deactivate(user=alice, actor=erin)
    response = api_get("/projects", secret)
    assert response.status_code == 401
    assert "deactivated" in response.json()["detail"]


def test_a_ci_token_may_not_read(service_events, api_get):
    response = api_get("/projects", service_events)
    assert response.status_code == 403
    assert response.json() == {"detail": "This token may only write CI events."}
    assert response["WWW-Authenticate"] == (
        f'Bearer realm="{REALM}", error="insufficient_scope", scope="read"'
    )


@override_settings(API_RATE_LIMIT_PER_MINUTE=3)
def test_the_fourth_request_in_a_minute_gets_429_with_retry_after(alice, carol, api_get):
    _, secret = personal_token(alice)
    _, other = personal_token(carol)
    start = timezone.now().replace(second=10, microsecond=0) + datetime.timedelta(minutes=1)
    with time_machine.travel(start, tick=False):
        assert [api_get("/projects", secret).status_code for _ in range(3)] == [200] * 3
        limited = api_get("/projects", secret)
        assert limited.status_code == 429
        assert limited["Retry-After"] == "50"  # whole seconds to the end of the minute
        assert "at most 3 a minute" in limited.json()["detail"]
        # Each token counts on its own.
        assert api_get("/projects", other).status_code == 200
    with time_machine.travel(start + datetime.timedelta(seconds=50), tick=False):
        assert api_get("/projects", secret).status_code == 200


def test_retry_after_is_a_positive_whole_number_of_seconds():
    assert seconds_to_next_window(120.0) == 60
    assert seconds_to_next_window(179.2) == 1
    assert seconds_to_next_window(179.999) == 1
    assert seconds_to_next_window(150.5) == 30


def test_a_token_s_use_is_recorded(alice, api_get):
    token, secret = personal_token(alice)
    assert token.last_used_at is None
    api_get("/me", secret)
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_me_says_which_token_and_whom_it_reads_as(alice, team, api_get):
    token, secret = personal_token(alice)
    body = api_get("/me", secret).json()
    assert body["kind"] == "personal"
    assert body["name"] == "alice's laptop"
    assert body["prefix"] == token.display_prefix
    assert secret not in str(body)
    assert body["scopes"] == ["read"]
    assert body["reads_as"] == {
        "username": "alice",
        "roles": ["lead"],
        "teams": [{"team": {"slug": team.slug, "name": team.name}, "role": "lead"}],
        "managed_units": [],
    }


def test_me_for_a_unit_manager_and_for_management(uma, carol, erin, units, api_get):
    assert api_get("/me", personal_token(uma)[1]).json()["reads_as"]["managed_units"] == [
        units.division.slug
    ]
    assert api_get("/me", personal_token(uma)[1]).json()["reads_as"]["roles"] == ["unit_manager"]
    assert api_get("/me", personal_token(carol)[1]).json()["reads_as"]["roles"] == ["management"]
    assert api_get("/me", personal_token(erin)[1]).json()["reads_as"]["roles"] == [
        "org_admin",
        "management",
    ]


def test_me_for_service_tokens(service_read, service_events, project, api_get):
    reader = api_get("/me", service_read).json()
    assert reader["kind"] == "service"
    assert reader["reads_as"]["roles"] == ["management"]
    assert reader["reads_as"]["teams"] == []
    writer = api_get("/me", service_events).json()
    assert writer["reads_as"] is None
    assert writer["scopes"] == [ApiToken.Scope.EVENTS_WRITE]
    assert writer["events_project"] == project.slug


def test_an_expired_token_cannot_ask_me_either(alice, api_get):
    token, secret = personal_token(alice)
    expire(token)
    assert api_get("/me", secret).status_code == 401


def test_the_tokens_page_named_in_the_messages_is_the_portal_s():
    assert reverse("accounts:token_list") == TOKENS_PAGE
