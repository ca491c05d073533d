"""The questionnaire page: grouped practices, saved state, history, overdue and closed."""

import datetime

import pytest
import time_machine

from assessments.models import Assessment
from assessments.services import periods
from assessments.services.answering import answer_save
from tests.assessments.conftest import answer_all, submit_last_quarter

READ_MATRIX = {
    "anonymous": 302,
    "outsider": 404,
    "other_lead": 404,
    "member": 200,
    "lead": 200,
    "management": 200,
    "admin": 200,
}


@pytest.mark.parametrize("persona", READ_MATRIX)
def test_it_authorises_each_persona(persona, personas, client_for, assessment):
    response = client_for(personas[persona]).get(f"/assessments/{assessment.pk}/")
    assert response.status_code == READ_MATRIX[persona]


def test_it_groups_practices_by_dimension_with_help(client_for, alice, assessment):
    text = client_for(alice).get(f"/assessments/{assessment.pk}/").text
    dimensions = list(assessment.period.framework.dimensions.values_list("name", flat=True))
    positions = [text.index(f">{name}</h2>") for name in dimensions]
    assert positions == sorted(positions)
    assert text.count('class="practice') == assessment.answers.count()
    assert "What counts, and why it matters" in text
    assert f"0 of {assessment.answers.count()} answered" in text


def test_it_shows_exactly_what_was_saved_after_a_reload(client_for, alice, assessment):
    answer = assessment.answers.select_related("practice").first()
    answer_save(
        assessment=assessment,
        answer=answer,
        expected_version=0,
        user=alice,
        value="na",
        na_reason="Batch only",
        note="Checked with ops",
    )
    text = client_for(alice).get(f"/assessments/{assessment.pk}/").text
    assert 'value="na" checked' in text
    assert 'value="Batch only"' in text
    assert "Checked with ops" in text
    assert "History (3 changes)" in text


def test_it_marks_carried_over_answers_and_differences(
    client_for, alice, past_period, period, project
):
    submit_last_quarter(past_period, project, alice, "partly")
    periods.period_open(period=period)
    draft = Assessment.objects.get(period=period, project=project)
    answer = draft.answers.select_related("practice").first()
    answer_save(assessment=draft, answer=answer, expected_version=0, user=alice, value="yes")
    text = client_for(alice).get(f"/assessments/{draft.pk}/").text
    assert text.count("Carried over from last quarter: confirm or change.") == (
        draft.answers.count() - 1
    )
    assert "changed since" in text


def test_it_shows_a_draft_past_its_due_date_as_overdue(client_for, alice, assessment):
    with time_machine.travel(assessment.period.due_on + datetime.timedelta(days=2)):
        text = client_for(alice).get(f"/assessments/{assessment.pk}/").text
    assert "Overdue since" in text
    assert "disabled" not in text.split('class="practice')[1].split("</fieldset>")[0][:400]


def test_it_is_read_only_after_closing(client_for, alice, assessment):
    with time_machine.travel(assessment.period.closes_on + datetime.timedelta(days=1)):
        text = client_for(alice).get(f"/assessments/{assessment.pk}/").text
    assert "is closed, so its answers are read-only" in text
    assert "<fieldset disabled>" in text
    assert "Submit assessment" not in text


def test_it_renders_in_a_constant_number_of_queries(
    client_for, alice, assessment, django_assert_max_num_queries
):
    # session, user, assessment (+role), dimensions, answers, previous answers, change log,
    # previous assessment, navigation role checks (management, unit manager, in a team:
    # the Initiatives item), and the project's done actions whose practices are asked
    # first (improvement's planned_first tag, issue 12), the project's exemptions
    client = client_for(alice)
    with django_assert_max_num_queries(13) as few:
        client.get(f"/assessments/{assessment.pk}/")
    answer_all(assessment, "partly")
    for answer in assessment.answers.all()[:20]:
        answer_save(
            assessment=assessment, answer=answer, expected_version=0, user=alice, value="yes"
        )
    with django_assert_max_num_queries(13) as many:
        client.get(f"/assessments/{assessment.pk}/")
    assert len(few) == len(many)
