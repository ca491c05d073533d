"""The team and project pages across the change from framework v1 to v2."""

import re

import pytest

from tests.insights.framework_versions import periods_across_versions, score_across


@pytest.fixture
def v2_last_quarter(project, other_project):
    periods = periods_across_versions(quarters=6, on_v2=1)
    score_across(periods, climbing=project, flat=other_project)
    return periods


def _rows(html: str) -> dict[str, str]:
    """The project's assessments table: quarter -> the row's text."""
    table = html.split('id="history-heading"')[1]
    rows = re.findall(r"<tr>(.*?)</tr>", table, re.S)
    texts = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip() for row in rows]
    return {text.split(" ")[0]: text for text in texts if text[:2] == "20"}


def test_it_marks_the_first_assessment_on_framework_v2(client_for, alice, project, v2_last_quarter):
    response = client_for(alice).get(f"/projects/{project.slug}/")
    assert response.status_code == 200
    rows = _rows(response.text)
    assert "framework changed (v1 → v2)" in rows["2026-Q1"]
    assert [q for q, text in rows.items() if "framework changed" in text] == ["2026-Q1"]
    assert "overall score 2.00" in rows["2026-Q1"]  # v2: the weakest dimension's score
    assert "overall score 1.75" in rows["2025-Q4"]  # v1: the mean of the dimension scores


def test_it_explains_the_overall_score_on_the_project_and_team_pages(
    client_for, alice, team, project, v2_last_quarter
):
    client = client_for(alice)
    for path in (f"/projects/{project.slug}/", f"/teams/{team.slug}/"):
        response = client.get(path)
        assert response.status_code == 200
        text = re.sub(r"\s+", " ", response.text)
        assert "Overall score (0–2): the weakest dimension's score from framework v2 on" in text
        assert "mean score" not in text.lower() and ">mean " not in text


def test_it_shows_no_framework_badge_on_one_version(client_for, alice, project, other_project):
    periods = periods_across_versions(quarters=3, on_v2=0)
    score_across(periods, climbing=project, flat=other_project)
    response = client_for(alice).get(f"/projects/{project.slug}/")
    assert response.status_code == 200
    assert "framework changed" not in response.text
