"""Playwright on Debian's Chromium against pytest-django's live server.

`page` collects console errors, uncaught page errors and Content-Security-Policy
violations into `console_errors`, which the tests assert empty.
"""

import io
import shutil
from collections.abc import Callable, Iterator

import pytest
from django.core.management import call_command

from assessments.models import Assessment
from assessments.selectors import period_current
from tests.conftest import require_service

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} ${event.blockedURI} `
    + `${event.sourceFile}:${event.lineNumber}`);
});
"""


@pytest.fixture(scope="module", autouse=True)
def allow_database_calls_beside_playwright() -> Iterator[None]:
    """Playwright's sync API keeps an event loop running in the test's thread, so Django
    refuses the test's own (synchronous) database calls; nothing here is asynchronous.

    Set for browser test modules only, and undone after them: a process-wide setting would
    reach `manage.py check --deploy` in other tests, which rightly fails on it.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.fixture(scope="module")
def browser(allow_database_calls_beside_playwright):
    """Chromium for one test module; stopping it after the module also stops Playwright's
    event loop before any other test runs."""
    executable = shutil.which("chromium")
    if executable is None:
        require_service("chromium (Debian's package) for the browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def console_errors() -> list[str]:
    return []


@pytest.fixture
def page(browser, live_server, console_errors) -> Iterator:
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1360, "height": 900}, accept_downloads=True
    )
    context.add_init_script(REPORT_CSP_VIOLATIONS)
    page = context.new_page()
    page.on(
        "console",
        lambda message: console_errors.append(message.text) if message.type == "error" else None,
    )
    page.on("pageerror", lambda error: console_errors.append(f"page error: {error}"))
    yield page
    context.close()


@pytest.fixture
def login() -> Callable:
    """login(page, "manager"): through the real login form, as a person would."""

    def log_in(page, username: str, password: str = "demo") -> None:
        page.goto("/accounts/login/")
        page.fill('input[name="username"]', username)
        page.fill('input[name="password"]', password)
        page.click('button[type="submit"]')
        page.wait_for_url(lambda url: "/accounts/login/" not in url)

    return log_in


@pytest.fixture
def seed_organisation(transactional_db) -> Callable:
    """seed_organisation(teams=2, projects_per_team=2, quarters=2): the framework and a demo
    organisation in the live server's database, as `make run` seeds it."""

    def seed(*, teams: int = 2, projects_per_team: int = 2, quarters: int = 2) -> None:
        call_command(
            "load_framework",
            "assessments/frameworks/mlops-v1.yaml",
            "assessments/frameworks/mlops-v2.yaml",
            stdout=io.StringIO(),
        )
        call_command(
            "seed_demo",
            teams=teams,
            projects_per_team=projects_per_team,
            quarters=quarters,
            stdout=io.StringIO(),
        )

    return seed


@pytest.fixture
def lead_draft(seed_organisation) -> Assessment:
    """The lead's first draft of the current quarter in a small seeded organisation."""
    seed_organisation(teams=2, projects_per_team=2, quarters=2)
    return (
        Assessment.objects.filter(
            period=period_current(),
            status=Assessment.Status.DRAFT,
            project__team__memberships__user__username="lead",
        )
        .order_by("project__name")
        .first()
    )
