"""Logging in through the real provider, its pages driven with requests (the browser journey
is tests/browser/test_sso_journey.py): who gets in, with which roles, and what each refusal
says on the log-in page."""

import html
import re
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
from django.contrib.auth.models import User

from accounts.models import SsoGroupMapping, SsoLoginAttempt
from teams.models import Membership
from teams.people import membership_set
from tests.factories import UserFactory
from tests.integration.oidc.harness import CLIENT_ID, TEST_CLIENT_SITE, provider_log_in

pytestmark = pytest.mark.oidc


def _refused(client, response) -> str:
    """The log-in page the refusal lands on, as text."""
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    return client.get(response["Location"]).content.decode()


def _last_attempt() -> SsoLoginAttempt:
    return SsoLoginAttempt.objects.first()


def test_it_signs_in_a_mapped_lead_and_records_the_claims(oidc, client, team):
    SsoGroupMapping.objects.create(group="ml-fraud-leads", grant="team_lead", team=team)
    response = provider_log_in(client, oidc, "ada")
    assert (response.status_code, response["Location"]) == (302, "/")
    ada = User.objects.get(email="ada@example.org")
    assert ada.get_full_name() == "Ada Lovelace"
    assert Membership.objects.get(user=ada).role == "lead"
    home = client.get("/").content.decode()
    assert "Fraud Detection" in home
    attempt = _last_attempt()
    assert attempt.outcome == SsoLoginAttempt.Outcome.CREATED
    assert attempt.claims["groups"] == ["ml-fraud-leads"]
    assert attempt.claims["iss"] == oidc.issuer
    assert "nonce" not in attempt.claims and "id_token" not in attempt.claims


def test_it_returns_to_the_page_asked_for_and_never_to_another_site(oidc, client):
    client.get("/oidc/authenticate/?next=https://evil.example.org/")
    assert client.session["oidc_login_next"] is None
    response = provider_log_in(client, oidc, "ada", start="/oidc/authenticate/?next=/reports/")
    assert response["Location"] == "/reports/"


def test_it_refuses_a_provider_with_another_issuer(oidc, client, settings):
    # The same provider, asked at another name for the same address: its discovery
    # document still says 127.0.0.1, which is not what the portal was configured with.
    settings.OIDC_ISSUER = oidc.issuer.replace("127.0.0.1", "localhost")
    page = _refused(client, provider_log_in(client, oidc, "ada"))
    assert f"says its issuer is &quot;{oidc.issuer}&quot;" in page
    assert f"configured for &quot;{settings.OIDC_ISSUER}&quot;" in page
    assert not User.objects.exists()
    assert _last_attempt().outcome == SsoLoginAttempt.Outcome.REFUSED


def test_it_says_single_sign_on_is_unreachable_when_the_provider_is_down(oidc, client, settings):
    settings.OIDC_ISSUER = "http://127.0.0.1:9"
    page = _refused(client, client.get("/oidc/authenticate/"))
    assert "Single sign-on is unreachable" in page


def test_it_says_what_the_provider_answered_when_the_person_gives_up(oidc, client):
    at_provider = requests.Session()
    interaction = at_provider.get(client.get("/oidc/authenticate/")["Location"], timeout=10).url
    url = f"{interaction}/abort"  # the development log-in page's "cancel"
    while not url.startswith(f"{TEST_CLIENT_SITE}/oidc/callback/"):
        answer = at_provider.get(url, allow_redirects=False, timeout=10)
        url = urljoin(url, answer.headers["Location"])
    page = _refused(client, client.get(url.removeprefix(TEST_CLIENT_SITE)))
    assert "The provider answered: End-User aborted interaction." in page
    assert _last_attempt().outcome == SsoLoginAttempt.Outcome.REFUSED


def test_it_refuses_a_log_in_without_an_email_claim(oidc, client):
    oidc.account_set("ada", email=None, email_verified=None)
    page = _refused(client, provider_log_in(client, oidc, "ada"))
    assert "The provider sent no e-mail address" in page
    assert not User.objects.exists()
    attempt = _last_attempt()
    assert (attempt.outcome, attempt.claims["sub"]) == (SsoLoginAttempt.Outcome.REFUSED, "ada")


def test_it_takes_a_group_removed_at_the_provider_away_at_the_next_log_in(
    oidc, client, team, other_team, erin
):
    SsoGroupMapping.objects.create(group="ml-fraud-leads", grant="team_lead", team=team)
    SsoGroupMapping.objects.create(group="ml-fraud-leads", grant="reviewer")
    provider_log_in(client, oidc, "ada")
    ada = User.objects.get(email="ada@example.org")
    membership_set(user=ada, team=other_team, role="member", actor=erin)  # by hand
    assert ada.groups.filter(name="Reviewers").exists()

    oidc.account_set("ada", groups=["some-other-group"])
    client.post("/accounts/logout/")
    assert provider_log_in(client, oidc, "ada")["Location"] == "/"
    memberships = Membership.objects.filter(user=ada)
    assert [(m.team.name, m.source) for m in memberships] == [("Search Ranking", "portal")]
    assert not ada.groups.filter(name="Reviewers").exists()
    assert _last_attempt().claims["groups"] == ["some-other-group"]


def test_it_refuses_a_deactivated_user(oidc, client):
    UserFactory(username="ada", email="ada@example.org", is_active=False)
    page = _refused(client, provider_log_in(client, oidc, "ada"))
    assert "deactivated" in page
    assert not User.objects.get(username="ada").is_active
    assert "_auth_user_id" not in client.session


def test_it_refuses_a_first_log_in_when_the_policy_is_refuse(oidc, client, settings):
    settings.OIDC_FIRST_LOGIN = "refuse"
    page = _refused(client, provider_log_in(client, oidc, "grace"))
    assert "no account for grace@example.org here" in page
    assert not User.objects.exists()


def test_it_refuses_a_callback_it_did_not_start_or_already_used(oidc, client):
    response = provider_log_in(client, oidc, "ada")
    assert response["Location"] == "/"
    callback = response.wsgi_request.get_full_path()
    client.post("/accounts/logout/")
    page = _refused(client, client.get(callback))
    assert "That single sign-on log-in has expired" in page


def test_it_logs_out_at_the_provider_too(oidc, client):
    provider_log_in(client, oidc, "ada")
    id_token = client.session["oidc_id_token"]
    page = client.post("/accounts/logout/").content.decode()
    assert "_auth_user_id" not in client.session
    found = re.search(r'<meta http-equiv="refresh" content="0; url=([^"]+)">', page)
    assert found, page
    location = urlsplit(html.unescape(found.group(1)))
    assert f"{location.scheme}://{location.netloc}{location.path}".startswith(oidc.issuer)
    assert parse_qs(location.query) == {
        "id_token_hint": [id_token],
        "client_id": [CLIENT_ID],
        "post_logout_redirect_uri": [f"{TEST_CLIENT_SITE}/oidc/logged-out/"],
    }
    # The provider accepts the hint (it answers 400 to one it cannot validate).
    at_provider = requests.get(html.unescape(found.group(1)), timeout=10)
    assert at_provider.status_code == 200, at_provider.text


def test_it_logs_a_password_session_out_of_the_portal_only(oidc, client, alice):
    client.force_login(alice)
    page = client.post("/accounts/logout/").content.decode()
    assert "http-equiv" not in page and "Log in again" in page
