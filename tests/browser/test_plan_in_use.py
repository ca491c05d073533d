"""The plan as people use it: by keyboard (a status change swaps the whole plan, and the
focus comes back to that action), then reloaded, and its link pasted elsewhere."""

import pytest

from tests.improvement.factories import ActionFactory

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory's
FOCUSED_ACTION = """() => {
  const item = document.activeElement && document.activeElement.closest("[data-focus-item]");
  return item ? item.id : (document.activeElement || document.body).tagName;
}"""


def test_the_focus_stays_on_the_action_whose_status_changed(page, login, project, alice):
    for title in ("Write the runbook", "Add a schema check", "Alert on drift"):
        ActionFactory(project=project, owner=alice, title=title, created_by=alice)
    third = project.actions.get(title="Alert on drift")
    login(page, "alice", PASSWORD)
    page.goto(f"/teams/{project.team.slug}/plan/")
    article = page.locator(f"#action-{third.pk}")
    article.get_by_role("button", name="Start").focus()
    with page.expect_response(lambda r: r.url.endswith(f"/actions/{third.pk}/status/")):
        page.keyboard.press("Enter")
    page.wait_for_function(
        f"() => document.querySelector('#action-{third.pk}').textContent.includes('In progress')"
    )
    assert page.evaluate(FOCUSED_ACTION) == f"action-{third.pk}"


def test_a_changed_action_survives_a_reload_and_its_link_works_for_others_only_in_the_team(
    page, browser, live_server, login, project, alice, bob, dave
):
    """The lead starts an action and reloads; the member opens the pasted link in a browser
    of their own and lands on it, in progress; a lead of another team gets "not found"."""
    action = ActionFactory(project=project, owner=bob, title="Add a schema check", created_by=alice)
    login(page, "alice", PASSWORD)
    page.goto(f"/teams/{project.team.slug}/plan/")
    with page.expect_response(lambda r: r.url.endswith(f"/actions/{action.pk}/status/")):
        page.locator(f"#action-{action.pk}").get_by_role("button", name="Start").click()
    page.reload()
    assert "In progress" in page.locator(f"#action-{action.pk}").inner_text()
    link = f"{live_server.url}/actions/{action.pk}/"
    for username, expected in (("bob", 200), ("dave", 404)):
        context = browser.new_context(base_url=live_server.url)
        other = context.new_page()
        login(other, username, PASSWORD)
        response = other.goto(link)
        assert response is not None and response.status == expected, username
        if expected == 200:
            assert other.url.endswith(f"/plan/#action-{action.pk}")
            assert "In progress" in other.locator(f"#action-{action.pk}").inner_text()
        context.close()
