"""Two people editing one assessment at once: no answer is lost, conflicts are shown."""

import pytest

from assessments.models import Answer, Assessment
from assessments.selectors import period_current

pytestmark = pytest.mark.browser
EXPECTED_CONFLICT = "the server responded with a status of 409"


@pytest.fixture
def shared_draft(seed_organisation) -> Assessment:
    seed_organisation(teams=1, projects_per_team=2, quarters=1)
    draft = Assessment.objects.filter(
        period=period_current(), status=Assessment.Status.DRAFT
    ).first()
    draft.answers.update(value="", carried_over=False)  # so every click is a change
    return draft


def _saves(page, status: int = 200):
    return page.expect_response(
        lambda response: "/answers/" in response.url and response.status == status
    )


def test_it_loses_no_answer_when_two_people_edit_at_once(
    browser, page, live_server, login, console_errors, shared_draft
):
    lead, member = page, browser.new_context(base_url=live_server.url).new_page()
    member_errors: list[str] = []
    member.on("console", lambda m: member_errors.append(m.text) if m.type == "error" else None)
    login(lead, "lead")
    login(member, "member")
    for person in (lead, member):
        person.goto(f"/assessments/{shared_draft.pk}/")

    # Practices with a finished action of the plan come first, so the page's order is not
    # the framework's (issue 12): the answers are looked up by the forms' practices.
    keys = [
        lead.locator("form.practice").nth(index).get_attribute("id").removeprefix("practice-")
        for index in range(3)
    ]
    # Different answers at the same time: both are saved.
    with _saves(lead):
        lead.locator("form.practice").nth(1).get_by_label("Fully in place").check()
    with _saves(member):
        member.locator("form.practice").nth(2).get_by_label("Not in place").check()

    # The same answer: the second writer sees the first one's value and nothing is lost.
    with _saves(lead):
        lead.locator("form.practice").nth(0).get_by_label("Fully in place").check()
    with _saves(member, 409):
        member.locator("form.practice").nth(0).get_by_label("Not in place").check()
    conflict = member.locator("form.practice").nth(0).locator(".save-status")
    assert "someone else changed this answer" in conflict.inner_text()
    assert "Lena Lead" in conflict.inner_text() and "Fully in place" in conflict.inner_text()
    first = Answer.objects.get(assessment=shared_draft, practice__key=keys[0])
    assert first.value == "yes"

    # Deliberately keeping one's own answer is possible once the other value was seen.
    with _saves(member):
        conflict.get_by_role("button", name="Save mine over theirs").click()
    first.refresh_from_db()
    assert first.value == "no"
    values = dict(
        Answer.objects.filter(assessment=shared_draft, practice__key__in=keys[1:]).values_list(
            "practice__key", "value"
        )
    )
    assert values == {keys[1]: "yes", keys[2]: "no"}
    assert console_errors == []
    assert all(EXPECTED_CONFLICT in error for error in member_errors)
