"""The loop closes: an action done for a practice puts that practice first in the next
quarter's questionnaire ("You planned this: is it in place now?"), asked there only."""

import datetime
import re

import pytest
from django.utils import timezone

from assessments.models import Answer, Assessment
from assessments.services.periods import period_open
from improvement.services.actions import action_from_recommendation, action_set_status
from tests.assessments.fixtures import submit_last_quarter
from tests.improvement.factories import ActionFactory

DUE = datetime.date(2027, 3, 31)
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def last_quarter(past_period, project, alice, bob) -> Assessment:
    return submit_last_quarter(past_period, project, alice, "partly")


def _plan_three(last_quarter, client, alice):
    """The top three next steps into the plan, as the result page does."""
    steps = client.get(f"/assessments/{last_quarter.pk}/").context["top_steps"]
    return [
        action_from_recommendation(
            assessment=last_quarter,
            practice_key=step.practice_key,
            owner=alice,
            due_on=DUE,
            user=alice,
        )
        for step in steps
    ]


def _draft(period, project) -> Assessment:
    period_open(period=period)
    return Assessment.objects.get(period=period, project=project)


def _forms(text: str) -> list[str]:
    return re.findall(r'<form class="practice[^"]*" id="practice-([\w-]+)"', text)


def test_a_done_action_puts_its_practice_first_in_the_next_draft(
    client_for, alice, last_quarter, period, project
):
    client = client_for(alice)
    planned = _plan_three(last_quarter, client, alice)
    done = action_set_status(action=planned[1], status="done", version=1, user=alice)
    draft = _draft(period, project)
    text = client.get(f"/assessments/{draft.pk}/").text
    assert "You planned these" in text
    assert "You planned this: is it in place now?" in text
    assert f"“{done.title}” · Alice · done {timezone.localdate():%-d %b %Y}" in text
    forms = _forms(text)
    assert forms[0] == done.practice_key
    assert len(forms) == len(set(forms)) == draft.answers.count()  # each practice once
    section = text.split('id="planned-heading"')[1].split("</section>")[0]
    assert planned[0].practice_key not in section and planned[2].practice_key not in section
    assert '<li><a href="#planned">You planned these</a></li>' in text


def test_autosave_works_for_a_practice_asked_first(
    client_for, alice, last_quarter, period, project
):
    action = ActionFactory(project=project, owner=alice, practice_key="data-schema")
    action_set_status(action=action, status="done", version=1, user=alice)
    draft = _draft(period, project)
    client = client_for(alice)
    answer = Answer.objects.get(assessment=draft, practice__key="data-schema")
    assert 'id="status-data-schema"' in client.get(f"/assessments/{draft.pk}/").text
    response = client.post(
        f"/assessments/{draft.pk}/answers/data-schema/",
        {"value": "yes", "version": answer.version},
        **HTMX,
    )
    assert response.status_code == 200
    assert 'id="status-data-schema"' in response.text and "✓ Saved" in response.text
    # Answered "yes" in this draft, it stays at the top: the page does not reshuffle.
    text = client.get(f"/assessments/{draft.pk}/").text
    assert _forms(text)[0] == "data-schema"


def test_a_practice_already_in_place_last_quarter_is_not_asked_first(
    client_for, alice, past_period, period, project
):
    submit_last_quarter(past_period, project, alice, "yes")
    action = ActionFactory(project=project, owner=alice, practice_key="data-schema")
    action_set_status(action=action, status="done", version=1, user=alice)
    draft = _draft(period, project)
    assert "You planned these" not in client_for(alice).get(f"/assessments/{draft.pk}/").text


def test_actions_done_before_the_last_submission_are_not_asked_again(
    client_for, alice, last_quarter, period, project
):
    ActionFactory(
        project=project,
        owner=alice,
        practice_key="data-schema",
        status="done",
        done_at=last_quarter.submitted_at - datetime.timedelta(days=1),
    )
    draft = _draft(period, project)
    assert "You planned these" not in client_for(alice).get(f"/assessments/{draft.pk}/").text


def test_without_an_earlier_submission_every_done_action_counts(
    client_for, alice, assessment, project
):
    ActionFactory(
        project=project,
        owner=alice,
        practice_key="data-schema",
        status="done",
        done_at=timezone.now() - datetime.timedelta(days=300),
    )
    ActionFactory(
        project=project,
        owner=alice,
        practice_key="data-versioning",
        status="dropped",
        dropped_reason="Not now",
    )
    text = client_for(alice).get(f"/assessments/{assessment.pk}/").text
    section = text.split('id="planned-heading"')[1].split("</section>")[0]
    assert 'id="practice-data-schema"' in section
    assert "data-versioning" not in section


@pytest.mark.parametrize("done", [1, 6])
def test_the_questionnaire_asks_first_in_a_fixed_number_of_queries(
    done, client_for, alice, last_quarter, period, project, django_assert_num_queries
):
    keys = list(last_quarter.answers.values_list("practice__key", flat=True)[:done])
    for key in keys:
        action = ActionFactory(project=project, owner=alice, practice_key=key)
        action_set_status(action=action, status="done", version=1, user=alice)
    draft = _draft(period, project)
    client = client_for(alice)
    # The questionnaire's own (tests/assessments/test_assessment_page.py) and one for the
    # done actions, whatever their number.
    with django_assert_num_queries(13):
        text = client.get(f"/assessments/{draft.pk}/").text
    assert set(_forms(text)[:done]) == set(keys)
