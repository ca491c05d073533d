"""A lead asks for an exemption in a real browser: "not applicable" with a justification
awaits a decision; once a reviewer declines it and returns the draft, the lead reads the
note beside the question, is refused "not applicable" again, answers and submits."""

from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from assessments.models import Answer, Assessment
from assessments.services.answering import assessment_submit
from reviews.services.reviews import ExemptionDecision, ReviewInput, review_return

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory's
JUSTIFICATION = "Batch scoring only: nothing is served online."
DECLINE_NOTE = "The nightly batch still feeds the card checks: it needs this practice."
EXPECTED_REFUSAL = "the server responded with a status of 422"
COMMENT = "How would you roll back a bad model? Link the runbook, or say it is partly in place."


def _saved(page, status: int = 200):
    return page.expect_response(
        lambda response: "/answers/" in response.url and response.status == status
    )


def test_a_lead_asks_for_an_exemption_is_declined_answers_and_submits(
    page, login, console_errors, assessment, alice, rhea
):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    login(page, "alice", PASSWORD)
    page.goto(f"/assessments/{assessment.pk}/")
    forms = page.locator("form.practice")
    form = forms.nth(0)
    key = form.get_attribute("id").removeprefix("practice-")
    other = forms.nth(1)
    other_key = other.get_attribute("id").removeprefix("practice-")

    # "Not applicable" asks for an exemption: the reason field says so.
    form.get_by_label("Not applicable").check()
    reason = form.get_by_label("Ask for an exemption: why does this practice not apply?")
    expect(reason).to_be_focused()
    with _saved(page):
        reason.fill(JUSTIFICATION)
    expect(form.locator(".exemption-state")).to_contain_text("Exemption awaiting a decision")
    form.screenshot(path=SCREENSHOTS / "exemption-awaiting.png", caret="initial")

    # The rest answered and submitted; a reviewer declines the exemption and questions a
    # second answer, which returns the draft.
    Answer.objects.filter(assessment=assessment, value="").update(value="yes")
    assessment_submit(assessment=assessment, user=alice)
    assessment.refresh_from_db()
    assert assessment.awaits_review
    review_return(
        assessment=assessment,
        reviewer=rhea,
        decision=ReviewInput(
            summary="Thanks: two things to look at before I can accept this.",
            comments={other_key: COMMENT},
            exemptions={key: ExemptionDecision(approve=False, note=DECLINE_NOTE)},
        ),
    )

    # The home page marks the draft as returned, and leads to its comments.
    page.goto("/")
    row = page.locator("tr", has=page.get_by_test_id("returned-badge"))
    expect(row).to_contain_text("Returned for changes")
    page.locator("section", has=row).screenshot(path=SCREENSHOTS / "home-returned.png")
    row.get_by_role("link", name="See the comments").click()
    page.wait_for_url(f"**/assessments/{assessment.pk}/")
    banner = page.get_by_test_id("returned-banner")
    expect(banner).to_contain_text("Returned for changes by Rhea")
    expect(banner).to_contain_text("2 practices have a comment from the reviewer")
    expect(form.locator(".exemption-state")).to_contain_text("Exemption declined")
    expect(form.locator(".review-comment")).to_contain_text(DECLINE_NOTE)
    expect(form.locator(".review-comment")).to_contain_text("the reviewer declined the exemption")
    expect(other.locator(".review-comment")).to_contain_text(COMMENT)
    expect(other.locator(".review-comment")).to_contain_text("Answer not changed")
    page.screenshot(path=SCREENSHOTS / "returned-banner.png", caret="initial")
    other.screenshot(path=SCREENSHOTS / "review-comment.png", caret="initial")

    # "Not applicable" again is refused with the reviewer's reason; nothing is saved.
    with _saved(page, status=422):
        reason.fill("We still think it does not apply.")
    expect(form.locator(".save-status")).to_contain_text(
        "A reviewer declined the exemption for this practice, so it must be answered"
    )
    form.screenshot(path=SCREENSHOTS / "exemption-declined-refused.png", caret="initial")
    assert Answer.objects.get(assessment=assessment, practice__key=key).na_reason == (JUSTIFICATION)

    # Answered "partly", the comment beside the question says the answer changed.
    with _saved(page):
        form.get_by_label("Partly").check()
    expect(form.locator(".save-status")).to_contain_text("Saved")
    expect(form.locator(".review-comment")).to_contain_text("Answer changed since the comment")
    expect(page.locator(f"#returned-item-{key}")).to_contain_text("answer changed")
    with _saved(page):
        other.get_by_label("Partly").check()
    expect(other.locator(".review-comment")).to_contain_text("Answer changed since the comment")
    other.screenshot(path=SCREENSHOTS / "review-comment-answered.png", caret="initial")

    page.get_by_role("button", name="Submit again for review").click()
    page.wait_for_url(f"**/assessments/{assessment.pk}/")
    expect(page.locator(".messages")).to_contain_text("Submitted.")
    expect(page.get_by_test_id("review-status")).to_be_visible()
    expect(page.locator(".review-history")).to_contain_text("Review history")
    page.locator(".review-state").screenshot(path=SCREENSHOTS / "result-review-state.png")
    stored = Assessment.objects.get(pk=assessment.pk)
    assert stored.is_submitted
    assert Answer.objects.get(assessment=assessment, practice__key=key).value == "partly"
    # The browser logs each refused save (422) as a failed load; nothing else may fail.
    assert [error for error in console_errors if EXPECTED_REFUSAL not in error] == []
