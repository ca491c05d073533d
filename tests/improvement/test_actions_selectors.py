"""Reads of the plan: order, counts per team, the loop's selectors, the CSV rows; each in a
fixed number of queries at two sizes."""

import datetime

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from improvement.models import Action, ActionChange
from improvement.selectors import action_loop
from improvement.selectors.action_exports import (
    ACTION_CSV_HEADER,
    action_csv_rows,
    actions_visible_to,
)
from improvement.selectors.actions import (
    PlanCounts,
    end_of_next_quarter,
    plan_summary,
    plan_viewer,
    team_plan,
)
from improvement.services.actions import action_set_status, action_update
from improvement.templatetags.improvement import change_text
from teams.units import team_move, unit_create
from tests.factories import ProjectFactory, TeamFactory
from tests.improvement.factories import ActionFactory

TODAY = datetime.date(2026, 12, 2)


def _day(offset: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=offset)


def _mixed_plan(project, owner, size: int) -> None:
    """`size` actions in each state, some overdue, each with some history."""
    for index in range(size):
        # One open action per practice and project: a real practice first, then others.
        key = "data-schema" if index == 0 else f"practice-{index}"
        late = ActionFactory(
            project=project, owner=owner, due_on=_day(-index - 1), practice_key=key
        )
        action_update(action=late, fields={"notes": f"note {index}"}, version=1, user=owner)
        ActionFactory(project=project, owner=owner, due_on=_day(index + 1), status="in_progress")
        ActionFactory(project=project, owner=owner, status="done", done_at=timezone.now())
        ActionFactory(project=project, owner=owner, status="dropped", dropped_reason="Retired")


# --- The plan ---------------------------------------------------------------------------------


def test_it_orders_the_plan_overdue_first_then_by_due_date(project, alice):
    now = timezone.now()
    ActionFactory(project=project, owner=alice, title="due later", due_on=_day(20))
    ActionFactory(
        project=project, owner=alice, title="due soon", due_on=_day(2), status="in_progress"
    )
    ActionFactory(project=project, owner=alice, title="no date", due_on=None)
    ActionFactory(project=project, owner=alice, title="a bit late", due_on=_day(-2))
    ActionFactory(project=project, owner=alice, title="very late", due_on=_day(-40))
    ActionFactory(
        project=project,
        owner=alice,
        title="done long ago",
        status="done",
        done_at=now - datetime.timedelta(days=30),
    )
    ActionFactory(project=project, owner=alice, title="done just now", status="done", done_at=now)
    ActionFactory(
        project=project,
        owner=alice,
        title="dropped",
        status="dropped",
        dropped_reason="x",
        due_on=_day(-90),
    )
    plan = team_plan(team=project.team, today=TODAY)
    assert [(s.key, [r.action.title for r in s.rows]) for s in plan.sections] == [
        ("overdue", ["very late", "a bit late"]),
        ("open", ["due soon", "due later", "no date"]),
        ("done", ["done just now", "done long ago"]),
        ("dropped", ["dropped"]),
    ]
    assert plan.counts == PlanCounts(open=5, overdue=2, done=2, dropped=1)
    assert [r.overdue_days for r in plan.sections[0].rows] == [40, 2]


def test_a_dropped_or_done_action_is_never_overdue(project, alice):
    ActionFactory(
        project=project, owner=alice, due_on=_day(-5), status="done", done_at=timezone.now()
    )
    assert team_plan(team=project.team, today=TODAY).counts.overdue == 0


def test_it_tells_who_may_change_each_action(project, alice, bob, carol):
    alices = ActionFactory(project=project, owner=alice)
    bobs = ActionFactory(project=project, owner=bob)
    for user, expected in (
        (alice, (True, True, True)),
        (bob, (False, False, True)),
        (carol, (False, False, False)),
    ):
        viewer = plan_viewer(user=user, team_id=project.team_id)
        rows = {
            row.action.pk: row
            for row in team_plan(team=project.team, viewer=viewer).sections[1].rows
        }
        assert (
            rows[alices.pk].can_edit,
            rows[alices.pk].can_update,
            rows[bobs.pk].can_update,
        ) == expected


@pytest.mark.parametrize("size", [1, 8])
def test_the_plan_reads_in_three_queries_at_any_size(
    size, project, alice, django_assert_num_queries
):
    _mixed_plan(project, alice, size)
    # the actions with their relations, their history, the names of their practices
    with django_assert_num_queries(3):
        plan = team_plan(team=project.team, today=TODAY)
        for section in plan.sections:
            for row in section.rows:
                str(row.action.owner), str(row.action.project), row.dimension_name, row.changes
                str(row.action.created_by), row.action.source_assessment
    assert plan.counts.total == 4 * size


# --- Counts per team --------------------------------------------------------------------------


