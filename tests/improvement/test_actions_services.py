"""Improvement actions' services: validation, conflicts, history, statuses, duplicates."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from assessments.models import Assessment
from assessments.services.answering import assessment_submit
from core.cache import dashboards_generation
from improvement.models import Action, ActionChange
from improvement.services import actions as services
from improvement.services.actions import (
    ActionAlreadyPlanned,
    ActionConflict,
    action_create,
    action_from_recommendation,
    action_set_status,
    action_update,
    title_for_step,
)
from tests.assessments.fixtures import answer_all
from tests.improvement.factories import ActionFactory

DUE = datetime.date(2027, 3, 31)


def _create(team, project, owner, **extra):
    fields = {"title": "Add a schema check", "owner": owner, "due_on": DUE, "created_by": owner}
    return action_create(team=team, project=project, **(fields | extra))


# --- Creating ---------------------------------------------------------------------------------


def test_it_creates_a_planned_action_and_refreshes_the_dashboards(team, project, alice, bob):
    before = dashboards_generation()
    action = _create(team, project, bob, ticket_url="https://jira.example.com/ML-1")
    assert action.status == Action.Status.PLANNED
    assert (action.owner, action.team, action.project, action.version) == (bob, team, project, 1)
    assert action.ticket_url == "https://jira.example.com/ML-1"
    assert dashboards_generation() != before


def test_it_refuses_an_owner_from_another_team(team, project, alice, dave):
    with pytest.raises(ValidationError) as error:
        _create(team, project, dave)
    assert error.value.message_dict == {"owner": ["Dave is not a member of Fraud Detection."]}


def test_it_refuses_a_project_of_another_team(team, other_project, alice):
    with pytest.raises(ValidationError) as error:
        _create(team, other_project, alice)
    assert "Product ranker is not a project of Fraud Detection." in error.value.messages


@pytest.mark.parametrize(
    "link",
    ["ftp://files.example.com/x", "javascript:alert(1)", "jira/ML-1", "https://" + "a" * 500],
)
def test_it_takes_only_web_links_as_tickets(team, project, alice, link):
    with pytest.raises(ValidationError) as error:
        _create(team, project, alice, ticket_url=link)
    assert list(error.value.message_dict) == ["ticket_url"]
    assert not Action.objects.exists()


@pytest.mark.parametrize("title", ["", "   ", "\u200b\u200b"])
def test_it_needs_a_visible_title(team, project, alice, title):
    with pytest.raises(ValidationError) as error:
        _create(team, project, alice, title=title)
    assert error.value.message_dict == {"title": ["Give the action a title."]}


def test_it_refuses_a_second_open_action_for_a_practice_naming_the_first(team, project, alice):
    first = _create(team, project, alice, practice_key="data-schema", title="Write the schema")
    with pytest.raises(ActionAlreadyPlanned) as error:
        _create(team, project, alice, practice_key="data-schema", title="Again")
    assert error.value.existing == first
    assert "“Write the schema” (planned, owner Alice, due 31 Mar 2027)" in error.value.messages[0]
    assert Action.objects.count() == 1


def test_it_allows_a_new_action_once_the_earlier_one_is_done(team, project, alice):
    first = _create(team, project, alice, practice_key="data-schema")
    action_set_status(action=first, status="done", version=first.version, user=alice)
    second = _create(team, project, alice, practice_key="data-schema")
    assert second.pk != first.pk


# --- From a next step -------------------------------------------------------------------------


@pytest.fixture
def submitted(assessment, alice) -> Assessment:
    answer_all(assessment, "partly")
    assessment_submit(assessment=assessment, user=alice)
    assessment.refresh_from_db()
    return assessment


def test_it_turns_a_next_step_into_an_action_prefilled_from_its_practice(submitted, alice, bob):
    practice = submitted.period.framework.practices.select_related("dimension").get(
        key="data-schema"
    )
    action = action_from_recommendation(
        assessment=submitted, practice_key="data-schema", owner=bob, due_on=DUE, user=alice
    )
    assert action.title == title_for_step(practice.next_step)
    assert action.next_step == practice.next_step
    assert (action.practice_key, action.dimension_key) == ("data-schema", practice.dimension.key)
    assert (action.practice_level, action.effort) == (practice.level, practice.effort)
    assert (action.project, action.team) == (submitted.project, submitted.project.team)
    assert (action.source_assessment, action.created_by, action.owner) == (submitted, alice, bob)


def test_it_refuses_the_same_step_twice_while_it_is_open(submitted, alice):
    step = {"assessment": submitted, "practice_key": "data-schema", "due_on": DUE, "user": alice}
    first = action_from_recommendation(owner=alice, **step)
    with pytest.raises(ActionAlreadyPlanned) as error:
        action_from_recommendation(owner=alice, **step)
    assert error.value.existing == first
    assert f"“{first.title}”" in error.value.messages[0]


def test_it_refuses_a_practice_the_framework_does_not_have(submitted, alice):
    with pytest.raises(ValidationError, match="has no practice “made-up”"):
        action_from_recommendation(
            assessment=submitted, practice_key="made-up", owner=alice, due_on=DUE, user=alice
        )


def test_it_turns_only_a_submitted_assessments_steps_into_actions(assessment, alice):
    with pytest.raises(ValidationError, match="submitted"):
        action_from_recommendation(
            assessment=assessment, practice_key="data-schema", owner=alice, due_on=DUE, user=alice
        )


def test_it_shortens_a_next_step_into_a_title():
    assert title_for_step("Do this. Then that.") == "Do this"
    assert title_for_step("Write it down.") == "Write it down"
    long = "Add a first step to your training pipeline that loads the schema " * 3
    title = title_for_step(long)
    assert len(title) <= services.TITLE_FROM_STEP_LENGTH and title.endswith("...")
    assert long.startswith(title.removesuffix("..."))


@given(st.text(min_size=1, max_size=400).filter(lambda text: text.strip(". \n\t")))
def test_a_title_from_a_step_is_never_longer_than_its_limit(text):
    assert len(title_for_step(text)) <= services.TITLE_FROM_STEP_LENGTH


# --- Editing ----------------------------------------------------------------------------------


def test_it_records_one_history_row_per_changed_field(team, project, alice, bob):
    action = _create(team, project, alice)
    updated = action_update(
        action=action,
        fields={
            "title": "Add a schema check",  # unchanged
            "owner": bob,
            "due_on": datetime.date(2027, 6, 30),
            "notes": "Talk to the data team first.",
        },
        version=1,
        user=alice,
    )
    assert updated.version == 2
    changes = list(
        ActionChange.objects.filter(action=action).values_list("field", "old_value", "new_value")
    )
    assert sorted(changes) == [
        ("due_on", "2027-03-31", "2027-06-30"),
        ("notes", "", "Talk to the data team first."),
        ("owner", "Alice", "Bob"),
    ]
    assert ActionChange.objects.filter(changed_by=alice).count() == 3
    stored = Action.objects.get(pk=action.pk)
    assert (stored.owner, stored.version, stored.notes) == (bob, 2, "Talk to the data team first.")


def test_it_refuses_a_stale_edit_and_keeps_the_other_persons(team, project, alice, bob):
    action = _create(team, project, alice)
    stale = Action.objects.get(pk=action.pk)
    action_update(action=action, fields={"title": "Theirs"}, version=1, user=bob)
    with pytest.raises(ActionConflict) as conflict:
        action_update(action=stale, fields={"title": "Mine"}, version=1, user=alice)
    assert conflict.value.current.title == "Theirs"
    assert conflict.value.current.version == 2
    assert Action.objects.get(pk=action.pk).title == "Theirs"
    assert ActionChange.objects.filter(new_value="Mine").count() == 0


def test_it_changes_nothing_when_nothing_changed(team, project, alice):
    action = _create(team, project, alice)
    before = dashboards_generation()
    action_update(action=action, fields={"title": action.title}, version=1, user=alice)
    assert Action.objects.get(pk=action.pk).version == 1
    assert not ActionChange.objects.exists()
    assert dashboards_generation() == before


def test_it_validates_edits_as_it_validates_new_actions(team, project, alice, dave):
    action = _create(team, project, alice)
    with pytest.raises(ValidationError) as error:
        action_update(
            action=action,
            fields={"owner": dave, "ticket_url": "ftp://x.example.com"},
            version=1,
            user=alice,
        )
    assert set(error.value.message_dict) == {"owner", "ticket_url"}
    assert Action.objects.get(pk=action.pk).version == 1


def test_it_refuses_fields_that_are_not_editable(team, project, alice):
    action = _create(team, project, alice)
    with pytest.raises(ValueError, match="status"):
        action_update(action=action, fields={"status": "done"}, version=1, user=alice)


# --- Statuses ---------------------------------------------------------------------------------


def test_done_records_when_and_reopening_clears_it(team, project, alice):
    action = _create(team, project, alice)
    done = action_set_status(action=action, status="done", version=1, user=alice)
    assert done.done_at is not None and done.version == 2
    reopened = action_set_status(action=done, status="planned", version=2, user=alice)
    assert reopened.done_at is None and reopened.version == 3
    stored = Action.objects.get(pk=action.pk)
    assert (stored.status, stored.done_at) == ("planned", None)
    history = list(ActionChange.objects.filter(action=action).values_list("field", "new_value"))
    assert history == [("status", "done"), ("status", "planned")]


def test_dropping_needs_a_reason_which_reopening_clears(team, project, alice):
    action = _create(team, project, alice)
    with pytest.raises(ValidationError) as error:
        action_set_status(
            action=action, status="dropped", dropped_reason="  ", version=1, user=alice
        )
    assert error.value.message_dict == {"dropped_reason": ["Say why the action is dropped."]}
    dropped = action_set_status(
        action=action, status="dropped", dropped_reason="Model retired", version=1, user=alice
    )
    assert (dropped.status, dropped.dropped_reason) == ("dropped", "Model retired")
    reopened = action_set_status(action=dropped, status="in_progress", version=2, user=alice)
    assert (reopened.status, reopened.dropped_reason) == ("in_progress", "")
    fields = list(ActionChange.objects.filter(action=action).values_list("field", flat=True))
    assert fields == ["status", "dropped_reason", "status", "dropped_reason"]


def test_a_second_click_on_the_same_status_changes_nothing(team, project, alice):
    action = _create(team, project, alice)
    action_set_status(action=action, status="done", version=1, user=alice)
    again = action_set_status(action=action, status="done", version=1, user=alice)
    assert again.version == 2
    assert ActionChange.objects.count() == 1


def test_a_stale_status_change_is_refused(team, project, alice, bob):
    action = ActionFactory(project=project, owner=bob)
    stale = Action.objects.get(pk=action.pk)
    action_set_status(action=action, status="in_progress", version=1, user=bob)
    with pytest.raises(ActionConflict) as conflict:
        action_set_status(action=stale, status="done", version=1, user=alice)
    assert conflict.value.current.status == "in_progress"
    assert Action.objects.get(pk=action.pk).status == "in_progress"


def test_reopening_is_refused_while_another_action_for_the_practice_is_open(team, project, alice):
    first = _create(team, project, alice, practice_key="data-schema")
    first = action_set_status(action=first, status="done", version=1, user=alice)
    _create(team, project, alice, practice_key="data-schema", title="The second go")
    with pytest.raises(ActionAlreadyPlanned, match="The second go"):
        action_set_status(action=first, status="planned", version=2, user=alice)


def test_it_refuses_an_unknown_status(team, project, alice):
    action = _create(team, project, alice)
    with pytest.raises(ValidationError):
        action_set_status(action=action, status="archived", version=1, user=alice)
