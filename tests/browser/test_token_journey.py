"""A lead creates a personal token in the UI, copies it from the panel, and it works; the
secret never shows again; revoking it in the UI stops it at once. An org admin's token and
single sign-on pages render, pass axe, and are screenshotted for a person to look at."""

import datetime
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.urls import Resolver404, resolve
from django.utils import timezone
from playwright.sync_api import expect

from accounts.api_tokens import TokenRejected, api_token_authenticate, api_token_create
from accounts.models import ApiToken, SsoGroupMapping, SsoLoginAttempt
from accounts.sso_mappings import sso_mapping_add
from teams.models import Membership, Project
from tests.browser.test_accessibility import axe_violations
from tests.factories import ProjectFactory, TeamFactory

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
PASSWORD = "demo"
PROJECTS_API = "/api/v1/projects"
EXPECTED_REFUSAL = "the server responded with a status of 422"


@pytest.fixture
def people(transactional_db) -> dict[str, User]:
    team = TeamFactory(name="Fraud Detection")
    ProjectFactory(team=team, name="Card transaction scoring")
    ProjectFactory(team=TeamFactory(name="Search Ranking"), name="Product ranker")
    lead = User.objects.create_user("lead", "lead@example.com", PASSWORD, first_name="Lena")
    Membership.objects.create(user=lead, team=team, role=Membership.Role.LEAD)
    admin = User.objects.create_user(
        "admin", "admin@example.com", PASSWORD, first_name="Ada", is_staff=True
    )
    return {"lead": lead, "admin": admin}