@pytest.mark.parametrize("teams", [2, 12])
def test_the_summary_counts_each_team_in_one_query(teams, alice, django_assert_num_queries):
    projects = [ProjectFactory() for _ in range(teams)]
    for project in projects:
        _mixed_plan(project, alice, 2)
    quiet = TeamFactory()
    ids = [project.team_id for project in projects] + [quiet.pk]
    with django_assert_num_queries(1):
        summary = plan_summary(team_ids=ids, today=TODAY)
    assert summary[projects[0].team_id] == PlanCounts(open=4, overdue=2, done=2, dropped=2)
    assert summary[quiet.pk] == PlanCounts()
    assert set(summary) == set(ids)


# --- The loop ---------------------------------------------------------------------------------


def test_steps_in_plan_prefer_the_open_action_and_ignore_dropped_ones(project, alice):
    done = ActionFactory(
        project=project, owner=alice, practice_key="a", status="done", done_at=timezone.now()
    )
    ActionFactory(
        project=project, owner=alice, practice_key="b", status="dropped", dropped_reason="x"
    )
    done_b = ActionFactory(
        project=project, owner=alice, practice_key="c", status="done", done_at=timezone.now()
    )
    open_c = ActionFactory(project=project, owner=alice, practice_key="c")
    found = action_loop.steps_in_plan(project_id=project.pk, practice_keys=["a", "b", "c", "d"])
    assert found == {"a": done, "c": open_c}
    assert done_b.pk not in {action.pk for action in found.values()}


def test_done_actions_since_keep_the_latest_per_practice(project, alice):
    now = timezone.now()
    ActionFactory(
        project=project,
        owner=alice,
        practice_key="a",
        status="done",
        done_at=now - datetime.timedelta(days=50),
    )
    latest = ActionFactory(
        project=project, owner=alice, practice_key="a", status="done", done_at=now
    )
    ActionFactory(project=project, owner=alice, practice_key="", status="done", done_at=now)
    found = action_loop.done_actions_since(
        project_id=project.pk, since=now - datetime.timedelta(days=10)
    )
    assert found == {"a": latest}
    assert set(action_loop.done_actions_since(project_id=project.pk, since=None)) == {"a"}


@given(st.dates(min_value=datetime.date(2000, 1, 1), max_value=datetime.date(2090, 12, 31)))
def test_the_end_of_next_quarter_is_a_quarters_last_day_after_this_quarter(day):
    end = end_of_next_quarter(day)
    assert (end + datetime.timedelta(days=1)).day == 1
    assert (end + datetime.timedelta(days=1)).month in (1, 4, 7, 10)
    assert 31 < (end - day).days <= 183


# --- The CSV ----------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [1, 8])
def test_the_csv_rows_read_in_three_queries(size, team, project, alice, django_assert_num_queries):
    unit = unit_create(name="Risk", parent=None, actor=None)
    team_move(team=team, unit=unit_create(name="Fraud", parent=unit, actor=None), actor=None)
    _mixed_plan(project, alice, size)
    # the units, the practices' names, the actions
    with django_assert_num_queries(3):
        rows = list(action_csv_rows(actions=Action.objects.all(), today=TODAY))
    assert len(rows) == 4 * size
    first = dict(zip(ACTION_CSV_HEADER, rows[0], strict=True))
    assert first["team"] == "Fraud Detection" and first["unit_path"] == "Risk / Fraud"
    overdue = [dict(zip(ACTION_CSV_HEADER, row, strict=True)) for row in rows if row[9] != ""]
    assert len(overdue) == size and all(row["status"] == "Planned" for row in overdue)


def test_who_sees_which_actions_in_the_csv(
    team, other_team, project, other_project, alice, dave, carol
):
    mine = ActionFactory(project=project, owner=alice)
    theirs = ActionFactory(project=other_project, owner=dave)
    assert list(actions_visible_to(user=alice)) == [mine]
    assert set(actions_visible_to(user=carol)) == {mine, theirs}


def test_history_follows_status_changes(project, alice):
    action = ActionFactory(project=project, owner=alice)
    action_set_status(action=action, status="done", version=1, user=alice)
    row = team_plan(team=project.team).sections[2].rows[0]
    assert [(c.field, c.old_value, c.new_value) for c in row.changes] == [
        ("status", "planned", "done")
    ]


def test_the_history_reads_as_sentences():
    def text(field, old, new):
        return change_text(ActionChange(field=field, old_value=old, new_value=new))

    assert text("status", "planned", "in_progress") == "changed the status: Planned → In progress"
    assert text("due_on", "2027-03-31", "") == "changed the due date: 31 Mar 2027 → —"
    assert text("notes", "a", "b") == "changed the notes"
    assert text("ticket_url", "", "https://x.example.com") == (
        "changed the ticket link: — → “https://x.example.com”"
    )
