"""The log-in page as the settings want it: password-only by default, a single sign-on
button when it is configured, and with password log-in off only the break-glass account
gets in (and resets) with a password."""

import pytest
from django.core import mail
from django.test import Client
from django.urls import resolve

from accounts.sso.views import LoginView, LogoutView
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/login/"
PASSWORD = "correct horse battery staple"


@pytest.fixture
def sso_on(settings):
    settings.OIDC_ISSUER = "https://idp.example.org"
    settings.OIDC_CLIENT_ID = "portal"
    settings.OIDC_CLIENT_SECRET = "secret"
    settings.OIDC_LOGIN_LABEL = "Log in with Example ID"


@pytest.fixture
def password_off(sso_on, settings):
    settings.PASSWORD_LOGIN = False
    settings.BREAK_GLASS_USERNAME = "root"
    return UserFactory(username="root", email="root@example.com", is_staff=True)


def _log_in(client: Client, username: str, *, path: str = LOGIN):
    return client.post(path, {"username": username, "password": PASSWORD}, REMOTE_ADDR="192.0.2.9")


def test_it_serves_the_portals_log_in_and_log_out_views():
    """mlops_portal/urls.py routes both to accounts.sso.views (its OWN_ACCOUNT_VIEWS)."""
    assert resolve(LOGIN).func.view_class is LoginView
    assert resolve("/accounts/logout/").func.view_class is LogoutView


def test_it_stays_password_only_when_nothing_is_configured(client, bob):
    page = client.get(LOGIN).content.decode()
    assert "single sign-on" not in page.casefold()
    assert "Administrator log-in" not in page
    assert 'name="password"' in page
    assert client.get("/oidc/authenticate/").status_code == 404
    assert client.get("/oidc/callback/?code=x&state=y").status_code == 404
    assert _log_in(client, "bob").status_code == 302


def test_it_offers_single_sign_on_beside_the_password_form(client, sso_on):
    page = client.get(f"{LOGIN}?next=/reports/").content.decode()
    assert '<a class="button" href="/oidc/authenticate/?next=/reports/">' in page
    assert "Log in with Example ID" in page
    assert "Or log in with your username and password" in page
    assert "<details" not in page


def test_it_hides_the_password_form_behind_a_disclosure_when_password_log_in_is_off(
    client, password_off
):
    page = client.get(LOGIN).content.decode()
    assert "Log in with Example ID" in page
    assert '<details class="admin-login stack">' in page
    assert "<summary>Administrator log-in</summary>" in page


def test_it_lets_only_the_break_glass_account_log_in_with_a_password(client, password_off, bob):
    refused = _log_in(client, "bob")
    assert refused.status_code == 200
    assert "_auth_user_id" not in client.session
    page = refused.content.decode()
    assert '<details class="admin-login stack" open>' in page
    assert "Password log-in is switched off: log in with single sign-on" in page
    assert _log_in(client, "root").status_code == 302
    assert client.session["_auth_user_id"] == str(password_off.pk)


def test_it_refuses_a_password_at_the_admin_log_in_too(client, password_off, erin):
    _log_in(client, "erin", path="/admin/login/")
    assert "_auth_user_id" not in client.session


def test_it_resets_only_the_break_glass_accounts_password(client, password_off, bob):
    form = client.get("/accounts/password_reset/").content.decode()
    assert "Password log-in is switched off" in form
    for email in ("bob@example.com", "root@example.com"):
        response = client.post("/accounts/password_reset/", {"email": email}, follow=True)
        assert "Password log-in is switched off" in response.content.decode()
    assert [message.to for message in mail.outbox] == [["root@example.com"]]


def test_it_resets_everyones_password_while_password_log_in_is_on(client, sso_on, bob):
    client.post("/accounts/password_reset/", {"email": "bob@example.com"})
    assert [message.to for message in mail.outbox] == [["bob@example.com"]]
