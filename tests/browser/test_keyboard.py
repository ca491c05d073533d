"""The keyboard alone: a lead completes and submits an assessment, a manager reads a chart's
data. No mouse click anywhere; after every key press the focused element shows a focus
indicator (an outline or a box shadow), and the focus is never dropped on the page body.
"""

import re

import pytest

from assessments.models import Answer, Assessment
from assessments.selectors import period_current

pytestmark = pytest.mark.browser

UNANSWERED = 6  # practices the lead answers from scratch; the rest are carried or answered
NA_REASON = "Batch scoring only, no live endpoint"
MAX_PRESSES = 1500
CHOICES = ["no", "partly", "yes"]  # the answer of the nth practice answered (after the first)

# What has the focus, and whether a sighted keyboard user can see where it is.
FOCUSED = """() => {
  const element = document.activeElement;
  if (!element || element === document.body || element === document.documentElement) {
    return null;
  }
  const style = getComputedStyle(element);
  const ring = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
  const shadow = style.boxShadow !== "none";
  const box = element.getBoundingClientRect();
  const onScreen = box.width > 0 && box.height > 0 && box.bottom > 0 && box.right > 0
    && box.top < innerHeight && box.left < innerWidth;
  const practice = element.closest("form.practice");
  return {
    description: `${element.tagName.toLowerCase()}${element.id ? "#" + element.id : ""}`
      + `${element.name ? "[name=" + element.name + "]" : ""}`
      + `${element.value && element.type === "radio" ? "[value=" + element.value + "]" : ""}`
      + ` "${(element.innerText || element.getAttribute("aria-label") || "").trim().slice(0, 40)}"`,
    visible: (ring || shadow) && onScreen,
    tag: element.tagName.toLowerCase(),
    type: element.type || "",
    text: (element.innerText || "").trim(),
    practice: practice ? practice.id : null,
    answered: practice ? Boolean(practice.querySelector("input[name=value]:checked")) : false,
    confirm: Boolean(element.closest(".save-status")) && element.tagName === "BUTTON",
  };
}"""


@pytest.fixture
def lead_draft(seed_organisation) -> Assessment:
    """This quarter's draft with answers carried over from last quarter, and a few practices
    left unanswered for the lead to answer."""
    seed_organisation(teams=2, projects_per_team=2, quarters=2)
    draft = (
        Assessment.objects.filter(
            period=period_current(),
            status=Assessment.Status.DRAFT,
            project__team__memberships__user__username="lead",
            answers__carried_over=True,
        )
        .distinct()
        .order_by("project__name")
        .first()
    )
    assert draft is not None
    blank = draft.answers.order_by("practice__order").values_list("pk", flat=True)[:UNANSWERED]
    Answer.objects.filter(pk__in=list(blank)).update(
        value="", na_reason="", carried_over=False, answered_by=None, answered_at=None
    )
    return draft


def _press(page, key: str) -> dict:
    page.keyboard.press(key)
    return _check_focus(page, key)


def _check_focus(page, key: str) -> dict:
    focused = page.evaluate(FOCUSED)
    assert focused is not None, f"{key} dropped the focus on the page body"
    assert focused["visible"], f"no visible focus indicator on {focused['description']}"
    return focused


def _enter_page(page, key: str) -> None:
    """Bring the focus into the page from the browser's own controls, as a first Tab of a
    new page, or a Shift+Tab after Tab has left the page's last control, does."""
    for _ in range(3):
        page.keyboard.press(key)
        if page.evaluate(FOCUSED) is not None:
            _check_focus(page, key)
            return
    pytest.fail(f"{key} never brought the focus into the page")


def _log_in(page, username: str) -> None:
    """Through the log-in form, by keyboard: to the user name, type, Tab, type, Enter."""
    page.goto("/accounts/login/")
    if page.evaluate(FOCUSED) is None:  # the user name field has autofocus
        _enter_page(page, "Tab")
    for _ in range(20):
        if _check_focus(page, "Tab")["description"].startswith("input#id_username"):
            break
        _press(page, "Tab")
    else:
        pytest.fail("Tab never reached the user name field")
    page.keyboard.type(username)
    _press(page, "Tab")
    page.keyboard.type("demo")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/accounts/login/" not in page.url


