"""Results awaiting review in the figures: the organisation chooses whether they count. When
they do not, the organisation, unit, team and project figures and the targets leave them
out until a reviewer accepts them; completion counts them either way. Every dashboard says
what its charts are built on, and the CSV says each result's review."""

import csv
import io
import re

import pytest

from assessments.models import Assessment, PracticeGap, ReviewPolicy
from assessments.rules import review as review_rules
from assessments.services.answering import assessment_submit
from assessments.services.rollups import rollups_refresh
from improvement.selectors.targets import project_targets
from insights.figure_text import figure_summary
from reviews.services.reviews import ReviewInput, review_accept
from tests.assessments.factories import score_assessment
from tests.assessments.fixtures import answer_all
from tests.factories import ProjectFactory
from tests.improvement.factories import TargetRuleFactory
from tests.insights.review_data import count_awaiting, review
from tests.insights.unit_data import small_tree, unit_manager

PENDING, REVIEWED = Assessment.Review.PENDING, Assessment.Review.REVIEWED


@pytest.fixture
def tree(db):
    return small_tree()


@pytest.fixture
def top_result(tree) -> Assessment:
    """Fraud Detection's level-2 result (2/2, score 2.0), awaiting review."""
    found = Assessment.objects.get(project__team=tree.teams["fraud"], overall_level=2)
    return review(found, PENDING)


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.text))


def _heatmap(response) -> dict[str, list]:
    trace = response.context["page"].charts["heatmap"]["data"][0]
    return dict(zip(trace["y"], trace["z"], strict=True))


def _csv_rows(response) -> list[dict]:
    text = b"".join(response.streaming_content).decode("utf-8").removeprefix("\ufeff")
    return list(csv.DictReader(io.StringIO(text)))


# --- The organisation and its units -----------------------------------------------------------


def test_a_result_awaiting_review_counts_when_the_organisation_counts_it(
    client_for, carol, top_result
):
    count_awaiting(True)
    response = client_for(carol).get("/org/")
    current = response.context["page"].data.current
    assert current.by_level == (2, 2, 1)
    assert current.level_2_percent == 20
    # Data division: data levels 2, 0, 1 and deployment 2, 1, 1.
    assert _heatmap(response)["Data division (2 teams)"] == [1.0, pytest.approx(4 / 3, abs=0.01)]
    assert response.context["page"].data.trend[-1].quartiles.median == 1.5
    assert "Built on 5 results: 0 reviewed, 4 self-assessed, 1 awaiting review — counted" in (
        _text(response)
    )


def test_a_result_awaiting_review_is_left_out_when_the_organisation_says_so(
    client_for, carol, top_result
):
    count_awaiting(False)
    response = client_for(carol).get("/org/")
    page = response.context["page"]
    current = page.data.current
    assert current.by_level == (2, 2, 0)
    assert (current.assessed, current.due, current.completion_percent) == (5, 6, 83)
    assert (current.level_1_or_more_percent, current.level_2_percent) == (50, 0)  # of 4
    # Data division without the level-2 result: data levels 0, 1; deployment 1, 1.
    assert _heatmap(response)["Data division (2 teams)"] == [0.5, 1.0]
    assert page.data.trend[-1].quartiles.median == 1.25  # of 1.0, 1.5, 0.5, 1.75
    data = next(row for row in page.rollup.rows if row.name == "Data division")
    assert (data.assessed, data.level_1_or_more_percent, data.median_score) == (3, 50, 1.25)
    text = _text(response)
    assert "Built on 4 results: 0 reviewed, 4 self-assessed, 1 awaiting review — not counted" in (
        text
    )
    assert "1 result awaiting review in 2026-Q1 not counted" in figure_summary(
        page.charts["levels"]
    )


def test_a_reviewed_result_counts_whatever_the_choice(client_for, carol, tree):
    found = Assessment.objects.get(project__team=tree.teams["fraud"], overall_level=2)
    review(found, REVIEWED)
    count_awaiting(False)
    response = client_for(carol).get("/org/")
    assert response.context["page"].data.current.by_level == (2, 2, 1)
    assert "Built on 5 results: 1 reviewed, 4 self-assessed." in _text(response)


def test_changing_the_choice_changes_the_figures_at_once(client_for, carol, top_result):
    client = client_for(carol)
    assert client.get("/org/").context["page"].data.current.by_level == (2, 2, 1)  # default
    count_awaiting(False)
    assert client.get("/org/").context["page"].data.current.by_level == (2, 2, 0)


def test_a_unit_managers_dashboard_follows_the_choice(client_for, tree, top_result):
    count_awaiting(False)
    response = client_for(unit_manager(tree.units["data"])).get("/org/")
    current = response.context["page"].data.current
    assert (current.assessed, current.by_level) == (3, (1, 1, 0))
    text = _text(response)
    assert "Built on 2 results: 0 reviewed, 2 self-assessed, 1 awaiting review — not counted" in (
        text
    )
    assert "1 awaiting review" in text and "2 self-assessed" in text


