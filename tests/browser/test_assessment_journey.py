"""A team lead fills and submits this quarter's assessment in a real browser."""

from pathlib import Path

import pytest
from django.conf import settings

from assessments.models import Answer, Assessment

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"


def _practice(page, index: int):
    return page.locator("form.practice").nth(index)


def _key(form) -> str:
    """The practice a form answers: practices with a finished action of the plan come
    first, so the page's order is not the framework's (issue 12)."""
    return form.get_attribute("id").removeprefix("practice-")


def _saved(page):
    """Wait for the autosave that the action inside the `with` block triggers."""
    return page.expect_response(
        lambda response: "/answers/" in response.url and response.status == 200
    )


def test_it_fills_reloads_and_submits_an_assessment(page, login, console_errors, lead_draft):
    login(page, "lead")
    page.get_by_role("link", name=lead_draft.project.name).first.click()
    page.goto(f"/assessments/{lead_draft.pk}/")
    assert page.locator("h1").inner_text().endswith(f"{lead_draft.period.key} assessment")

    # With the mouse: "partly" on the first practice.
    first = _practice(page, 0)
    with _saved(page):
        first.get_by_label("Partly").check()

    # By keyboard only: select "Not in place" on the second practice with Space, move to
    # "Partly" with an arrow key; choose "Not applicable" on the third, which moves the
    # focus to the reason, and type it.
    second = _practice(page, 1)
    second.get_by_label("Not in place").focus()
    with _saved(page):
        page.keyboard.press("Space")
    with _saved(page):
        page.keyboard.press("ArrowRight")
    third = _practice(page, 2)
    third_key = _key(third)
    third.get_by_label("Not applicable").focus()
    page.keyboard.press("Space")
    with _saved(page):
        page.keyboard.type("Batch scoring only, no live endpoint")
    page.screenshot(path=SCREENSHOTS / "assessment-form.png")

    # Reloading shows exactly what was saved.
    page.reload()
    assert _practice(page, 0).get_by_label("Partly").is_checked()
    assert _practice(page, 1).get_by_label("Partly").is_checked()
    assert _practice(page, 2).get_by_label("Not applicable").is_checked()
    assert (
        _practice(page, 2).locator("input[name=na_reason]").input_value()
        == "Batch scoring only, no live endpoint"
    )

    # Answer whatever is still open, then submit.
    for form in page.locator("form.practice").all():
        if not form.locator("input[name=value]:checked").count():
            with _saved(page):
                form.get_by_label("Fully in place").check()
    # Last quarter's answers not looked at take a deliberate step to submit.
    carried = Answer.objects.filter(assessment=lead_draft, carried_over=True).count()
    assert carried > 0
    assert f"{carried} answers are last quarter's and not confirmed" in (
        page.locator("#carried").inner_text()
    )
    page.get_by_role("button", name=f"Confirm {carried} and submit").click()

    page.wait_for_url(f"**/assessments/{lead_draft.pk}/")
    assert "Submitted." in page.locator(".messages").inner_text()
    assert "confirmed unchanged" in page.locator(".result-hero").inner_text()
    hero = page.locator(".result-hero h1").inner_text()
    assert hero.startswith(f"{lead_draft.project.name} is at level")
    assert page.locator(".dimension-table tbody tr").count() == 9  # framework v2
    assert page.get_by_role("heading", name="Top next steps").is_visible()
    assert page.locator(".steps li").count() >= 1 or "Nothing stands between" in page.content()
    assert page.get_by_role("heading", name="Answers that changed since").is_visible()
    page.screenshot(path=SCREENSHOTS / "assessment-result.png", full_page=True)
    assert console_errors == []

    stored = Answer.objects.get(assessment=lead_draft, practice__key=third_key)
    assert (stored.value, stored.na_reason) == ("na", "Batch scoring only, no live endpoint")
    assert Assessment.objects.get(pk=lead_draft.pk).status == Assessment.Status.SUBMITTED
