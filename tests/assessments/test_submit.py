"""Submitting: every practice answered, once, with stored scores and a results page."""

import pytest

from assessments.models import Assessment, DimensionScore, PracticeGap
from assessments.services.answering import assessment_submit
from tests.assessments.conftest import answer_all


def _submit(client, assessment):
    return client.post(f"/assessments/{assessment.pk}/submit/", follow=True)


def test_it_refuses_an_incomplete_submission_and_lists_what_is_missing(
    client_for, alice, assessment
):
    first = assessment.answers.select_related("practice").order_by("practice__order").first()
    first.value = "yes"
    first.save()
    response = _submit(client_for(alice), assessment)
    total = assessment.answers.count()
    assert f"Not submitted: {total - 1} practices still need an answer" in response.text
    assert f"{total - 1} practices still to answer" in response.text
    assert 'href="#practice-' in response.text
    assessment.refresh_from_db()
    assert assessment.status == "draft"
    assert not DimensionScore.objects.exists()


def test_it_submits_once_and_stores_a_score_per_dimension(client_for, alice, assessment):
    answer_all(assessment, "yes")
    client = client_for(alice)
    response = _submit(client, assessment)
    assert "is at level 2" in response.text
    _submit(client, assessment)  # a double click
    assessment.refresh_from_db()
    assert (assessment.status, assessment.submitted_by, assessment.overall_level) == (
        "submitted",
        alice,
        2,
    )
    assert DimensionScore.objects.filter(assessment=assessment).count() == 8
    assert not PracticeGap.objects.exists()


def test_it_makes_one_submission_when_the_service_runs_twice(alice, assessment):
    answer_all(assessment, "no")
    first = assessment_submit(assessment=assessment, user=alice)
    second = assessment_submit(assessment=Assessment.objects.get(pk=assessment.pk), user=alice)
    assert first.newly_submitted and not second.newly_submitted
    assert DimensionScore.objects.filter(assessment=assessment).count() == 8


@pytest.mark.parametrize("persona", ["member", "management"])
def test_it_lets_only_leads_submit(persona, personas, client_for, assessment):
    answer_all(assessment, "yes")
    response = client_for(personas[persona]).post(f"/assessments/{assessment.pk}/submit/")
    assert response.status_code == 403
    assert Assessment.objects.get(pk=assessment.pk).status == "draft"


def test_it_shows_results_with_the_weakest_dimension_and_next_steps(client_for, alice, assessment):
    answer_all(assessment, "yes", **{"models-built-from-code": "no", "business-kpi-tracking": "no"})
    assessment_submit(assessment=assessment, user=alice)
    response = client_for(alice).get(f"/assessments/{assessment.pk}/")
    text = response.text
    assert "is at level 0" in text
    assert "The weakest dimension" in text
    assert "Top next steps" in text
    assessment.refresh_from_db()
    assert set(assessment.anti_patterns) == {"notebooks_in_production", "liveness_only_monitoring"}
    assert text.count("⚠") == 2


def test_it_stores_the_practices_holding_the_project_back(alice, assessment):
    answer_all(assessment, "yes", **{"models-built-from-code": "no"})
    assessment_submit(assessment=assessment, user=alice)
    assert list(PracticeGap.objects.values_list("practice_key", flat=True)) == [
        "models-built-from-code"
    ]
