"""The team's plan page: who reads it, who changes what, htmx in place and plain POSTs."""

import datetime

import pytest
from django.utils import timezone

from improvement.models import Action, ActionChange
from teams.models import UnitManager
from teams.units import team_move, unit_create
from tests.factories import UserFactory
from tests.improvement.factories import ActionFactory

HTMX = {"HTTP_HX_REQUEST": "true"}
READ = {
    "anonymous": 302,
    "outsider": 404,
    "other_lead": 404,
    "member": 200,
    "lead": 200,
    "management": 200,
    "admin": 200,
}
# Changing any field of an action that someone else owns.
EDIT = READ | {"member": 403, "management": 403}


@pytest.fixture
def action(project, alice) -> Action:
    return ActionFactory(project=project, owner=alice, title="Write the data schema")


@pytest.fixture
def bobs(project, bob) -> Action:
    return ActionFactory(project=project, owner=bob, title="Version the datasets")


@pytest.fixture
def unit_manager(team, db):
    unit = unit_create(name="Risk", parent=None, actor=None)
    team_move(team=team, unit=unit, actor=None)
    manager = UserFactory(username="ursula", first_name="Ursula")
    UnitManager.objects.create(user=manager, unit=unit)
    return manager


def _plan(team) -> str:
    return f"/teams/{team.slug}/plan/"


# --- Reading ----------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", READ)
def test_it_shows_the_plan_to_who_can_see_the_team(persona, personas, client_for, team, action):
    response = client_for(personas[persona]).get(_plan(team))
    assert response.status_code == READ[persona]
    if response.status_code == 200:
        assert "Write the data schema" in response.text


def test_unit_managers_read_the_plans_of_their_units_teams(client_for, unit_manager, team, action):
    text = client_for(unit_manager).get(_plan(team)).text
    assert "Write the data schema" in text
    assert "Mark done" not in text and "Add an action" not in text


def test_it_puts_overdue_actions_first_and_says_by_how_much(client_for, alice, team, project):
    today = timezone.localdate()
    ActionFactory(
        project=project, owner=alice, title="Later", due_on=today + datetime.timedelta(30)
    )
    ActionFactory(project=project, owner=alice, title="Late", due_on=today - datetime.timedelta(3))
    ActionFactory(
        project=project, owner=alice, title="Finished", status="done", done_at=timezone.now()
    )
    ActionFactory(
        project=project, owner=alice, title="Gave up", status="dropped", dropped_reason="Retired"
    )
    text = client_for(alice).get(_plan(team)).text
    order = [text.index(f">{title}</h3>") for title in ("Late", "Later", "Finished", "Gave up")]
    assert order == sorted(order)
    assert "3 days overdue" in text
    assert 'id="section-overdue-heading">Overdue <span class="count">1</span>' in text
    assert "<strong>Dropped:</strong> Retired" in text


def test_it_tells_a_lead_how_to_start_an_empty_plan(client_for, alice, team):
    text = client_for(alice).get(_plan(team)).text
    assert "No actions yet" in text
    assert "turn its top next steps into actions" in text


def test_it_filters_by_project_and_owner(client_for, alice, bob, team, project, action, bobs):
    client = client_for(alice)
    text = client.get(_plan(team), {"owner": bob.pk}).text
    assert "Version the datasets" in text and "Write the data schema" not in text
    text = client.get(_plan(team), {"project": project.pk, "owner": "junk"}).text
    assert "Version the datasets" in text and "Write the data schema" in text
    fragment = client.get(_plan(team), {"owner": alice.pk}, **HTMX).text
    assert fragment.startswith('\n<div id="plan"') or fragment.lstrip().startswith('<div id="plan"')
    assert "Version the datasets" not in fragment


