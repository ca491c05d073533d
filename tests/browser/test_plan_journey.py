"""A team lead closes the loop in a real browser: next steps into the plan from a result
page, one marked done on the plan page, and that practice first in next quarter's draft."""

import datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from assessments.models import Assessment
from assessments.services.periods import period_open
from improvement.models import Action
from tests.assessments.fixtures import submit_last_quarter
from tests.improvement.factories import ActionFactory

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
# caret="initial": hiding the caret sets an inline style on every input, which htmx's
# settling then copies onto the swapped-in inputs, against the CSP.
PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory's


@pytest.fixture
def last_quarter(past_period, period, project, alice, bob) -> Assessment:
    """Last quarter submitted with every practice "partly"; this quarter not opened yet."""
    bob.last_name = "Builder"
    bob.save()
    return submit_last_quarter(past_period, project, alice, "partly")


def test_a_lead_plans_next_steps_marks_one_done_and_sees_it_first_next_quarter(
    page, login, console_errors, last_quarter, period, project, alice, bob
):
    login(page, "alice", PASSWORD)
    page.goto(f"/assessments/{last_quarter.pk}/")
    steps = page.locator("[aria-labelledby=steps-heading] .steps > li")
    assert steps.count() == 3
    steps_card = page.locator("section[aria-labelledby=steps-heading]")
    steps_card.screenshot(path=SCREENSHOTS / "plan-result-form.png", caret="initial")

    # Each step into the plan: choose the owner, type a due date, one click.
    owners = ["Bob Builder", "Alice", "Bob Builder"]
    for index, owner in enumerate(owners):
        step = steps.nth(index)
        step.get_by_label("Owner").select_option(label=owner)
        step.get_by_label("Due").fill(f"2027-0{index + 1}-15")
        with page.expect_response(
            lambda r: r.url.endswith(f"/assessments/{last_quarter.pk}/plan/")
        ):
            step.get_by_role("button", name="Add to plan").click()
        # htmx swaps the step after the response has arrived: wait for the swap.
        expect(step.locator(".in-plan")).to_contain_text(f"In the plan: {owner}")
    actions = list(Action.objects.order_by("pk"))
    assert [a.owner for a in actions] == [bob, alice, bob]
    assert [a.due_on for a in actions] == [datetime.date(2027, m, 15) for m in (1, 2, 3)]
    page.wait_for_timeout(2500)  # the "just added" highlight fades
    steps_card.screenshot(path=SCREENSHOTS / "plan-result-steps.png", caret="initial")

    # Something overdue and something dropped, as a real plan has.
    today = timezone.localdate()
    ActionFactory(
        project=project,
        owner=bob,
        title="Agree on an on-call rota for the scoring API",
        due_on=today - datetime.timedelta(days=9),
        ticket_url="https://jira.example.com/ML-42",
        notes="Waiting for the platform team's pager set-up.",
        created_by=alice,
    )
    ActionFactory(
        project=project,
        owner=alice,
        title="Move training to the shared GPU pool",
        status="dropped",
        dropped_reason="The platform team owns this now.",
        created_by=alice,
    )

    # On the plan page, mark the second step done: it moves to Done, in place.
    steps.nth(0).get_by_role("link", name="open the plan").click()
    page.wait_for_url(f"**/teams/{project.team.slug}/plan/#action-{actions[0].pk}")
    expect(page.locator("#section-overdue")).to_be_visible()
    assert "9 days overdue" in page.locator("#section-overdue").inner_text()
    page.screenshot(path=SCREENSHOTS / "plan-before.png", full_page=True, caret="initial")
    row = page.locator(f"#action-{actions[1].pk}")
    with page.expect_response(lambda r: r.url.endswith(f"/actions/{actions[1].pk}/status/")):
        row.get_by_role("button", name="Mark done").click()
    done_section = page.locator("#section-done")
    expect(done_section).to_contain_text(actions[1].title)
    assert Action.objects.get(pk=actions[1].pk).status == "done"
    page.locator(f"#action-{actions[1].pk} details.history summary").click()
    page.screenshot(path=SCREENSHOTS / "plan.png", full_page=True, caret="initial")

    # Next quarter opens (the scheduler's tick does this): its draft asks that practice first.
    period_open(period=period)
    draft = Assessment.objects.get(period=period, project=project)
    page.goto(f"/assessments/{draft.pk}/")
    planned = page.locator("#planned")
    assert planned.get_by_role("heading", name="You planned these").is_visible()
    assert "You planned this: is it in place now?" in planned.inner_text()
    first = page.locator("form.practice").first
    assert first.get_attribute("id") == f"practice-{actions[1].practice_key}"
    assert page.locator(f"#practice-{actions[1].practice_key}").count() == 1
    with page.expect_response(lambda r: "/answers/" in r.url and r.status == 200):
        first.get_by_label("Fully in place").check()
    expect(first.locator(".save-status")).to_contain_text("Saved")
    page.screenshot(path=SCREENSHOTS / "plan-questionnaire-top.png", caret="initial")

    # Submitted, the new result shows the finished action and how its dimension moved.
    page.locator("#carried").get_by_role("button", name="and submit").click()
    page.wait_for_url(f"**/assessments/{draft.pk}/")
    finished = page.locator("section.finished-actions")
    assert actions[1].title in finished.inner_text()
    assert "▲ up" in finished.inner_text()
    finished.screenshot(path=SCREENSHOTS / "plan-result-finished.png", caret="initial")
    assert console_errors == []


def test_the_plan_works_without_javascript(browser, live_server, login, project, alice, bob):
    """Every form is a plain POST and a redirect when JavaScript is off."""
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    action = ActionFactory(project=project, owner=bob, title="Version the training data")
    login(page, "alice", PASSWORD)
    page.goto(f"/teams/{project.team.slug}/plan/")
    page.get_by_role("link", name="Edit of “Version the training data”").click()
    page.get_by_label("Notes").fill("Start with the fraud features.")
    page.get_by_role("button", name="Save").click()
    assert "Saved “Version the training data”." in page.locator(".messages").inner_text()
    page.locator(f"#action-{action.pk}").get_by_role("button", name="Mark done").click()
    assert "is done" in page.locator(".messages").inner_text()
    action.refresh_from_db()
    assert (action.status, action.notes) == ("done", "Start with the fraud features.")
    context.close()