def _log_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', PASSWORD)
    page.click('button[type="submit"]')
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def _api_answer(base_url: str, secret: str) -> tuple[int, str] | None:
    """The API's status and body for the token's projects, when the API has that endpoint."""
    try:
        resolve(PROJECTS_API)
    except Resolver404:
        return None
    request = urllib.request.Request(
        base_url + PROJECTS_API, headers={"Authorization": f"Bearer {secret}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_a_lead_creates_copies_uses_and_revokes_a_token(page, live_server, console_errors, people):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    _log_in(page, "lead")
    page.get_by_role("link", name="API tokens").click()
    expect(page.get_by_role("heading", name="API tokens", level=1)).to_be_visible()
    expect(page.get_by_text("You have no tokens yet.")).to_be_visible()

    # A mistake first: the name is missing; the answer keeps the date and says why.
    page.get_by_label("Expires on").fill("2000-01-01")
    page.get_by_role("button", name="Create token").click()
    expect(page.get_by_text("Give the token a name")).to_be_visible()
    expect(page.get_by_text("Choose an expiry date after today.")).to_be_visible()
    expect(page.get_by_label("Expires on")).to_have_value("2000-01-01")

    default = timezone.localdate() + datetime.timedelta(days=90)
    page.get_by_label("Name").fill("Quarterly figures notebook")
    page.get_by_label("Expires on").fill(default.isoformat())
    page.get_by_role("button", name="Create token").click()
    panel = page.locator("[data-secret]")
    expect(panel).to_contain_text("Copy it now: it will not be shown again")
    shown = panel.locator("#new-token-secret").inner_text().strip()
    assert shown.startswith("mlp_pat_")
    expect(panel.locator("#new-token-curl")).to_contain_text(
        f'curl -H "Authorization: Bearer {shown}" {settings.SITE_URL}/api/v1/projects'
    )

    panel.get_by_role("button", name="Copy token").click()
    expect(panel.get_by_role("status")).to_have_text("Token copied to the clipboard.")
    secret = page.evaluate("navigator.clipboard.readText()")
    assert secret == shown
    page.screenshot(path=SCREENSHOTS / "account-tokens-created.png", full_page=True)
    assert axe_violations(page) == []

    holder = api_token_authenticate(secret)
    assert holder.user is not None and holder.user.username == "lead"
    answer = _api_answer(live_server.url, secret)
    if answer is not None:  # the API is there: the token lists the lead's team's projects only
        assert answer[0] == 200, answer
        assert "Card transaction scoring" in answer[1] and "Product ranker" not in answer[1]

    # Neither coming back nor reloading shows the secret again.
    page.get_by_role("link", name="My teams").click()
    page.go_back()
    expect(page.get_by_role("cell", name="Quarterly figures notebook")).to_be_visible()
    expect(page.locator("[data-secret]")).to_have_count(0)
    page.reload()
    expect(page.locator("[data-secret]")).to_have_count(0)
    assert secret not in page.content()

    # Revoking asks first, then swaps the row.
    row = page.locator("tr", has_text="Quarterly figures notebook")
    row.locator("summary", has_text="Revoke").click()
    row.get_by_role("button", name="Yes, revoke it").click()
    expect(page.locator("tr", has_text="Quarterly figures notebook")).to_contain_text("Revoked")
    with pytest.raises(TokenRejected, match="revoked"):
        api_token_authenticate(secret)
    answer = _api_answer(live_server.url, secret)
    assert answer is None or answer[0] == 401, answer
    assert ApiToken.objects.get().revoked_by == people["lead"]
    # The browser logs the refused form (422) as a failed load; nothing else may fail.
    assert [error for error in console_errors if EXPECTED_REFUSAL not in error] == []


def test_an_org_admin_sees_the_tokens_and_single_sign_on_pages(
    page, live_server, console_errors, people
):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    admin, lead = people["admin"], people["lead"]
    in_days = timezone.localdate() + datetime.timedelta(days=120)
    project = Project.objects.get(name="Card transaction scoring")
    api_token_create(kind="personal", name="Notebook", expires_on=in_days, actor=lead, user=lead)
    api_token_create(
        kind="service",
        name="CI pipeline",
        expires_on=in_days,
        actor=admin,
        scopes=["events:write"],
        project=project,
    )
    team = project.team
    sso_mapping_add(group="mlops-managers", grant=SsoGroupMapping.Grant.MANAGEMENT, actor=admin)
    sso_mapping_add(
        group="fraud-leads", grant=SsoGroupMapping.Grant.TEAM_LEAD, team=team, actor=admin
    )
    SsoLoginAttempt.objects.create(
        outcome=SsoLoginAttempt.Outcome.REFUSED,
        message="The provider sent no e-mail address.",
        claims={"sub": "u-1"},
        created_at=timezone.now() - datetime.timedelta(hours=2),
    )
    SsoLoginAttempt.objects.create(
        outcome=SsoLoginAttempt.Outcome.SIGNED_IN,
        claims={
            "iss": "https://id.example.com",
            "sub": "u-2",
            "email": "lead@example.com",
            "name": "Lena Lead",
            "groups": ["fraud-leads", "all-staff"],
        },
        user=lead,
    )
    _log_in(page, "admin")
    page.goto("/manage/")
    page.get_by_role("navigation", name="Administration").get_by_role(
        "link", name="API tokens"
    ).click()
    expect(page.get_by_role("heading", name="API tokens", level=1)).to_be_visible()
    page.get_by_label("Name").fill("Power BI")
    page.get_by_label("read").check()
    page.get_by_role("button", name="Create service token").click()
    expect(page.locator("[data-secret]")).to_contain_text("Copy it now")
    page.screenshot(path=SCREENSHOTS / "manage-tokens.png", full_page=True)
    assert axe_violations(page) == []

    # Cut off the lead's personal token from here.
    row = page.locator("tr", has_text="Notebook")
    row.locator("summary", has_text="Revoke").click()
    row.get_by_role("button", name="Yes, revoke it").click()
    expect(page.locator("tr", has_text="Notebook")).to_contain_text("Revoked")

    page.get_by_role("link", name="Single sign-on").click()
    expect(page.get_by_role("heading", name="Single sign-on", level=1)).to_be_visible()
    expect(page.get_by_text("They matched 1 mapping:")).to_be_visible()
    page.get_by_label("Group at the provider").fill("all-staff")
    page.get_by_label("Grants").select_option("team_member")
    page.get_by_role("button", name="Add mapping").click()
    expect(page.get_by_text("Choose the team the group's members belong to.")).to_be_visible()
    page.get_by_label("Team", exact=True).select_option(label=team.name)
    page.get_by_role("button", name="Add mapping").click()
    expect(page.get_by_role("status")).to_contain_text("Added: “all-staff” → Team member")
    expect(page.get_by_text("They matched 2 mappings:")).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "manage-sso.png", full_page=True)
    assert axe_violations(page) == []
    assert [error for error in console_errors if EXPECTED_REFUSAL not in error] == []
