"""The API's docs page in Chromium: Swagger UI from the portal's own static files, under
the portal's CSP unchanged. No console error and no CSP violation, nothing fetched from
another origin, every endpoint listed, axe clean (WCAG 2.2 AA) as loaded, with an
operation open, with the schemas shown and with the Authorize dialog; and "Try it out"
with a lead's token lists the lead's team's projects only."""

import pytest
from playwright.sync_api import expect

from api.urls import api
from tests.api.conftest import personal_token
from tests.browser.test_accessibility import axe_violations

pytestmark = pytest.mark.browser


def test_it_renders_every_endpoint_under_the_portal_s_csp(page, console_errors, live_server):
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    response = page.goto("/api/v1/docs")
    assert response is not None and response.status == 200
    policy = response.headers["content-security-policy"]
    # The portal's policy; no nonce is needed, as the page has no inline script or style.
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    expect(page.get_by_role("heading", name="MLOps Maturity Portal API")).to_be_visible()
    for path in api.get_openapi_schema()["paths"]:
        expect(page.locator(f'[data-path="{path}"]')).to_be_visible()
    assert console_errors == []
    assert requested and all(url.startswith(live_server.url) for url in requested), requested


def test_it_passes_axe_in_every_state_a_reader_opens(page, console_errors):
    page.goto("/api/v1/docs")
    expect(page.locator('[data-path="/api/v1/projects"]')).to_be_visible()
    violations = {"as loaded": axe_violations(page)}
    page.locator('[data-path="/api/v1/projects"]').click()
    expect(page.get_by_text("page_size").first).to_be_visible()
    violations["an operation open"] = axe_violations(page)
    page.locator(".models-control").click()
    expect(page.locator(".models").get_by_text("ProjectOut", exact=True)).to_be_visible()
    violations["schemas shown"] = axe_violations(page)
    page.get_by_role("button", name="Authorize").first.click()
    expect(page.locator(".modal-ux")).to_be_visible()
    violations["Authorize dialog"] = axe_violations(page)
    assert {state: found for state, found in violations.items() if found} == {}
    assert console_errors == []


def test_try_it_out_with_a_lead_s_token_lists_the_lead_s_projects_only(
    transactional_db, page, console_errors, alice, project, other_project
):
    _, secret = personal_token(alice)
    page.goto("/api/v1/docs")
    page.get_by_role("button", name="Authorize").first.click()
    dialog = page.locator(".modal-ux")
    dialog.get_by_label("Value").fill(secret)
    dialog.get_by_role("button", name="Apply credentials").click()
    dialog.locator(".close-modal").click()
    page.locator('[data-path="/api/v1/projects"]').click()
    page.get_by_role("button", name="Try it out").click()
    with page.expect_response(lambda r: "/api/v1/projects" in r.url) as answered:
        page.get_by_role("button", name="Execute").click()
    assert answered.value.status == 200
    body = answered.value.json()
    assert [row["slug"] for row in body["results"]] == [project.slug]
    expect(page.locator(".responses-wrapper .live-responses-table")).to_contain_text(project.slug)
    assert other_project.slug not in page.locator(".live-responses-table").inner_text()
    assert console_errors == []
