"""/manage/tokens/: org admins create and revoke the organisation's service tokens, and can
revoke anyone's personal token. Everyone else gets 403, as on every /manage/ page."""

import datetime
import re

import pytest
from django.utils import timezone

from accounts.api_tokens import TokenRejected, api_token_authenticate, api_token_create
from accounts.models import ApiToken
from core.access import is_management
from core.models import AuditEntry
from tests.factories import ProjectFactory, TeamFactory, UserFactory

PAGE = "/manage/tokens/"
HTMX = {"HTTP_HX_REQUEST": "true"}
NOT_ADMINS = ("member", "lead", "other_lead", "management", "outsider", "reviewer")
SECRET = re.compile(r"mlp_svc_[A-Za-z0-9_-]{43}")


def _in(days: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


def _personal(user, name: str = "Notebook") -> tuple[ApiToken, str]:
    return api_token_create(
        kind=ApiToken.Kind.PERSONAL,
        name=name,
        expires_on=timezone.localdate() + datetime.timedelta(days=30),
        actor=user,
        user=user,
    )


def _service(actor, name: str = "BI", **options) -> tuple[ApiToken, str]:
    options.setdefault("scopes", ["read"])
    return api_token_create(
        kind=ApiToken.Kind.SERVICE,
        name=name,
        expires_on=timezone.localdate() + datetime.timedelta(days=30),
        actor=actor,
        **options,
    )


# --- Who may open what ------------------------------------------------------------------------


@pytest.mark.parametrize("persona", NOT_ADMINS)
def test_it_is_for_org_admins_only(persona, personas, client_for, erin, alice):
    service, _ = _service(erin)
    personal, _ = _personal(alice)
    client = client_for(personas[persona])
    assert client.get(PAGE).status_code == 403
    data = {"name": "x", "expires_on": _in(3), "scopes": ["read"]}
    assert client.post(PAGE, data).status_code == 403
    for token in (service, personal):
        assert client.post(f"{PAGE}{token.pk}/revoke/").status_code == 403
    assert ApiToken.objects.filter(revoked_at__isnull=True).count() == 2
    assert ApiToken.objects.count() == 2


def test_it_asks_anonymous_visitors_to_log_in(client, erin):
    service, _ = _service(erin)
    for response in (client.get(PAGE), client.post(f"{PAGE}{service.pk}/revoke/")):
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_an_org_admin_opens_it_from_the_administration(client_for, erin):
    client = client_for(erin)
    assert client.get(PAGE).status_code == 200
    overview = client.get("/manage/").text
    assert f'href="{PAGE}"' in overview and 'href="/manage/sso/"' in overview
    empty = client.get(PAGE).text
    assert "No service tokens yet." in empty
    assert "No one has a personal token that still works." in empty


def test_the_revoke_button_only_posts_and_knows_its_tokens(client_for, erin):
    service, _ = _service(erin)
    client = client_for(erin)
    assert client.get(f"{PAGE}{service.pk}/revoke/").status_code == 405
    assert client.post(f"{PAGE}999999/revoke/").status_code == 404


# --- Creating ---------------------------------------------------------------------------------


def test_an_admin_creates_a_read_token_shown_once(client_for, erin):
    client = client_for(erin)
    data = {"name": "Power BI", "expires_on": _in(100), "scopes": ["read"]}
    response = client.post(PAGE, data)
    assert response.status_code == 201
    assert "no-store" in response["Cache-Control"]
    secrets = set(SECRET.findall(response.text))
    assert len(secrets) == 1
    secret = secrets.pop()
    assert "Copy it now: it will not be shown again" in response.text
    token = ApiToken.objects.get()
    assert (token.kind, token.user, token.created_by, token.scopes) == (
        "service",
        None,
        erin,
        ["read"],
    )
    assert token.token_hash != secret
    holder = api_token_authenticate(secret)
    assert holder.token == token and holder.user is not None and is_management(holder.user)
    again = client.get(PAGE).text
    assert not SECRET.search(again) and "Power BI" in again and "Erin" in again


def test_an_events_token_writes_for_one_project(client_for, erin, project):
    data = {
        "name": "CI",
        "expires_on": _in(30),
        "scopes": ["events:write"],
        "project": project.pk,
    }
    response = client_for(erin).post(PAGE, data, **HTMX)
    assert response.status_code == 201
    assert "<html" not in response.text and 'id="service"' in response.text
    assert "it reads nothing" in response.text and "curl -H" not in response.text
    token = ApiToken.objects.get()
    assert (token.scopes, token.project, token.team) == (["events:write"], project, None)
    secret = SECRET.search(response.text).group(0)
    assert api_token_authenticate(secret).user is None  # it cannot read


def test_an_events_token_writes_for_one_team(client_for, erin, team):
    data = {
        "name": "CI",
        "expires_on": _in(30),
        "scopes": ["read", "events:write"],
        "team": team.pk,
    }
    assert client_for(erin).post(PAGE, data).status_code == 201
    token = ApiToken.objects.get()
    assert (token.scopes, token.project, token.team) == (["events:write", "read"], None, team)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"scopes": []}, "scopes", "Choose at least one scope"),
        ({"scopes": ["write"]}, "scopes", "Select a valid choice"),
        ({"scopes": ["events:write"]}, "scopes", "exactly one project or one team"),
        ({"scopes": ["events:write"], "both": True}, "scopes", "exactly one project or one team"),
        ({"scopes": ["read"], "expires_on": _in(400)}, "expires_on", "at most one year"),
        ({"scopes": ["read"], "expires_on": "soon"}, "expires_on", "year-month-day"),
        ({"scopes": ["read"], "name": ""}, "name", "Give the token a name"),
        ({"scopes": ["read"], "project": 999999}, "project", "no longer exists"),
    ],
)
def test_it_refuses_what_does_not_fit(client_for, erin, project, team, data, field, message):
    data = {"name": "CI", "expires_on": _in(30), **data}
    if data.pop("both", False):
        data.update(project=project.pk, team=team.pk)
    response = client_for(erin).post(PAGE, data)
    assert response.status_code == 422
    errors = response.context["form"].errors
    assert message in " ".join(errors[field])
    assert 'value="CI"' in response.text or not data["name"]
    assert ApiToken.objects.count() == 0


