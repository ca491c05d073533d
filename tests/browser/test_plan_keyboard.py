"""The plan by keyboard: changing an action's status swaps the whole plan, and the focus
comes back to that action, not to the top of the plan or the page body."""

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
