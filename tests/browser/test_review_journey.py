"""The reviewer persona in a real browser: a lead submits an assessment whose level rose; it
waits in the reviewer's queue with its signals; the reviewer returns it with a comment on
one practice; the lead sees the comment beside that question, changes the answer and
submits again; the reviewer accepts; the dashboard counts it as reviewed."""

from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from assessments.models import Assessment
from assessments.rules import review as rules
from assessments.services.periods import period_open
from reviews.models import Review
from tests.assessments.fixtures import answer_all, submit_last_quarter
from tests.reviews.conftest import set_policy

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory's
COMMENT = "Which pipeline retrains the model on a schedule? Link one of its runs."


@pytest.fixture
def draft(past_period, period, project, alice, rhea, carol) -> Assessment:
    """Last quarter at level 0 ("not in place" throughout); this quarter's draft prefilled
    "fully in place" but its first practice, which the lead answers in the browser."""
    set_policy(rules.RISES)
    submit_last_quarter(past_period, project, alice, "no")
    period_open(period=period)
    draft = Assessment.objects.get(period=period, project=project)
    answer_all(draft, "yes")
    first = draft.answers.select_related("practice").order_by("practice__order").first()
    first.value = "no"
    first.save()
    return draft


def _as(page, login, username: str) -> None:
    page.context.clear_cookies()
    login(page, username, PASSWORD)


def _saved(page):
    return page.expect_response(
        lambda response: "/answers/" in response.url and response.status == 200
    )


def test_a_risen_assessment_is_returned_answered_and_accepted(page, login, console_errors, draft):
    questionnaire = f"/assessments/{draft.pk}/"
    key = draft.answers.order_by("practice__order").values_list("practice__key", flat=True)[0]
    practice = page.locator(f"#practice-{key}")

    # The lead answers the last practice, confirms last quarter's answers and submits.
    _as(page, login, "alice")
    page.goto(questionnaire)
    with _saved(page):
        practice.get_by_label("Fully in place").check()
    page.get_by_role("button", name="and submit").first.click()
    page.wait_for_url(f"**{questionnaire}")
    expect(page.locator(".messages")).to_contain_text("Submitted")
    draft.refresh_from_db()
    assert draft.awaits_review
    signal = next(s["text"] for s in draft.signals if s["kind"] == rules.BIG_RISE)

    # The reviewer finds it in the queue with its signal, and returns it with one comment.
    _as(page, login, "rhea")
    expect(page.get_by_role("link", name="Reviews (1)")).to_be_visible()
    page.goto("/reviews/")
    row = page.locator(f"#queue-{draft.pk}")
    expect(row).to_contain_text("Card transaction scoring")
    expect(row).to_contain_text(signal)
    page.screenshot(path=SCREENSHOTS / "review-queue.png", full_page=True)
    row.get_by_role("link", name="Review Card transaction scoring").click()
    page.wait_for_url(f"**/reviews/{draft.pk}/")
    expect(page.locator("[data-testid=signals]")).to_contain_text(signal)
    page.screenshot(path=SCREENSHOTS / "review-page.png")
    reviewed = page.locator(f"#review-practice-{key}")
    reviewed.get_by_text("Question this answer").click()
    reviewed.get_by_label("Your comment for the team").fill(COMMENT)
    reviewed.screenshot(path=SCREENSHOTS / "review-practice-comment.png")
    page.locator(".decision-box").get_by_role("button", name="Return with comments").click()
    page.wait_for_url("**/reviews/")
    expect(page.locator(".messages")).to_contain_text(
        "Returned Card transaction scoring 2026-Q4 to the team with 1 comment"
    )
    page.screenshot(path=SCREENSHOTS / "review-returned.png")

    # The lead reads the comment beside its question, changes the answer, submits again.
    _as(page, login, "alice")
    page.goto(questionnaire)
    expect(page.locator("[data-testid=returned-banner]")).to_be_visible()
    expect(practice.locator(".review-comment")).to_contain_text(COMMENT)
    with _saved(page):
        practice.get_by_label("Partly").check()
    page.get_by_role("button", name="Submit").first.click()
    page.wait_for_url(f"**{questionnaire}")
    expect(page.locator(".messages")).to_contain_text("Submitted")

    # The reviewer sees the earlier comment against the changed answer, and accepts.
    _as(page, login, "rhea")
    page.goto(f"/reviews/{draft.pk}/")
    expect(page.locator(f"#review-practice-{key} .earlier-comment")).to_contain_text(
        "The answer was Fully in place; now Partly."
    )
    page.locator(".decision-box").get_by_role("button", name="Accept").click()
    page.wait_for_url("**/reviews/")
    expect(page.locator(".messages")).to_contain_text("Accepted Card transaction scoring")
    expect(page.locator(".recent-decisions")).to_contain_text("Accepted")
    page.screenshot(path=SCREENSHOTS / "review-queue-decided.png", full_page=True)

    # Management's dashboard counts it as reviewed.
    _as(page, login, "carol")
    page.goto("/org/")
    expect(page.locator("[data-testid=review-counts]")).to_contain_text("1 reviewed")
    assert console_errors == []
    draft.refresh_from_db()
    assert draft.is_reviewed
    assert list(Review.objects.order_by("decided_at").values_list("decision", flat=True)) == [
        "returned",
        "accepted",
    ]
