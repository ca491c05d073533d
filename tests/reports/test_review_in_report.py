"""Reviews in the printed report: how many of the quarter's results were reviewed, how many
await review and whether the figures count them, and each project's review in the tables."""

import re
from unittest import mock

import pytest
from django.core.cache import cache

from assessments.models import Assessment, ReviewPolicy
from assessments.rules import review as review_rules
from assessments.services.answering import assessment_submit
from reports import services as reports
from reports.models import Report
from reviews.services.reviews import ReviewInput, review_accept
from tests.assessments.fixtures import answer_all
from tests.insights.review_data import count_awaiting
from tests.reports.test_reports import pdf_text


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.REPORT_CHART_BROWSER_PATH = ""  # the tables say it all; no Chromium needed
    cache.clear()


@pytest.fixture
def reviewed_one(assessment, other_assessment, alice, dave, rhea):
    """Every submission waits for review; the reviewer accepts the team's (all "partly":
    level 0), the other team's (all "fully in place": level 2) still waits."""
    ReviewPolicy.objects.create(pk=1, rule=review_rules.EVERY)
    answer_all(assessment, "partly")
    answer_all(other_assessment, "yes")
    assessment_submit(assessment=assessment, user=alice)
    assessment_submit(assessment=other_assessment, user=dave)
    assessment.refresh_from_db()
    review_accept(assessment=assessment, reviewer=rhea, decision=ReviewInput())
    return assessment.period


def generate(report: Report) -> tuple[str, str]:
    """The report's HTML as text, and its PDF's text."""
    with mock.patch("reports.tasks.report_email_send.delay_on_commit"):
        done = reports.report_generate(report_id=report.pk)
    assert done.status == "done", done.error
    with done.html_file.open("rb") as file:
        html = file.read().decode()
    _, text = pdf_text(done)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)), re.sub(r"\s+", " ", text)


def test_the_summary_says_how_many_results_were_reviewed(reviewed_one):
    html, pdf = generate(Report.objects.create(scope="organisation", period=reviewed_one))
    sentence = "1 of 2 results reviewed; 1 awaiting review (counted in these figures)."
    assert sentence in html
    assert sentence in pdf
    assert "0 self-assessed" in html
    assert "50% at level 2 (CI/CD of ML pipelines)" in html


def test_the_summary_says_when_results_awaiting_review_are_not_counted(reviewed_one):
    count_awaiting(False)
    report = Report.objects.create(scope="organisation", period=reviewed_one)
    html, _ = generate(report)
    assert "1 of 2 results reviewed; 1 awaiting review (not counted in these figures)." in html
    assert "count in no level, score or gap here until a reviewer accepts them" in html
    # The figures are the reviewed result's alone (level 0, score 0.5): not the level 2
    # awaiting review. Completion counts both.
    assert "0% at level 2 (CI/CD of ML pipelines) 0.50 median project's overall score" in html
    assert "2/2 projects assessed" in html  # completion counts both


def test_a_teams_report_marks_each_projects_review(reviewed_one, team, other_team, project):
    html, pdf = generate(Report.objects.create(scope="team", team=team, period=reviewed_one))
    assert f"{project.name} Production Submitted Reviewed" in html
    assert "Reviewed" in pdf
    other, _ = generate(Report.objects.create(scope="team", team=other_team, period=reviewed_one))
    assert "Submitted Awaiting review" in other


def test_a_returned_draft_reads_as_returned_in_its_teams_report(reviewed_one, other_team):
    Assessment.objects.filter(project__team=other_team).update(
        status=Assessment.Status.DRAFT, review_status=Assessment.Review.RETURNED
    )
    html, _ = generate(Report.objects.create(scope="team", team=other_team, period=reviewed_one))
    assert "Draft Returned for changes" in html