def test_only_people_who_change_actions_see_the_controls(
    client_for, alice, bob, carol, team, action, bobs
):
    lead = client_for(alice).get(_plan(team)).text
    assert lead.count("Mark done") == 2 and "Add an action" in lead
    member = client_for(bob).get(_plan(team)).text
    assert member.count("Mark done") == 1 and "Edit the notes" in member
    assert "Add an action" not in member
    management = client_for(carol).get(_plan(team)).text
    assert "Mark done" not in management and "Edit" not in management


# --- Status -----------------------------------------------------------------------------------


def _status(client, action, status, **extra):
    data = {"status": status, "version": action.version, **extra.pop("data", {})}
    return client.post(f"/actions/{action.pk}/status/", data, **extra)


@pytest.mark.parametrize("persona", EDIT)
def test_it_lets_leads_change_any_status(persona, personas, client_for, action):
    response = _status(client_for(personas[persona]), action, "done")
    assert response.status_code == {200: 302}.get(EDIT[persona], EDIT[persona])
    action.refresh_from_db()
    assert (action.status == "done") == (EDIT[persona] == 200)


def test_a_member_changes_the_status_of_their_own_actions_only(client_for, bob, action, bobs):
    client = client_for(bob)
    assert _status(client, bobs, "in_progress").status_code == 302
    assert _status(client, action, "done").status_code == 403
    assert Action.objects.get(pk=bobs.pk).status == "in_progress"
    assert Action.objects.get(pk=action.pk).status == "planned"


def test_marking_done_in_place_moves_the_action_to_done(client_for, alice, team, action):
    response = _status(client_for(alice), action, "done", **HTMX)
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#plan"
    assert 'id="section-done-heading">Done <span class="count">1</span>' in response.text
    assert "just-changed" in response.text
    assert "<html" not in response.text


def test_without_javascript_a_status_change_redirects_back_to_the_action(
    client_for, alice, project, action
):
    client = client_for(alice)
    response = _status(client, action, "done")
    assert response.status_code == 302
    assert response["Location"] == f"/teams/{project.team.slug}/plan/#action-{action.pk}"
    assert "“Write the data schema” is done." in client.get(response["Location"]).text


def test_dropping_without_a_reason_is_refused_with_a_message(client_for, alice, action):
    response = _status(client_for(alice), action, "dropped", **HTMX)
    assert response.status_code == 422
    assert response["HX-Retarget"] == f"#action-{action.pk}"
    assert "Say why the action is dropped." in response.text
    plain = _status(client_for(alice), action, "dropped")
    assert plain.status_code == 422 and "Say why the action is dropped." in plain.text
    assert Action.objects.get(pk=action.pk).status == "planned"


def test_dropping_with_a_reason_keeps_it(client_for, alice, action):
    _status(client_for(alice), action, "dropped", data={"dropped_reason": "Model retired"})
    action.refresh_from_db()
    assert (action.status, action.dropped_reason) == ("dropped", "Model retired")


def test_a_stale_status_change_shows_the_action_as_it_is_now(client_for, alice, bob, bobs):
    _status(client_for(bob), bobs, "in_progress")
    response = _status(client_for(alice), bobs, "dropped", data={"dropped_reason": "x"}, **HTMX)
    assert response.status_code == 409
    assert "someone changed this action since you loaded the page" in response.text
    assert 'name="version" value="2"' in response.text
    assert Action.objects.get(pk=bobs.pk).status == "in_progress"


# --- Editing ----------------------------------------------------------------------------------


def _edit_data(action, **changes):
    data = {
        "title": action.title,
        "project": action.project_id or "",
        "owner": action.owner_id,
        "due_on": action.due_on.isoformat(),
        "ticket_url": action.ticket_url,
        "notes": action.notes,
        "version": action.version,
    }
    return data | changes


@pytest.mark.parametrize("persona", EDIT)
def test_only_leads_edit_every_field(persona, personas, client_for, action):
    client = client_for(personas[persona])
    response = client.post(f"/actions/{action.pk}/edit/", _edit_data(action, title="Renamed"))
    assert response.status_code == {200: 302}.get(EDIT[persona], EDIT[persona])


