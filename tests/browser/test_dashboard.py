"""The organisation dashboard in a real browser, as the demo manager uses it."""

import csv
import io
import re
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.browser

SCREENSHOT = Path(settings.BASE_DIR) / "var" / "screenshots" / "dashboard.png"


@pytest.fixture
def demo_organisation(seed_organisation):
    seed_organisation(teams=3, projects_per_team=2, quarters=3)


def _wait_for_charts(page, count: int) -> None:
    page.wait_for_function(f"document.querySelectorAll('.chart-plot .main-svg').length >= {count}")


def _chart_titles(page) -> list[str]:
    return page.locator(".chart-plot .gtitle").all_text_contents()


def _headline_assessed(page) -> int:
    return int(page.locator('[data-figure="assessed"] .value').inner_text().split()[0])


def _headline_percent(page, figure: str) -> int:
    return int(page.locator(f'[data-figure="{figure}"] .value').inner_text().rstrip("%"))


def test_it_draws_filters_exports_and_links_the_dashboard(
    page, login, console_errors, demo_organisation
):
    login(page, "manager")
    page.goto("/org/")
    _wait_for_charts(page, 3)
    assert console_errors == []

    # A filter swaps the charts in place and puts the view in the address.
    quarters = page.locator("#id_quarter option").all_inner_texts()
    earlier = quarters[1]
    page.select_option("#id_quarter", earlier)
    page.wait_for_url(re.compile(rf"/org/\?quarter={earlier}$"))
    page.wait_for_function(
        "title => [...document.querySelectorAll('.gtitle')].some(t => t.textContent === title)",
        arg=f"Mean level by unit and dimension, {earlier}",
    )
    assert page.locator(".dashboard-heading h2").inner_text() == earlier
    _wait_for_charts(page, 3)

    # The CSV holds the numbers the dashboard shows.
    with page.expect_download() as download:
        page.click("text=Download CSV")
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    latest = {(r["project"], int(r["overall_level"])) for r in rows if r["quarter"] == earlier}
    assert len(latest) == _headline_assessed(page)
    at_level_1 = sum(1 for _, level in latest if level >= 1)
    assert round(100 * at_level_1 / len(latest)) == _headline_percent(page, "level-1")

    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOT, full_page=True)

    # A heatmap row drills down: a unit's row opens the unit (its units or teams), and a
    # team's row opens the team.
    teams = page.locator('[aria-labelledby="completion-heading"] td > a').all_inner_texts()
    for _ in range(4):
        heatmap = '.chart-plot[aria-label^="Mean level by"]'
        page.wait_for_selector(f"{heatmap} .nsewdrag")
        rows_drawn = page.evaluate(
            "selector => document.querySelector(selector).data[0].y.length", heatmap
        )
        cells = page.locator(f"{heatmap} .nsewdrag")
        cells.scroll_into_view_if_needed()
        box = cells.bounding_box()
        before = page.url
        page.mouse.click(box["x"] + box["width"] / 16, box["y"] + box["height"] / (2 * rows_drawn))
        page.wait_for_url(lambda url, before=before: url != before)
        if re.search(r"/teams/[\w-]+/$", page.url):
            break
        assert "unit=" in page.url
        _wait_for_charts(page, 3)
    assert page.locator("h1").inner_text() in teams
    _wait_for_charts(page, 2)
    assert console_errors == []


def test_it_draws_the_project_page_radar_without_a_console_error(
    page, login, console_errors, demo_organisation
):
    login(page, "lead")
    page.goto("/projects/card-transaction-scoring/")
    _wait_for_charts(page, 3)
    assert any(title.startswith("Dimension levels in") for title in _chart_titles(page))
    radar = page.locator('.chart-plot[aria-label^="Dimension levels"] .polarlayer .trace')
    assert radar.count() == 3  # this quarter, the previous one, the organisation median
    assert console_errors == []


def test_it_refuses_the_dashboard_to_a_team_lead(page, login, demo_organisation):
    login(page, "lead")
    response = page.goto("/org/")
    assert response.status == 403
    assert page.locator(".mainnav", has_text="Organisation").count() == 0
