"""A person deleted by an admin leaves their answers, changes, submissions and report
requests behind: every page still renders, naming them "a former member"."""

import pytest
from django.contrib.auth.models import User

from assessments.services.answering import answer_save, assessment_submit
from reports.models import Report
from tests.assessments.fixtures import answer_all
from tests.factories import UserFactory


@pytest.fixture
def gone(team) -> User:
    user = UserFactory(username="gone", first_name="Gail", last_name="Gone")
    team.memberships.create(user=user, role="lead")
    return user


def test_it_renders_the_questionnaire_after_its_author_was_deleted(
    client_for, alice, gone, assessment
):
    answer = assessment.answers.select_related("practice").first()
    answer_save(assessment=assessment, answer=answer, expected_version=0, user=gone, value="yes")
    gone.delete()
    response = client_for(alice).get(assessment.get_absolute_url())
    assert response.status_code == 200
    assert "a former member" in response.text  # "Saved by a former member"
    assert "A former member changed value" in response.text  # the change history


def test_it_renders_results_team_and_report_pages_after_a_deletion(
    client_for, carol, team, gone, assessment, period
):
    answer_all(assessment, "yes")
    assessment_submit(assessment=assessment, user=gone)
    report = Report.objects.create(scope="organisation", period=period, requested_by=gone)
    gone.delete()
    client = client_for(carol)
    for url in (
        assessment.get_absolute_url(),
        f"/teams/{team.slug}/",
        "/reports/",
        report.get_absolute_url(),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    assert "by a former member" in client.get(assessment.get_absolute_url()).text
