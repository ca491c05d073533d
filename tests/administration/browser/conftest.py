"""The browser fixtures of tests/browser (Debian's Chromium, the live server, a seeded
organisation), for the administration's browser tests."""

from tests.browser.conftest import (  # noqa: F401  (fixtures, found by name)
    allow_database_calls_beside_playwright,
    browser,
    console_errors,
    login,
    page,
    seed_organisation,
)
