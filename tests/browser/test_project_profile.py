"""A lead describes a new RAG project at its first assessment, in a real browser, and is
asked the LLM practices and no training-only question."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from assessments.models import Assessment
from assessments.selectors import period_current
from assessments.services.periods import period_open
from teams.models import Team
from teams.services import project_register

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
TRAINING_WORDS = re.compile(r"\b(re)?train(ing|ed|s)?\b|feature store", re.IGNORECASE)


@pytest.fixture
def rag_draft(seed_organisation) -> Assessment:
    seed_organisation(teams=1, projects_per_team=1, quarters=1)
    team = Team.objects.get(memberships__user__username="lead")
    project = project_register(team=team, name="Policy answer bot", stage="pilot")
    period = period_current()
    period_open(period=period)
    return Assessment.objects.get(project=project, period=period)


def test_a_rag_project_is_asked_the_llm_practices_and_no_training_question(
    page, login, console_errors, rag_draft
):
    login(page, "lead")
    page.goto(f"/assessments/{rag_draft.pk}/")
    assert page.get_by_role("heading", name="First, describe the project").is_visible()
    assert page.locator("form.practice").count() == 0
    page.get_by_label("Retrieval-augmented generation").check()
    page.get_by_label("Online: each request").check()
    page.get_by_label("Never (no true outcome").check()
    page.get_by_label("Limited: people interact").check()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "profile-step.png", full_page=True)
    page.get_by_role("button", name="Save the profile and show the questions").click()

    page.wait_for_selector("form.practice")
    assert "This project is asked" in page.locator(".messages").inner_text()
    questions = page.locator("form.practice legend").all_inner_texts()
    helps = page.locator("form.practice details.help > p:not(.small)").all_text_contents()
    assert len(questions) > 40
    asked_about_training = [
        text
        for text in questions + helps
        if TRAINING_WORDS.search(text.replace("training-use", ""))
    ]
    assert asked_about_training == []
    dimensions = page.locator(".dimension-links a").all_inner_texts()
    assert "LLM application quality and safety" in dimensions
    assert not {
        "Training pipeline and continuous training",
        "Experimentation and reproducibility",
    } & set(dimensions)
    assert any("golden set" in question for question in questions)
    assert page.get_by_text("Asked as: Retrieval-augmented generation").is_visible()
    page.screenshot(path=SCREENSHOTS / "rag-questionnaire.png")
    assert console_errors == []
