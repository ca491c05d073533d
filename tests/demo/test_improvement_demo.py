"""The demo's targets, plans and initiative (demo/improvement.py, demo/plans.py)."""

import datetime
import itertools
from collections import Counter

import pytest
from django.core.management import call_command
from django.utils import timezone

from assessments.models import Practice
from demo.improvement import INITIATIVE_SLUG, quarter_end
from improvement.models import (
    Action,
    ActionChange,
    Initiative,
    InitiativeWeek,
    TargetOverride,
    TargetRule,
)
from notifications.services import plans as plan_emails
from teams.models import Membership, Team


@pytest.fixture
def demo(db) -> None:
    call_command("seed_demo", teams=4, projects_per_team=3, quarters=2, seed=7)


def _improvement_counts() -> tuple[int, ...]:
    models = (Action, ActionChange, TargetRule, TargetOverride, Initiative, InitiativeWeek)
    return tuple(model.objects.count() for model in models)


def test_it_sets_targets_by_stage_and_two_overrides_with_their_reasons(demo):
    today = timezone.localdate()
    rules = {rule.stage: (rule.level, rule.due_on) for rule in TargetRule.objects.all()}
    assert rules == {
        "production": (1, quarter_end(today, 2)),
        "pilot": (1, quarter_end(today, 4)),
        "exploration": (0, quarter_end(today, 1)),
    }
    overrides = list(TargetOverride.objects.select_related("set_by", "project", "team"))
    assert sorted((o.project is not None, o.team is not None) for o in overrides) == [
        (False, True),
        (True, False),
    ]
    for override in overrides:
        assert override.set_by.username == "admin"
        assert len(override.reason) > 40


@pytest.mark.parametrize(
    ("day", "ahead", "expected"),
    [
        (datetime.date(2026, 12, 2), 2, datetime.date(2027, 6, 30)),
        (datetime.date(2026, 12, 2), 0, datetime.date(2026, 12, 31)),
        (datetime.date(2027, 1, 1), 1, datetime.date(2027, 6, 30)),
        (datetime.date(2027, 5, 15), 4, datetime.date(2028, 6, 30)),
    ],
)
def test_it_finds_the_end_of_a_later_quarter(day, ahead, expected):
    assert quarter_end(day, ahead) == expected


def test_it_gives_every_team_a_plan_in_every_status_with_overdue_actions(demo):
    today = timezone.localdate()
    teams = list(Team.objects.all())
    assert len(teams) == 4
    for team in teams:
        actions = list(team.actions.select_related("project", "owner"))
        assert 4 <= len(actions) <= 8
        assert {a.status for a in actions} == set(Action.Status.values)
        assert any(a.is_overdue(today) for a in actions), team
        members = set(Membership.objects.filter(team=team).values_list("user_id", flat=True))
        assert {a.owner_id for a in actions} <= members
        assert all(a.project.team_id == team.pk and a.is_demo for a in actions)
        open_practices = Counter((a.project_id, a.practice_key) for a in actions if a.is_open)
        assert max(open_practices.values()) == 1  # as the service allows: one open per practice
    actions = list(Action.objects.all())
    assert all(a.done_at and a.done_at <= timezone.now() for a in actions if a.status == "done")
    assert all(a.dropped_reason for a in actions if a.status == "dropped")
    assert not [a for a in actions if a.status != "done" and a.done_at]
    assert any(a.ticket_url.startswith("https://tracker.example.com/ML-") for a in actions)
    assert set(Practice.objects.values_list("key", flat=True)) >= {a.practice_key for a in actions}
    assert all(a.title and a.next_step and a.effort in "SML" for a in actions)


def test_it_keeps_a_believable_history_of_each_action(demo):
    changes = list(ActionChange.objects.select_related("action"))
    assert {change.field for change in changes} >= {"status", "dropped_reason"}
    for change in changes:
        assert change.action.created_at <= change.changed_at <= timezone.now()
    for action in Action.objects.filter(status="done").prefetch_related("changes"):
        assert [
            (c.old_value, c.new_value) for c in action.changes.all() if c.field == "status"
        ] == [
            ("planned", "in_progress"),
            ("in_progress", "done"),
        ]
        saves = {(change.changed_at, change.changed_by_id) for change in action.changes.all()}
        assert action.version == 1 + len(saves) >= 3


def test_it_runs_one_initiative_whose_burn_up_rises_week_by_week(demo):
    initiative = Initiative.objects.get(slug=INITIATIVE_SLUG)
    assert initiative.practice_keys == ["business-kpi-tracking"]
    assert initiative.stages == ["production"]
    assert initiative.created_by.username == "manager"
    today = timezone.localdate()
    assert 100 <= (initiative.target_on - today).days <= 140
    weeks = list(initiative.weeks.order_by("week_start"))
    assert len(weeks) >= 4
    assert weeks[0].week_start == initiative.starts_on
    assert weeks[-1].week_start == today - datetime.timedelta(days=today.weekday())
    gaps = {(b.week_start - a.week_start).days for a, b in itertools.pairwise(weeks)}
    assert gaps == {7}
    complete = [week.projects_complete for week in weeks]
    assert complete == sorted(complete) and complete[-1] > complete[0]
    assert {week.projects_in_scope for week in weeks} == {weeks[0].projects_in_scope}


def test_it_has_reminders_to_send_on_the_day_it_is_seeded(demo):
    kinds = {notice.kind for notice in plan_emails.action_notices_due(today=timezone.localdate())}
    assert kinds == {"action_due_7", "action_overdue"}


def test_it_adds_nothing_when_run_again_and_is_deterministic(demo):
    before = _improvement_counts()
    call_command("seed_demo", teams=4, projects_per_team=3, quarters=2, seed=7)
    assert _improvement_counts() == before
    snapshot = sorted(Action.objects.values_list("title", "status", "due_on", "owner__username"))
    Action.objects.all().delete()
    call_command("seed_demo", teams=4, projects_per_team=3, quarters=2, seed=7)
    again = sorted(Action.objects.values_list("title", "status", "due_on", "owner__username"))
    assert again == snapshot
