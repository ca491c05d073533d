"""Next steps into the plan from a result page, and the finished actions that moved a
dimension; the result page reads them through improvement's template tags."""

import datetime

import pytest
from django.utils import timezone

from assessments.models import Assessment
from assessments.services.answering import assessment_submit
from assessments.services.periods import period_open
from improvement.models import Action
from improvement.selectors.actions import end_of_next_quarter
from improvement.services.actions import action_set_status
from tests.assessments.fixtures import answer_all, submit_last_quarter
from tests.improvement.factories import ActionFactory

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def result(past_period, project, alice, bob) -> Assessment:
    """Last quarter's submitted assessment, every practice "partly": many next steps."""
    return submit_last_quarter(past_period, project, alice, "partly")


def _steps(client, result) -> list[str]:
    response = client.get(f"/assessments/{result.pk}/")
    return response.context["top_steps"]


def _add(client, result, step, owner, **extra):
    data = {"practice_key": step.practice_key, "owner": owner.pk, "due_on": "2027-03-31"}
    return client.post(f"/assessments/{result.pk}/plan/", data, **extra)


@pytest.mark.parametrize(
    ("persona", "sees_form"),
    [("lead", True), ("admin", True), ("member", False), ("management", False)],
)
def test_only_people_who_add_actions_see_the_add_to_plan_form(
    persona, sees_form, personas, client_for, result
):
    text = client_for(personas[persona]).get(f"/assessments/{result.pk}/").text
    assert (text.count('class="step-form"') == 3) is sees_form
    assert ("Add to plan" in text) is sees_form


def test_the_form_defaults_to_the_viewer_and_the_end_of_next_quarter(client_for, alice, result):
    text = client_for(alice).get(f"/assessments/{result.pk}/").text
    due = end_of_next_quarter(timezone.localdate()).isoformat()
    assert f'name="due_on" value="{due}"' in text
    assert f'<option value="{alice.pk}" selected>Alice</option>' in text


def test_an_org_admin_gets_the_first_lead_as_default_owner(client_for, erin, alice, result):
    text = client_for(erin).get(f"/assessments/{result.pk}/").text
    assert f'<option value="{alice.pk}" selected>Alice</option>' in text


def test_a_step_goes_into_the_plan_in_one_step_and_says_so(client_for, alice, bob, result):
    client = client_for(alice)
    step = _steps(client, result)[0]
    response = _add(client, result, step, bob, **HTMX)
    assert response.status_code == 200
    assert "✓ In the plan: <strong>Bob</strong>, due 31 Mar 2027" in response.text
    assert "open the plan" in response.text and "step-form" not in response.text
    action = Action.objects.get()
    assert (action.practice_key, action.owner, action.source_assessment) == (
        step.practice_key,
        bob,
        result,
    )
    # On the next load the step shows its place in the plan instead of the form.
    text = client.get(f"/assessments/{result.pk}/").text
    assert text.count('class="step-form"') == 2
    assert "✓ In the plan: <strong>Bob</strong>" in text


def test_without_javascript_it_redirects_back_to_the_step(client_for, alice, result):
    client = client_for(alice)
    step = _steps(client, result)[1]
    response = _add(client, result, step, alice)
    assert response.status_code == 302
    assert response["Location"] == f"/assessments/{result.pk}/#step-{step.practice_key}"
    assert "to the plan." in client.get(response["Location"]).text


def test_adding_the_same_step_twice_names_the_action_already_planned(client_for, alice, result):
    client = client_for(alice)
    step = _steps(client, result)[0]
    _add(client, result, step, alice, **HTMX)
    response = _add(client, result, step, alice, **HTMX)
    assert response.status_code == 422
    assert "already has an open action for this practice" in response.text
    assert "✓ In the plan: <strong>Alice</strong>" in response.text
    assert Action.objects.count() == 1


def test_an_owner_outside_the_team_or_no_date_is_refused(client_for, alice, dave, result):
    client = client_for(alice)
    step = _steps(client, result)[0]
    response = _add(client, result, step, dave, **HTMX)
    assert response.status_code == 422 and "Not added:" in response.text
    data = {"practice_key": step.practice_key, "owner": alice.pk, "due_on": ""}
    response = client.post(f"/assessments/{result.pk}/plan/", data, **HTMX)
    assert response.status_code == 422 and "Choose a due date." in response.text
    assert not Action.objects.exists()


@pytest.mark.parametrize(
    ("persona", "status"),
    [("member", 403), ("management", 403), ("outsider", 404), ("other_lead", 404)],
)
def test_only_leads_and_org_admins_turn_steps_into_actions(
    persona, status, personas, client_for, alice, result
):
    data = {"practice_key": "data-schema", "owner": alice.pk, "due_on": "2027-03-31"}
    assert (
        client_for(personas[persona]).post(f"/assessments/{result.pk}/plan/", data).status_code
        == status
    )
    assert not Action.objects.exists()


# --- Finished actions and what moved ----------------------------------------------------------


@pytest.fixture
def improved(result, period, project, alice) -> tuple[Assessment, Action]:
    """An action done after last quarter's submission, and this quarter submitted with its
    practice (and its dimension's others) fully in place."""
    action = ActionFactory(
        project=project,
        owner=alice,
        practice_key="data-schema",
        dimension_key="data",
        practice_level=1,
        title="Write the data schema",
        source_assessment=result,
    )
    action_set_status(action=action, status="done", version=1, user=alice)
    ActionFactory(project=project, owner=alice, title="Still planned")
    period_open(period=period)
    current = Assessment.objects.get(period=period, project=project)
    answer_all(current, "partly")
    current.answers.filter(practice__dimension__key="data").update(value="yes")
    assessment_submit(assessment=current, user=alice, confirm_carried=True)
    current.refresh_from_db()
    return current, action


def test_the_result_page_shows_which_finished_actions_moved_which_dimension(
    client_for, carol, improved
):
    current, _ = improved
    text = client_for(carol).get(f"/assessments/{current.pk}/").text
    section = text.split('id="finished-heading"')[1].split("</section>")[0]
    assert "Finished actions and what moved" in text
    assert "Write the data schema" in section and "Still planned" not in section
    assert "▲ up" in section


def test_actions_done_before_the_earlier_submission_are_not_counted_again(
    client_for, alice, result, project
):
    ActionFactory(
        project=project,
        owner=alice,
        title="Long ago",
        status="done",
        done_at=timezone.now() - datetime.timedelta(days=400),
    )
    ActionFactory(
        project=project,
        owner=alice,
        title="Just before",
        status="done",
        done_at=result.submitted_at - datetime.timedelta(days=1),
    )
    text = client_for(alice).get(f"/assessments/{result.pk}/").text
    # The first submission counts everything done before it.
    assert "Long ago" in text and "Just before" in text
    assert "first assessment" in text


@pytest.mark.parametrize("actions", [1, 12])
def test_the_result_page_reads_the_plan_in_a_fixed_number_of_queries(
    actions, client_for, alice, improved, project, django_assert_num_queries
):
    current, _ = improved
    for index in range(actions):
        ActionFactory(
            project=project,
            owner=alice,
            status="done",
            practice_key=f"p-{index}",
            done_at=current.submitted_at - datetime.timedelta(minutes=index + 1),
        )
    client = client_for(alice)
    # session, user, assessment (+role), answers, previous assessment, both quarters'
    # dimension scores, last quarter's answers, navigation x3; then improvement's tags: the
    # team's members (a lead sees the form), the steps' actions and the finished actions;
    # its reviews.
    with django_assert_num_queries(14):
        client.get(f"/assessments/{current.pk}/")
