"""In a real browser: a lead answers "Fully in place" on a practice whose MLflow facts say
otherwise, and the polite mismatch note appears beside the question without a reload (the
autosave's swap); answering "Partly" takes it away. After submission the result page
checks the answers against the tools, mismatches first. axe finds nothing on either."""

from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from assessments.models import Answer
from assessments.rules import review as rules
from assessments.services.answering import assessment_submit
from tests.assessments.evidence_data import DATA, RUNS, open_v2_draft, share
from tests.browser.test_accessibility import axe_violations
from tests.reviews.conftest import set_policy

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory's
MISMATCH = "Your answer and MLflow differ."


def _saved(page):
    return page.expect_response(
        lambda response: "/answers/" in response.url and response.status == 200
    )


def test_the_mismatch_note_follows_the_answer_without_a_reload(
    page, login, console_errors, alice, project
):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    draft = open_v2_draft(project)
    share(project, "mlflow.dataset_inputs_share_30d", 3, 15)
    share(project, "mlflow.metrics_share_30d", 14, 15)
    login(page, "alice", PASSWORD)
    page.goto(f"/assessments/{draft.pk}/")

    form = page.locator(f"#practice-{DATA}")
    tools = form.get_by_test_id("tools-evidence")
    expect(tools).to_contain_text(
        "MLflow: 3 of 15 runs in the last 30 days logged a dataset input (checked 2 hours ago)"
    )
    expect(tools).to_contain_text("Suggested answer: Partly")
    expect(tools).to_contain_text("A tool sees only part of the picture: your answer decides.")
    # The suggestion fills nothing in: the lead answers.
    for label in ("Not in place", "Partly", "Fully in place"):
        expect(form.get_by_label(label, exact=True)).not_to_be_checked()
    expect(tools.locator(".evidence-mismatch")).to_have_count(0)
    # A page load made no change the lead did not.
    assert Answer.objects.get(assessment=draft, practice__key=DATA).version == 0

    with _saved(page):
        form.get_by_label("Fully in place", exact=True).check()
    note = tools.locator(".evidence-mismatch")
    expect(note).to_be_visible()
    expect(note).to_contain_text(
        f"{MISMATCH} You answered “Fully in place”, and the evidence from MLflow suggests “Partly”."
    )
    expect(form.get_by_label("Fully in place", exact=True)).to_be_checked()
    form.scroll_into_view_if_needed()
    form.screenshot(path=SCREENSHOTS / "evidence-question-mismatch.png", caret="initial")
    assert axe_violations(page) == []

    with _saved(page):
        form.get_by_label("Partly", exact=True).check()
    expect(note).to_have_count(0)
    expect(tools).to_contain_text("Suggested answer: Partly")
    with _saved(page):
        form.get_by_label("Fully in place", exact=True).check()
    expect(note).to_be_visible()
    assert Answer.objects.get(assessment=draft, practice__key=DATA).value == "yes"

    # The rest answered "fully in place", and submitted for review: the result page checks
    # them against the tools and lists the signal the reviewer will read.
    set_policy(rules.EVERY)
    Answer.objects.filter(assessment=draft).exclude(practice__key=DATA).update(value="yes")
    assessment_submit(assessment=draft, user=alice)
    page.goto(f"/assessments/{draft.pk}/")
    section = page.locator("#checked")
    expect(section.get_by_role("heading", name="Checked against the tools")).to_be_visible()
    rows = section.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("⚑ differs")
    expect(rows.nth(0)).to_contain_text("3 of 15 runs in the last 30 days logged a dataset input")
    expect(rows.nth(1)).not_to_contain_text("⚑ differs")
    expect(rows.nth(1)).to_contain_text("14 of 15 runs in the last 30 days logged metrics")
    assert page.locator(f"#checked-{RUNS}").count() == 1
    section.scroll_into_view_if_needed()
    section.screenshot(path=SCREENSHOTS / "evidence-result-checked.png", caret="initial")
    expect(page.get_by_test_id("review-signals")).to_contain_text(
        "Answers the tools disagree with. The evidence from MLflow disagrees with 1 answer of "
        "“fully in place”: Data versioned snapshots (3 of 15 runs"
    )
    assert axe_violations(page) == []
    assert console_errors == []
