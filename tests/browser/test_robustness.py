"""What careless users do in a real browser: keep typing after their session ended, and use
the portal with JavaScript switched off."""

import pytest
from playwright.sync_api import expect

from assessments.models import Answer, Assessment

pytestmark = pytest.mark.browser


def test_it_keeps_a_note_typed_after_the_session_ended_and_saves_it_after_log_in(
    page, login, lead_draft
):
    login(page, "lead")
    page.goto(f"/assessments/{lead_draft.pk}/")
    # The session ends elsewhere: logging out in another tab.
    other = page.context.new_page()
    other.goto("/")
    other.get_by_role("button", name="Log out").click()
    other.wait_for_url("**/accounts/logout/")

    page.locator("form.practice").first.get_by_text("Note and evidence").click()
    note = page.locator("form.practice").first.locator("textarea[name=note]")
    with page.expect_response(lambda response: "/answers/" in response.url) as expired:
        note.fill("Typed after my session ended")
    assert expired.value.status == 401
    alert = page.locator("#htmx-error")
    expect(alert).to_contain_text("your session has ended")
    assert note.input_value() == "Typed after my session ended"  # nothing was swapped in
    assert page.locator("form.practice").first.locator("input[name=version]").count() == 1

    login(other, "lead")
    with page.expect_response(
        lambda response: "/answers/" in response.url and response.status == 200
    ):
        page.bring_to_front()
        page.evaluate("window.dispatchEvent(new Event('focus'))")
    # The first form on the page: practices with a finished action of the plan come first.
    key = page.locator("form.practice").first.get_attribute("id").removeprefix("practice-")
    first = lead_draft.answers.get(practice__key=key)
    assert Answer.objects.get(pk=first.pk).note == "Typed after my session ended"


def test_it_saves_and_submits_with_javascript_switched_off(browser, live_server, lead_draft):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.goto("/accounts/login/")
    page.fill('input[name="username"]', "lead")
    page.fill('input[name="password"]', "demo")
    page.click('button[type="submit"]')
    page.goto(f"/assessments/{lead_draft.pk}/")

    form = page.locator("form.practice").first
    form.get_by_label("Fully in place").check()
    form.get_by_role("button", name="Save").click()
    assert "Saved." in page.content()
    # The first form on the page: practices with a finished action of the plan come first.
    key = page.locator("form.practice").first.get_attribute("id").removeprefix("practice-")
    first = lead_draft.answers.get(practice__key=key)
    assert Answer.objects.get(pk=first.pk).value == "yes"

    # Answer the rest in the database, then submit through the plain form.
    lead_draft.answers.filter(value="").update(value="partly")
    page.reload()
    page.locator("#carried button, .submit-form button").first.click()
    assert Assessment.objects.get(pk=lead_draft.pk).status == Assessment.Status.SUBMITTED
    context.close()
