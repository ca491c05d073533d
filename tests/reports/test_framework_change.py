"""A report of the first quarter on framework v2 marks the change on its charts, and shows
the v1 quarter's figures without comparing them with v2's."""

import re
import shutil
from unittest import mock

import pytest
from django.core.cache import cache

from insights.page_figures import report_figures
from reports import selectors
from reports import services as reports
from reports.models import Report
from tests.conftest import require_service
from tests.insights.framework_versions import marks, periods_across_versions, score_across

V2_MARK = ("2026-Q1", "Framework v2")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.REPORT_CHART_BROWSER_PATH = ""  # the HTML is what is checked here
    cache.clear()


@pytest.fixture
def v2_last_quarter(project, other_project):
    periods = periods_across_versions(quarters=6, on_v2=1)
    score_across(periods, climbing=project, flat=other_project)
    return periods


def _html(report: Report, *, markup: bool = False) -> str:
    """The generated report's HTML file, as text a reader sees unless `markup`."""
    with mock.patch("reports.tasks.report_email_send.delay_on_commit"):
        done = reports.report_generate(report_id=report.pk)
    assert done.status == "done", done.error
    with done.html_file.open("rb") as file:
        html = file.read().decode()
    return html if markup else re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_it_marks_the_change_on_the_reports_charts_and_says_so_in_the_captions(
    v2_last_quarter, team
):
    for scope in ({"scope": "organisation"}, {"scope": "team", "team": team}):
        report = Report.objects.create(period=v2_last_quarter[-1], **scope)
        data = selectors.report_data(report=report)
        charts = report_figures(
            data.dashboard, heatmap=data.heatmap, team=data.team, reference=data.reference_trend
        )
        by_key = {chart.key: chart for chart in charts}
        assert marks(by_key["trend"].figure) == [V2_MARK]
        assert marks(by_key["levels"].figure) == [V2_MARK]
        for key in ("trend", "levels"):
            assert "The dashed line marks a new framework version" in by_key[key].caption
        assert "overall score" in by_key["trend"].caption


def test_it_shows_the_v1_quarter_beside_v2_without_a_rise_or_a_fall(v2_last_quarter):
    report = Report.objects.create(scope="organisation", period=v2_last_quarter[-1])
    headline = selectors.report_data(report=report).headline
    assert headline.framework_change == "v1 → v2"
    text = _html(report)
    assert text.count("in 2025-Q4; framework changed (v1 → v2)") == 3  # L1+, L2, median
    assert "median project's overall score (0–2)" in text
    assert (
        "2026-Q1 uses framework v2, which scores levels differently from 2025-Q4's v1: the "
        "earlier figures are shown, not compared."
    ) in text


def test_it_leaves_cross_version_movers_and_stalled_projects_out_with_a_note(v2_last_quarter):
    report = Report.objects.create(scope="organisation", period=v2_last_quarter[-1])
    text = _html(report)
    assert (
        "2 projects were assessed in both 2025-Q4 and 2026-Q1 and moved to framework v2; "
        "their change is not compared, because v2 scores levels differently."
    ) in text
    assert "Framework v2 began in 2026-Q1: a project counts as stalled once" in text
    assert "Product ranker" not in text.split("Stalled for a year")[1].split("Most common")[0]
    assert "Mean score" not in text and "mean score" not in text


def test_it_compares_as_before_within_one_version(v2_last_quarter):
    report = Report.objects.create(scope="organisation", period=v2_last_quarter[-2])
    data = selectors.report_data(report=report)
    charts = report_figures(data.dashboard, heatmap=data.heatmap, team=None, reference=[])
    assert all(marks(chart.figure) == [] for chart in charts if chart.key != "heatmap")
    text = _html(report)
    assert "framework changed" not in text.lower()
    assert "Overall score a year ago → now" in text  # Product ranker, stalled on v1


def test_it_draws_the_marked_charts_as_images(v2_last_quarter, team, settings):
    browser = shutil.which("chromium")
    if not browser:
        require_service("Chromium for the chart images: set BROWSER_PATH")
    settings.REPORT_CHART_BROWSER_PATH = browser
    report = Report.objects.create(scope="team", team=team, period=v2_last_quarter[-1])
    html = _html(report, markup=True)
    assert "Charts unavailable" not in html
    assert html.count('src="data:image/png;base64,') == 3  # trend, levels, heatmap