def test_the_common_gaps_leave_out_a_result_awaiting_review(client_for, carol, top_result):
    common = {
        "assessment": top_result,
        "period": top_result.period,
        "team": top_result.project.team,
    }
    PracticeGap.objects.create(
        **common, project=top_result.project, practice_key="data-tests", dimension_key="data"
    )
    PracticeGap.objects.filter(assessment=top_result).update(awaiting_review=True)
    rollups_refresh(period_id=top_result.period_id, team_id=top_result.project.team_id)
    count_awaiting(True)
    client = client_for(carol)
    gaps = client.get("/org/").context["page"].data.gaps
    assert [(gap.practice_key, gap.projects_held_back) for gap in gaps] == [("data-tests", 1)]
    count_awaiting(False)
    assert client.get("/org/").context["page"].data.gaps == []


def test_a_mover_awaiting_review_is_marked_and_left_out_when_not_counted(client_for, carol, tree):
    earlier, latest = tree.periods
    project = ProjectFactory(team=tree.teams["search"], name="Basket Model")
    score_assessment(project=project, period=earlier, levels={"data": 0, "deployment": 0})
    rising = score_assessment(project=project, period=latest, levels={"data": 2, "deployment": 2})
    review(rising, PENDING)
    client = client_for(carol)
    movers = client.get("/org/").context["page"].data.movers
    assert [(m.name, m.review) for m in movers] == [("Basket Model", "Awaiting review")]
    assert "Awaiting review</span>" in client.get("/org/").text
    count_awaiting(False)
    assert client.get("/org/").context["page"].data.movers == []


# --- The team and project pages ---------------------------------------------------------------


def test_the_team_page_says_what_its_charts_are_built_on(client_for, carol, tree, top_result):
    team = tree.teams["fraud"]
    client = client_for(carol)
    counted = client.get(f"/teams/{team.slug}/")
    rows = counted.context["charts"]["heatmap"]["data"][0]
    labelled = dict(zip(rows["y"], rows["z"], strict=True))
    name = top_result.project.name
    assert labelled[f"{name} (awaiting review)"] == [2.0, 2.0]
    assert "Built on 2 results: 0 reviewed, 1 self-assessed, 1 awaiting review — counted" in (
        _text(counted)
    )
    count_awaiting(False)
    left_out = client.get(f"/teams/{team.slug}/")
    rows = left_out.context["charts"]["heatmap"]["data"][0]
    labelled = dict(zip(rows["y"], rows["z"], strict=True))
    assert labelled[f"{name} (awaiting review)"] == [None, None]  # due, not counted yet
    assert left_out.context["insights"].trend[-1].quartiles.count == 1
    assert "Built on 1 result: 0 reviewed, 1 self-assessed, 1 awaiting review — not counted" in (
        _text(left_out)
    )


def test_a_team_whose_only_result_awaits_review_says_why_it_has_no_charts(client_for, carol, tree):
    team = tree.teams["search"]
    review(Assessment.objects.get(project__team=team), PENDING)
    count_awaiting(False)
    response = client_for(carol).get(f"/teams/{team.slug}/")
    assert response.context["charts"] == {}
    assert "1 submission awaits review." in _text(response)


def test_the_project_page_leaves_out_its_result_awaiting_review(client_for, carol, top_result):
    client = client_for(carol)
    page = f"/projects/{top_result.project.slug}/"
    assert client.get(page).context["insights"].history  # counted by default
    count_awaiting(False)
    response = client.get(page)
    assert response.context["insights"].history == []
    assert "The result of 2026-Q1 awaits review" in _text(response)


def test_targets_are_judged_on_the_results_that_count(tree, top_result):
    TargetRuleFactory(level=2)
    project = top_result.project
    assert project_targets(projects=[project.pk])[project.pk].status == "met"
    count_awaiting(False)
    assert project_targets(projects=[project.pk])[project.pk].status == "no_assessment"


# --- The CSV ----------------------------------------------------------------------------------


def test_the_csv_says_each_results_review(client_for, carol, tree, top_result):
    searched = Assessment.objects.get(project__team=tree.teams["search"])
    review(searched, REVIEWED)
    rows = _csv_rows(client_for(carol).get("/org/export.csv"))
    assert list(rows[0])[-1] == "review"
    by_project = {row["project"]: row["review"] for row in rows}
    assert by_project[top_result.project.name] == "Awaiting review"
    assert by_project[searched.project.name] == "Reviewed"
    assert {review for review in by_project.values()} == {
        "Awaiting review",
        "Reviewed",
        "Self-assessed",
    }
    team = tree.teams["fraud"]
    team_rows = _csv_rows(client_for(carol).get(f"/teams/{team.slug}/export.csv"))
    assert {row["review"] for row in team_rows} == {"Awaiting review", "Self-assessed"}


# --- Through the workflow ---------------------------------------------------------------------


def test_a_submission_counts_as_reviewed_once_a_reviewer_accepts_it(
    client_for, carol, alice, rhea, assessment
):
    ReviewPolicy.objects.create(pk=1, rule=review_rules.EVERY, count_awaiting_review=False)
    answer_all(assessment, "yes")
    assessment_submit(assessment=assessment, user=alice)
    client = client_for(carol)
    waiting = client.get("/org/")
    assert "1 awaiting review" in waiting.text and "0 reviewed" in waiting.text
    assert waiting.context["page"].data.current.by_level == (0, 0, 0)
    assessment.refresh_from_db()
    review_accept(assessment=assessment, reviewer=rhea, decision=ReviewInput())
    accepted = client.get("/org/")
    assert "1 reviewed" in accepted.text and "0 awaiting review" in accepted.text
    assert sum(accepted.context["page"].data.current.by_level) == 1