def _saved(page):
    """Wait for the autosave that the key pressed inside the `with` block triggers."""
    return page.expect_response(
        lambda response: "/answers/" in response.url and response.status == 200
    )


def _answer(page, index: int) -> None:
    """The focus is on an unanswered practice's first choice, "Not in place": Space selects
    it, arrow keys move along the choices (and wrap round to "Not applicable")."""
    with _saved(page):
        _press(page, "Space")
    if index == 0:  # "Not applicable" needs a reason: the focus moves to its field
        page.keyboard.press("ArrowLeft")
        reason = page.evaluate(FOCUSED)
        assert reason is not None and reason["visible"], "the reason field has no focus ring"
        assert reason["tag"] == "input" and reason["type"] == "text", reason["description"]
        with _saved(page):
            page.keyboard.type(NA_REASON)
        return
    for _ in range(index % 3):  # Partly, then Fully in place
        with _saved(page):
            _press(page, "ArrowRight")


def test_a_lead_completes_and_submits_an_assessment_by_keyboard(page, lead_draft):
    _log_in(page, "lead")
    page.goto(f"/assessments/{lead_draft.pk}/")
    practices = page.locator("form.practice").count()
    answered = 0
    seen: set[str] = set()
    for _ in range(MAX_PRESSES):
        page.keyboard.press("Tab")
        if len(seen) == practices and page.evaluate(FOCUSED) is None:
            break  # past the page's last control, the focus leaves the page
        focused = _check_focus(page, "Tab")
        if focused["practice"]:
            seen.add(focused["practice"])
        if focused["type"] == "radio" and not focused["answered"]:
            _answer(page, answered)
            answered += 1
        elif focused["confirm"] and focused["text"] == "Confirm":
            with _saved(page):
                _press(page, "Enter")
            after = page.evaluate(FOCUSED)
            assert after is not None, "confirming dropped the focus on the page body"
            assert after["visible"], f"no visible focus after confirming: {after['description']}"
        elif len(seen) == practices and not focused["practice"]:
            break  # past the last practice
    else:
        pytest.fail(f"{MAX_PRESSES} presses of Tab did not get past the last practice")
    assert answered == UNANSWERED

    # Back up with Shift+Tab to the submit button in the side column, and press Enter.
    _enter_page(page, "Shift+Tab")  # back in, on the page's last control
    for _ in range(MAX_PRESSES):
        focused = _press(page, "Shift+Tab")
        if focused["tag"] == "button" and re.search(r"\bsubmit\b", focused["text"], re.I):
            break
    else:
        pytest.fail("Shift+Tab never reached the submit button")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    messages = page.locator(".messages").all_inner_texts()
    lead_draft.refresh_from_db()
    assert lead_draft.status == Assessment.Status.SUBMITTED, messages
    assert not lead_draft.answers.filter(carried_over=True).exists()
    first = list(lead_draft.answers.order_by("practice__order")[:UNANSWERED])
    assert [(a.value, a.na_reason) for a in first[:1]] == [("na", NA_REASON)]
    assert [a.value for a in first[1:]] == [CHOICES[i % 3] for i in range(1, UNANSWERED)]


def test_a_chart_shows_its_data_as_a_table_by_keyboard(page, seed_organisation):
    seed_organisation(teams=2, projects_per_team=2, quarters=2)
    _log_in(page, "manager")
    page.goto("/org/")
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-chart]')]"
        ".every(block => block.querySelector('.chart-plot[data-drawn]'))"
    )
    first = page.locator("[data-chart]").first
    summary = first.locator("details.chart-data > summary")
    table = first.locator("table.chart-table")
    assert first.locator(".chart-summary").inner_text().startswith("Projects by overall level:")
    assert not table.is_visible()
    for _ in range(200):
        focused = _press(page, "Tab")
        if focused["tag"] == "summary":
            break
    else:
        pytest.fail("Tab never reached a chart's data toggle")
    assert summary.evaluate("element => element === document.activeElement")

    _press(page, "Enter")
    assert table.is_visible()
    drawn = first.evaluate(
        "block => JSON.parse(block.querySelector('template').content.textContent).data[0].x"
    )
    assert table.locator("tbody th[scope=row]").all_inner_texts() == drawn
    _press(page, "Space")
    assert not table.is_visible()
