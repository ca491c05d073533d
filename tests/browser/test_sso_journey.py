"""Single sign-on in Chromium against the real provider (tests/integration/oidc/): the whole
authorization-code flow from the portal's button through the provider's log-in and consent
pages back to the home page as the mapped team's lead, and out again at both ends; and the
log-in page with password log-in off, where only the break-glass account uses a password.
"""

import pytest
from playwright.sync_api import expect

from accounts.models import SsoGroupMapping
from teams.models import Membership
from tests.browser.test_accessibility import axe_violations
from tests.factories import TeamFactory, UserFactory
from tests.integration.oidc import harness

pytestmark = [pytest.mark.browser, pytest.mark.oidc]
# The real provider, shared with tests/integration/oidc/ (one per session).
oidc_provider = harness.oidc_provider
oidc = harness.oidc


@pytest.fixture
def sso_page(page, oidc, settings, live_server):
    """The browser, with the portal's links pointing at the live server. The provider's
    development pages import a web font: answered empty here, as nothing leaves loopback."""
    settings.SITE_URL = live_server.url
    page.route(
        "https://fonts.googleapis.com/**",
        lambda route: route.fulfill(status=200, content_type="text/css", body=""),
    )
    return page


def test_it_logs_a_mapped_lead_in_and_out_through_the_provider(
    sso_page, oidc, live_server, console_errors
):
    page = sso_page
    team = TeamFactory(name="Fraud Detection")
    SsoGroupMapping.objects.create(group="ml-fraud-leads", grant="team_lead", team=team)

    page.goto("/accounts/login/")
    page.get_by_role("link", name="Log in with single sign-on").click()
    page.wait_for_url(f"{oidc.issuer}/interaction/**")
    page.fill('input[name="login"]', "ada")
    page.fill('input[name="password"]', "any password")
    page.get_by_role("button", name="Sign-in").click()
    page.get_by_role("button", name="Continue").click()  # consent to the scopes

    page.wait_for_url(f"{live_server.url}/")
    expect(page.locator(".username")).to_have_text("Ada Lovelace")
    expect(page.get_by_role("link", name="Fraud Detection").first).to_be_visible()
    assert Membership.objects.get(user__email="ada@example.org").role == "lead"

    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(f"{oidc.issuer}/**")
    page.wait_for_timeout(1000)
    print("URL", page.url)
    print(page.content()[:3000])
    page.get_by_role("button", name="Yes, sign me out").click()
    page.wait_for_url(f"{live_server.url}/oidc/logged-out/")
    expect(page.get_by_role("heading", name="You have logged out")).to_be_visible()
    expect(page.get_by_text("of the portal and of single sign-on")).to_be_visible()
    # Logged out at the provider too: the next log-in asks for the password again.
    page.goto("/oidc/authenticate/")
    page.wait_for_url(f"{oidc.issuer}/interaction/**")
    expect(page.locator('input[name="login"]')).to_be_visible()
    assert console_errors == []


def test_it_lets_only_the_break_glass_account_use_a_password(
    sso_page, settings, live_server, console_errors
):
    page = sso_page
    settings.PASSWORD_LOGIN = False
    settings.BREAK_GLASS_USERNAME = "root"
    UserFactory(username="root", password="demo", is_staff=True, first_name="Root")
    UserFactory(username="bob", password="demo")

    page.goto("/accounts/login/")
    expect(page.get_by_role("link", name="Log in with single sign-on")).to_be_visible()
    expect(page.locator('input[name="username"]')).to_be_hidden()
    assert axe_violations(page) == []
    page.get_by_text("Administrator log-in").click()
    page.fill('input[name="username"]', "bob")
    page.fill('input[name="password"]', "demo")
    page.get_by_role("button", name="Log in", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("Please enter a correct username")
    expect(page.get_by_text("Password log-in is switched off")).to_be_visible()
    assert axe_violations(page) == []

    page.fill('input[name="username"]', "root")
    page.fill('input[name="password"]', "demo")
    page.get_by_role("button", name="Log in", exact=True).click()
    page.wait_for_url(f"{live_server.url}/")
    expect(page.locator(".username")).to_have_text("Root")
    assert console_errors == []