def test_a_lead_edits_in_place_and_the_history_keeps_the_change(client_for, alice, bob, action):
    client = client_for(alice)
    form = client.get(f"/actions/{action.pk}/edit/", **HTMX)
    assert form.status_code == 200 and f'id="action-{action.pk}"' in form.text
    assert 'name="title"' in form.text and 'name="practice"' not in form.text
    data = _edit_data(action, owner=bob.pk, ticket_url="https://jira.example.com/ML-7")
    response = client.post(f"/actions/{action.pk}/edit/", data, **HTMX)
    assert response.status_code == 200 and response["HX-Retarget"] == "#plan"
    assert "History (2 changes)" in response.text
    assert "changed the owner: “Alice” → “Bob”" in response.text
    assert set(ActionChange.objects.values_list("field", flat=True)) == {"owner", "ticket_url"}


def test_a_bad_edit_is_refused_with_the_form_and_its_messages(client_for, alice, dave, action):
    data = _edit_data(action, owner=dave.pk, ticket_url="javascript:alert(1)", title="")
    response = client_for(alice).post(f"/actions/{action.pk}/edit/", data, **HTMX)
    assert response.status_code == 422
    assert response["HX-Retarget"] == f"#action-{action.pk}"
    assert "Enter a ticket link that starts with http:// or https://." in response.text
    assert "Give the action a title." in response.text
    assert "Select a valid choice" in response.text
    assert Action.objects.get(pk=action.pk).version == 1


def test_a_stale_edit_is_shown_with_theirs_and_saved_only_when_sent_again(
    client_for, alice, bob, action
):
    client = client_for(alice)
    stale = _edit_data(action, title="Mine")
    client.post(f"/actions/{action.pk}/edit/", _edit_data(action, title="Theirs"))
    response = client.post(f"/actions/{action.pk}/edit/", stale, **HTMX)
    assert response.status_code == 409
    assert "Not saved: someone changed this action" in response.text and "“Theirs”" in response.text
    assert 'value="Mine"' in response.text and 'name="version" value="2"' in response.text
    assert Action.objects.get(pk=action.pk).title == "Theirs"
    client.post(f"/actions/{action.pk}/edit/", stale | {"version": 2}, **HTMX)
    assert Action.objects.get(pk=action.pk).title == "Mine"


def test_the_owner_edits_the_notes_of_their_action_only(client_for, bob, bobs, action):
    client = client_for(bob)
    form = client.get(f"/actions/{bobs.pk}/edit/", **HTMX).text
    assert 'name="notes"' in form and 'name="title"' not in form
    response = client.post(
        f"/actions/{bobs.pk}/edit/",
        {"notes": "Blocked on access", "title": "Hijacked", "version": 1},
    )
    assert response.status_code == 302
    bobs.refresh_from_db()
    assert (bobs.notes, bobs.title) == ("Blocked on access", "Version the datasets")
    assert (
        client.post(f"/actions/{action.pk}/edit/", {"notes": "x", "version": 1}).status_code == 403
    )


def test_without_javascript_edit_shows_the_plan_with_the_form_in_place(client_for, alice, action):
    response = client_for(alice).get(f"/actions/{action.pk}/edit/")
    assert response.status_code == 200
    assert "<h1>Fraud Detection: improvement plan</h1>" in response.text
    assert f'<form class="action card action-form" id="action-{action.pk}"' in response.text


def test_cancelling_an_edit_brings_the_row_back(client_for, alice, action):
    client = client_for(alice)
    row = client.get(f"/actions/{action.pk}/", **HTMX)
    assert row.text.lstrip().startswith(
        f'<article class="action card action-planned" id="action-{action.pk}"'
    )
    plain = client.get(f"/actions/{action.pk}/")
    assert plain.status_code == 302 and plain["Location"].endswith(f"#action-{action.pk}")


