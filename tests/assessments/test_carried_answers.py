"""Last quarter's answers cannot be submitted unseen: submitting with carried answers that
nobody confirmed takes a deliberate step, which works without JavaScript, and the result
page and the CSV say how many answers were confirmed unchanged."""

import csv
import io

import pytest

from assessments.models import Answer, AnswerChange, Assessment
from assessments.services.answering import (
    CarriedAnswersUnconfirmed,
    answer_save,
    assessment_submit,
)
from assessments.services.periods import period_open
from tests.assessments.fixtures import submit_last_quarter


@pytest.fixture
def carried(past_period, period, project, alice) -> Assessment:
    """This quarter's draft, every answer carried over from last quarter's submission."""
    submit_last_quarter(past_period, project, alice, value="partly")
    period_open(period=period)
    draft = Assessment.objects.get(period=period, project=project)
    assert draft.answers.filter(carried_over=True).count() == draft.answers.count()
    return draft


def test_it_refuses_to_submit_carried_answers_nobody_confirmed(carried, alice):
    with pytest.raises(CarriedAnswersUnconfirmed) as refused:
        assessment_submit(assessment=carried, user=alice)
    assert refused.value.count == carried.answers.count()
    assert Assessment.objects.get(pk=carried.pk).status == "draft"


def test_it_confirms_them_all_and_submits_on_request(carried, alice):
    total = carried.answers.count()
    assessment_submit(assessment=carried, user=alice, confirm_carried=True)
    carried.refresh_from_db()
    assert (carried.status, carried.confirmed_unchanged) == ("submitted", total)
    assert not carried.answers.filter(carried_over=True).exists()
    assert AnswerChange.objects.filter(answer__assessment=carried, field="confirmed").count() == (
        total
    )


def test_it_counts_answers_confirmed_one_by_one_and_not_those_changed(carried, alice):
    first, second, *rest = carried.answers.select_related("practice").order_by("practice__order")
    answer_save(
        assessment=carried, answer=first, expected_version=first.version, user=alice, value="partly"
    )  # confirmed as it was
    answer_save(
        assessment=carried, answer=second, expected_version=second.version, user=alice, value="yes"
    )  # changed
    assert Answer.objects.get(pk=first.pk).confirmed_unchanged
    assert not Answer.objects.get(pk=second.pk).confirmed_unchanged
    assessment_submit(assessment=carried, user=alice, confirm_carried=True)
    carried.refresh_from_db()
    assert carried.confirmed_unchanged == 1 + len(rest)


def test_it_asks_for_the_deliberate_step_in_a_plain_form(client_for, alice, carried):
    client = client_for(alice)
    total = carried.answers.count()
    page = client.get(carried.get_absolute_url()).text
    assert f"{total} answers are last quarter's and not confirmed" in page
    assert 'name="confirm_carried" value="all"' in page
    assert f"Confirm {total} and submit" in page

    refused = client.post(f"/assessments/{carried.pk}/submit/", follow=True)
    assert "Not submitted" in refused.text and "not confirmed" in refused.text
    assert Assessment.objects.get(pk=carried.pk).status == "draft"

    done = client.post(
        f"/assessments/{carried.pk}/submit/", {"confirm_carried": "all"}, follow=True
    )
    assert Assessment.objects.get(pk=carried.pk).status == "submitted"
    assert f"{total} answers carried from last quarter and confirmed unchanged" in done.text


def test_it_records_the_count_in_the_csv(client_for, alice, carol, carried):
    assessment_submit(assessment=carried, user=alice, confirm_carried=True)
    response = client_for(carol).get(f"/org/export.csv?quarter={carried.period.key}")
    text = b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff")
    rows = [
        row for row in csv.DictReader(io.StringIO(text)) if row["quarter"] == carried.period.key
    ]
    assert rows and {row["answers_confirmed_unchanged"] for row in rows} == {
        str(carried.answers.count())
    }