def test_the_form_offers_active_projects_and_teams_only(client_for, erin, project, team):
    archived = ProjectFactory(team=team, name="Old scoring", archived_at=timezone.now())
    gone = TeamFactory(name="Disbanded", archived_at=timezone.now())
    text = client_for(erin).get(PAGE).text
    assert f"{project.name} ({team.name})" in text
    assert archived.name not in text and gone.name not in text


# --- Revoking ---------------------------------------------------------------------------------


def test_an_admin_revokes_a_service_token(client_for, erin):
    token, secret = _service(erin)
    response = client_for(erin).post(f"{PAGE}{token.pk}/revoke/", **HTMX)
    assert response.status_code == 200
    assert response.text.lstrip().startswith(f'<tr id="token-{token.pk}">')
    assert "Revoked" in response.text
    with pytest.raises(TokenRejected, match="revoked"):
        api_token_authenticate(secret)
    assert AuditEntry.objects.filter(action="api_token.revoke.service", actor=erin).count() == 1


def test_an_admin_cuts_off_a_leaked_personal_token(client_for, erin, alice, bob):
    leaked, secret = _personal(alice, "Leaked notebook")
    _personal(bob, "Bob's script")
    page = client_for(erin).get(PAGE)
    assert "Leaked notebook" in page.text and "Bob&#x27;s script" in page.text
    response = client_for(erin).post(f"{PAGE}{leaked.pk}/revoke/")
    assert response.status_code == 302 and response["Location"] == PAGE
    with pytest.raises(TokenRejected, match="revoked"):
        api_token_authenticate(secret)
    leaked.refresh_from_db()
    assert leaked.revoked_by == erin
    entry = AuditEntry.objects.get(action="api_token.revoke.personal")
    assert (entry.actor, entry.target_id) == (erin, leaked.pk)
    assert "Leaked notebook" not in client_for(erin).get(PAGE).text  # no longer works


def test_revoking_twice_changes_nothing(client_for, erin):
    token, _ = _service(erin)
    client = client_for(erin)
    client.post(f"{PAGE}{token.pk}/revoke/")
    first = ApiToken.objects.get().revoked_at
    assert client.post(f"{PAGE}{token.pk}/revoke/").status_code == 302
    assert ApiToken.objects.get().revoked_at == first
    assert AuditEntry.objects.filter(action="api_token.revoke.service").count() == 1


# --- Queries ----------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [2, 12])
def test_the_page_costs_the_same_whatever_its_length(
    size, client_for, erin, team, django_assert_num_queries
):
    projects = ProjectFactory.create_batch(size, team=team)
    for number in range(size):
        owner = UserFactory()
        _personal(owner, f"Personal {number}")
        if number % 2:
            _service(erin, f"CI {number}", scopes=["events:write"], project=projects[number])
        else:
            _service(erin, f"BI {number}", scopes=["read", "events:write"], team=team)
    client = client_for(erin)
    # The session, the user, service tokens, personal tokens, the navigation's roles, and the
    # form's projects and teams.
    with django_assert_num_queries(7):
        response = client.get(PAGE)
    assert len(response.context["service_rows"]) == size
    assert len(response.context["personal_rows"]) == size
