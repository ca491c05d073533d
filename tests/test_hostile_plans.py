"""Hostile input on the plan, initiative and target forms: never a 500, never a half-made
action, initiative or target, never a script that runs, never another team's data."""

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from improvement.models import Action, Initiative, TargetOverride, TargetRule
from tests.improvement.factories import ActionFactory, InitiativeFactory
from tests.test_hostile_input import HTMX, SCRIPT, hostile_text, hypothesis_settings

dates = st.one_of(hostile_text, st.sampled_from(["2031-03-31", "1999-01-01", "2031-02-30"]))


def _client(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


@pytest.fixture
def lead_client(alice) -> Client:
    return _client(alice)


@pytest.fixture
def admin_client(erin) -> Client:
    return _client(erin)


@pytest.fixture
def manager_client(carol) -> Client:
    return _client(carol)


@hypothesis_settings
@given(
    title=hostile_text,
    owner=hostile_text | st.just("ALICE"),
    due=dates,
    ticket=st.one_of(hostile_text, st.sampled_from(["javascript:alert(1)", "ftp://x", "//x"])),
    notes=hostile_text,
    project=hostile_text,
)
def test_it_never_fails_or_stores_a_bad_action(
    lead_client, team, alice, title, owner, due, ticket, notes, project
):
    before = Action.objects.count()
    data = {
        "title": title,
        "owner": str(alice.pk) if owner == "ALICE" else owner,
        "due_on": due,
        "ticket_url": ticket,
        "notes": notes,
        "project": project,
    }
    response = lead_client.post(f"/teams/{team.slug}/plan/new/", data, **HTMX)
    assert response.status_code in (200, 422)
    if Action.objects.count() == before:
        return
    action = Action.objects.latest("pk")
    assert action.team == team and action.owner is not None
    assert action.ticket_url == "" or action.ticket_url.startswith(("http://", "https://"))
    assert "\x00" not in action.title + action.notes


@hypothesis_settings
@given(status=hostile_text | st.sampled_from(["done", "dropped"]), version=hostile_text)
def test_it_never_fails_or_breaks_an_action_status(lead_client, project, alice, status, version):
    action = ActionFactory(project=project, owner=alice)
    response = lead_client.post(
        f"/actions/{action.pk}/status/",
        {"status": status, "version": version, "dropped_reason": ""},
        **HTMX,
    )
    assert response.status_code in (200, 409, 422)
    action.refresh_from_db()
    assert action.status in Action.Status.values
    assert action.status != Action.Status.DROPPED  # never without a reason
    Action.objects.filter(pk=action.pk).delete()


@hypothesis_settings
@given(
    title=hostile_text,
    why=hostile_text,
    practices=st.lists(hostile_text | st.just("data-schema"), max_size=3),
    stages=st.lists(hostile_text | st.just("production"), max_size=2),
    starts=dates,
    target=dates,
)
def test_it_never_fails_or_stores_a_bad_initiative(
    manager_client, period, title, why, practices, stages, starts, target
):
    before = Initiative.objects.count()
    data = {
        "title": title,
        "why": why,
        "practice_keys": practices,
        "stages": stages,
        "starts_on": starts,
        "target_on": target,
    }
    response = manager_client.post("/initiatives/new/", data)
    assert response.status_code in (302, 422)
    if response.status_code == 422:
        assert Initiative.objects.count() == before
    else:
        initiative = Initiative.objects.latest("pk")
        assert initiative.practice_keys and initiative.target_on > initiative.starts_on
        Initiative.objects.filter(pk=initiative.pk).delete()


@hypothesis_settings
@given(level=hostile_text | st.sampled_from(["0", "2", "5", "-1"]), due=dates, reason=hostile_text)
def test_it_never_fails_or_stores_a_bad_override(admin_client, project, level, due, reason):
    response = admin_client.post(
        f"/projects/{project.slug}/target/",
        {"dimension_key": "", "level": level, "due_on": due, "reason": reason},
    )
    assert response.status_code in (302, 422)
    for override in TargetOverride.objects.all():
        assert 0 <= override.level <= 2 and override.reason.strip()


@hypothesis_settings
@given(
    stage=hostile_text | st.just("production"),
    dimension=hostile_text | st.just(""),
    level=hostile_text | st.just("1"),
    due=dates,
)
def test_it_never_fails_or_stores_a_bad_target_rule(
    admin_client, period, stage, dimension, level, due
):
    data = {"cell-stage": stage, "cell-dimension_key": dimension, "cell-level": level}
    response = admin_client.post("/manage/targets/rule/", {**data, "cell-due_on": due})
    assert response.status_code in (302, 422)
    for rule in TargetRule.objects.all():
        assert rule.stage in {"exploration", "pilot", "production", "retired"}
        assert 0 <= rule.level <= 2


def test_it_404s_other_teams_actions_and_assessments(
    lead_client, other_project, other_assessment, dave
):
    theirs = ActionFactory(project=other_project, owner=dave)
    for path in (
        f"/actions/{theirs.pk}/edit/",
        f"/actions/{theirs.pk}/status/",
        f"/assessments/{other_assessment.pk}/plan/",
        f"/teams/{other_project.team.slug}/plan/new/",
    ):
        response = lead_client.post(path, {"status": "done", "version": 1, "title": "Mine now"})
        assert response.status_code == 404, path
    theirs.refresh_from_db()
    assert theirs.status == Action.Status.PLANNED and theirs.title != "Mine now"


def test_it_keeps_script_payloads_inert_on_plan_and_initiative_pages(
    lead_client, manager_client, team, project, alice
):
    ActionFactory(project=project, owner=alice, title=SCRIPT, notes=SCRIPT)
    initiative = InitiativeFactory(title=SCRIPT, why=SCRIPT, slug="scripted")
    initiative.teams.add(team)
    pages = [
        lead_client.get(f"/teams/{team.slug}/plan/").text,
        manager_client.get("/initiatives/").text,
        manager_client.get("/initiatives/scripted/").text,
    ]
    for text in pages:
        assert '<script>alert("x")' not in text
        assert "<img src=x" not in text
