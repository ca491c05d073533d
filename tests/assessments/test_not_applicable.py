"""A dimension marked wholly "not applicable" is not assessed: no level, left out of the
overall level and the mean, and shown as such on the result page, the dashboard and the CSV.
Before, it scored level 2 and lifted the mean."""

import csv
import io

import pytest

from assessments.models import Assessment, DimensionScore
from assessments.services.answering import assessment_submit
from tests.assessments.fixtures import answer_all


def _exempt(assessment: Assessment, dimension: str, *, keep: int = 0) -> None:
    """Mark every practice of `dimension` not applicable except the first `keep`."""
    answers = assessment.answers.filter(practice__dimension__key=dimension).order_by(
        "practice__order"
    )
    for answer in list(answers)[keep:]:
        answer.value, answer.na_reason = "na", "We do not have this."
        answer.save()


@pytest.fixture
def monitoring_exempt(assessment, alice) -> Assessment:
    answer_all(assessment, "partly")
    _exempt(assessment, "monitoring")
    assessment_submit(assessment=assessment, user=alice)
    assessment.refresh_from_db()
    return assessment


def test_it_stores_the_dimension_as_not_assessed(monitoring_exempt):
    row = DimensionScore.objects.get(assessment=monitoring_exempt, dimension_key="monitoring")
    assert (row.level, row.progress, row.score) == (None, None, None)
    assert row.not_applicable_count == row.practice_count > 0
    others = DimensionScore.objects.filter(assessment=monitoring_exempt, level__isnull=False)
    assert others.count() == 7
    assert monitoring_exempt.overall_score == pytest.approx(
        sum(score.score for score in others) / 7
    )
    assert monitoring_exempt.weakest_dimension_key != "monitoring"


def test_it_never_lifts_a_project_to_level_two_by_exempting_its_weak_dimensions(assessment, alice):
    answer_all(assessment, "yes")
    for dimension in assessment.answers.values_list("practice__dimension__key", flat=True):
        _exempt(assessment, dimension)
    assessment_submit(assessment=assessment, user=alice)
    assessment.refresh_from_db()
    assert (assessment.overall_level, assessment.overall_score) == (None, None)


def test_it_says_not_assessed_on_the_result_page(client_for, alice, monitoring_exempt):
    text = client_for(alice).get(monitoring_exempt.get_absolute_url()).text
    assert "not assessed" in text
    assert "left out of the overall level and score" in text
    assert "Mean across the 7 assessed dimensions" in text


def test_it_flags_a_dimension_mostly_not_applicable_on_the_result_page(
    client_for, alice, assessment
):
    answer_all(assessment, "yes")
    _exempt(assessment, "data", keep=1)
    assessment_submit(assessment=assessment, user=alice)
    text = client_for(alice).get(assessment.get_absolute_url()).text
    row = DimensionScore.objects.get(assessment=assessment, dimension_key="data")
    assert row.level is not None and row.mostly_not_applicable
    assert (
        f"{row.not_applicable_count} of {row.practice_count} practices marked not applicable"
        in (text)
    )


def test_it_flags_it_on_the_dashboard_and_leaves_it_out_of_the_heatmap_mean(
    client_for, carol, monitoring_exempt
):
    response = client_for(carol).get("/org/")
    page = response.context["page"]
    heatmap = page.data.heatmap
    column = heatmap.columns.index("Monitoring and feedback")
    assert heatmap.values[0][column] is None
    assert heatmap.not_assessed[0][column] == 1
    assert "Dimensions mostly marked not applicable" in response.text
    assert "Monitoring and feedback: 1 project (1 not assessed)" in response.text
    hover = page.charts["heatmap"]["data"][0]["customdata"][0][column]
    assert hover.startswith("not assessed")


def test_it_writes_not_assessed_in_the_csv(client_for, carol, monitoring_exempt):
    response = client_for(carol).get("/org/export.csv")
    text = b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff")
    rows = {row["dimension"]: row for row in csv.DictReader(io.StringIO(text))}
    monitoring = rows["Monitoring and feedback"]
    assert monitoring["dimension_level"] == "not assessed"
    assert monitoring["dimension_score"] == ""
    assert monitoring["practices_not_applicable"] == monitoring["practices"]