@pytest.mark.parametrize("persona", ["outsider", "other_lead"])
def test_outsiders_get_404_for_every_action_address(persona, personas, client_for, action):
    client = client_for(personas[persona])
    for path in ("", "edit/"):
        assert client.get(f"/actions/{action.pk}/{path}").status_code == 404
    assert _status(client, action, "done").status_code == 404


# --- Adding by hand ---------------------------------------------------------------------------


def test_a_lead_adds_an_action_by_hand(client_for, alice, bob, team, project, framework):
    client = client_for(alice)
    form = client.get(f"/teams/{team.slug}/plan/new/", **HTMX)
    assert form["HX-Retarget"] == "#new-action" and 'name="practice"' in form.text
    data = {
        "title": "",
        "practice": "data-schema",
        "project": project.pk,
        "owner": bob.pk,
        "due_on": "2027-03-31",
        "ticket_url": "",
        "notes": "",
    }
    response = client.post(f"/teams/{team.slug}/plan/new/", data, **HTMX)
    assert response.status_code == 200 and response["HX-Retarget"] == "#plan"
    action = Action.objects.get()
    assert (action.practice_key, action.owner, action.created_by) == ("data-schema", bob, alice)
    assert action.title.startswith("Generate a first schema")
    assert action.dimension_key and action.practice_level is not None


def test_adding_needs_an_owner_a_date_and_a_title(client_for, alice, team):
    response = client_for(alice).post(f"/teams/{team.slug}/plan/new/", {"title": ""}, **HTMX)
    assert response.status_code == 422
    for message in (
        "Choose who owns the action.",
        "Choose a due date.",
        "Give the action a title, or choose a practice.",
    ):
        assert message in response.text
    plain = client_for(alice).post(f"/teams/{team.slug}/plan/new/", {"title": ""})
    assert plain.status_code == 422 and "<h1>" in plain.text
    assert not Action.objects.exists()


@pytest.mark.parametrize("persona", ["member", "management"])
def test_only_leads_add_actions(persona, personas, client_for, team):
    client = client_for(personas[persona])
    assert client.get(f"/teams/{team.slug}/plan/new/").status_code == 403
    assert client.post(f"/teams/{team.slug}/plan/new/", {"title": "x"}).status_code == 403


def test_without_javascript_adding_redirects_to_the_new_action(client_for, alice, team, project):
    data = {
        "title": "Agree on an on-call rota",
        "project": "",
        "owner": alice.pk,
        "due_on": "2027-01-31",
    }
    response = client_for(alice).post(f"/teams/{team.slug}/plan/new/", data)
    action = Action.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"#action-{action.pk}")
    assert action.project is None


# --- Query counts -----------------------------------------------------------------------------


@pytest.mark.parametrize("size", [2, 16])
def test_the_plan_page_runs_as_many_queries_for_a_larger_plan(
    size, client_for, alice, bob, team, project, django_assert_num_queries
):
    today = timezone.localdate()
    for index in range(size):
        late = ActionFactory(
            project=project,
            owner=bob,
            # One open action per practice and project: a real practice first, then others.
            practice_key="data-schema" if index == 0 else f"practice-{index}",
            due_on=today - datetime.timedelta(days=index + 1),
        )
        ActionFactory(project=project, owner=alice, status="done", done_at=timezone.now())
        ActionFactory(project=project, owner=alice, status="dropped", dropped_reason="Retired")
        _status(client_for(alice), late, "in_progress")
    client = client_for(alice)
    # session, user, the team (management? managed units? then the team), the viewer's
    # role, members, projects, then the plan: actions, history, practices' names; and the
    # navigation's "in a team" for the Initiatives item
    with django_assert_num_queries(PLAN_QUERIES):
        client.get(_plan(team))
    with django_assert_num_queries(PLAN_QUERIES - 1):  # an htmx swap draws no navigation
        client.get(_plan(team), {"owner": bob.pk}, **HTMX)


PLAN_QUERIES = 12
