"""The stored target phases say, for any day, what judging the project afresh on that day
says: checked on the pure rules for random readings, targets and days, and on stored data
after what people do (submit, return, review policy, targets set and cleared, stage)."""

import datetime
import uuid

import pytest
import time_machine
from hypothesis import given, settings
from hypothesis import strategies as st

from assessments.services.review_policy import review_policy_set
from assessments.services.reviewing import assessment_return
from improvement import target_rules as rules
from improvement.models import TargetPhase
from improvement.selectors.targets import (
    ProjectTarget,
    TargetStanding,
    project_targets,
    summarise,
)
from improvement.services.target_phases import target_phases_rebuild
from improvement.services.targets import (
    target_override_clear,
    target_override_set,
    target_rule_clear,
    target_rule_set,
)
from improvement.target_phases import Phase, target_phases
from insights.selectors.targets import dashboard_targets
from insights.shapes import DashboardChoices, DashboardFilters, PeriodChoice
from teams.models import Project
from teams.services import project_update
from tests.factories import ProjectFactory, TeamFactory
from tests.improvement.targets_data import at, framework_with_dimensions, quarter, submitted

# --- The pure rules ---------------------------------------------------------------------------

days = st.dates(min_value=datetime.date(2024, 1, 1), max_value=datetime.date(2032, 12, 31))
positions = st.floats(min_value=0.0, max_value=2.0, allow_nan=False)


def reading(quarter_key: str, opens_on: datetime.date, position: float) -> rules.Reading:
    return rules.Reading(quarter_key, opens_on, min(int(position), 2), position)


def project_on(
    day: datetime.date, targets: list[tuple[str, rules.Target, rules.Reading, rules.Reading]]
) -> ProjectTarget:
    standings = [
        TargetStanding(
            key,
            key or "Overall",
            target,
            rules.judge(target=target, latest=now, earliest=then, today=day),
        )
        for key, target, now, then in targets
    ]
    overall = next((s for s in standings if s.is_overall), None)
    return ProjectTarget(
        project_id=1,
        name="P",
        slug="p",
        stage="production",
        stage_label="Production",
        team_id=1,
        team_name="T",
        team_slug="t",
        unit_path="",
        overall=overall,
        dimensions=tuple(s for s in standings if not s.is_overall),
    )


def phase_on(phases: list[Phase], day: datetime.date) -> Phase:
    [found] = [
        phase
        for phase in phases
        if (phase.starts_on is None or phase.starts_on <= day)
        and (phase.ends_on is None or day < phase.ends_on)
    ]
    return found


targets = st.tuples(
    st.sampled_from(["", "data", "monitoring"]),
    st.builds(rules.Target, level=st.integers(0, 2), due_on=days),
    st.tuples(days, positions),
    st.tuples(days, positions),
)


@settings(max_examples=150, deadline=None)
@given(
    chosen=st.lists(targets, min_size=1, max_size=3, unique_by=lambda t: t[0]),
    on=st.lists(days, min_size=1, max_size=8),
)
def test_a_phase_says_what_judging_on_its_day_says(chosen, on):
    spelled = []
    for key, target, (earlier_day, earlier), (later_day, later) in chosen:
        first, last = sorted([earlier_day, later_day])
        then = reading("2025-Q1", first, earlier) if first < last else None
        spelled.append((key, target, reading("2025-Q3", last, later), then))
    phases = target_phases(lambda day: project_on(day, spelled))
    assert phases, "a project with a target has phases"
    for day in on:
        judged, phase = project_on(day, spelled), phase_on(phases, day)
        deciding = judged.deciding
        assert (phase.status, phase.overdue) == (judged.status, judged.overdue), day
        assert phase.gap_points == ((deciding.judgement.gap_points or 0.0) if deciding else 0.0)


def test_on_track_turns_behind_on_the_day_the_pace_stops_reaching_the_target():
    # 0.5 now, +0.25 a quarter: level 1 needs two quarters, so on track until two quarters
    # before 30 Jun 2027, behind after, overdue from 1 Jul 2027.
    target = rules.Target(level=1, due_on=datetime.date(2027, 6, 30))
    spelled = [
        (
            "",
            target,
            reading("2026-Q2", datetime.date(2026, 4, 1), 0.5),
            reading("2026-Q1", datetime.date(2026, 1, 1), 0.25),
        )
    ]
    phases = target_phases(lambda day: project_on(day, spelled))
    assert [(p.status, p.overdue) for p in phases] == [
        ("on_track", False),
        ("behind", False),
        ("behind", True),
    ]
    assert phases[0].ends_on == phases[1].starts_on
    changes_on = phases[1].starts_on
    assert project_on(changes_on - datetime.timedelta(days=1), spelled).status == "on_track"
    assert project_on(changes_on, spelled).status == "behind"
    assert phases[2].starts_on == datetime.date(2027, 7, 1)


def test_a_project_without_a_target_has_no_phase():
    assert target_phases(lambda day: project_on(day, [])) == []


# --- Stored, after what people do -------------------------------------------------------------

NOW = datetime.datetime(2026, 11, 15, 10, 0)


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(NOW, tick=False):
        yield


def stored_counts(day: datetime.date):
    choices = DashboardChoices(periods=[], teams=[])
    filters = DashboardFilters(period=PeriodChoice(0, "2026-Q4", datetime.date(2026, 10, 1), 0))
    return dashboard_targets(
        filters=filters, choices=choices, generation=uuid.uuid4().hex, today=day
    ).counts


def fresh_counts(day: datetime.date):
    active = Project.objects.filter(archived_at__isnull=True, team__archived_at__isnull=True)
    return summarise(project_targets(projects=active, today=day).values()).counts


def assert_stored_equals_fresh():
    for day in (datetime.date(2026, 11, 15), datetime.date(2027, 3, 1), datetime.date(2027, 7, 2)):
        assert stored_counts(day) == fresh_counts(day), day


@pytest.fixture
def organisation(db):
    v1 = framework_with_dimensions(2)
    q2, q3, q4 = (quarter(key, v1) for key in ("2026-Q2", "2026-Q3", "2026-Q4"))
    team = TeamFactory(name="Payments")
    projects = [ProjectFactory(team=team, name=f"P{n}") for n in range(6)]
    levels = [(0, 20), (0, 60), (1, 10), (0, 90), (0, 0), (1, 80)]
    for n, project in enumerate(projects[:5]):
        submitted(project, q2, at(*levels[n]))
        submitted(project, q4, at(*levels[(n + 1) % 6]))
    return {"team": team, "projects": projects, "periods": (q2, q3, q4)}


def test_the_stored_phases_follow_every_change_people_make(organisation, erin):
    projects, team = organisation["projects"], organisation["team"]
    target_rule_set(stage="production", level=1, due_on=datetime.date(2027, 6, 30), actor=erin)
    assert_stored_equals_fresh()
    assert stored_counts(datetime.date(2026, 11, 15)).no_target == 0
    target_rule_set(
        stage="production",
        dimension_key="data",
        level=2,
        due_on=datetime.date(2027, 12, 31),
        actor=erin,
    )
    assert_stored_equals_fresh()
    target_override_set(
        team=team, level=2, due_on=datetime.date(2028, 3, 31), reason="Flagship.", actor=erin
    )
    assert_stored_equals_fresh()
    target_override_set(
        project=projects[0], level=0, due_on=datetime.date(2027, 3, 31), reason="New.", actor=erin
    )
    assert_stored_equals_fresh()
    project_update(project=projects[1], stage=Project.Stage.EXPLORATION)
    assert_stored_equals_fresh()
    target_override_clear(team=team, actor=erin)
    target_rule_clear(stage="production", dimension_key="data", actor=erin)
    assert_stored_equals_fresh()


def test_a_returned_result_and_the_review_policy_move_the_phases(organisation, erin):
    target_rule_set(stage="production", level=1, due_on=datetime.date(2027, 6, 30), actor=erin)
    review_policy_set(rule="every", count_awaiting_review=True, exemption_quarters=2, actor=erin)
    latest = organisation["projects"][2].assessments.order_by("-period__opens_on").first()
    # Awaiting review, and counted while the policy counts such results.
    type(latest).objects.filter(pk=latest.pk).update(review_status=type(latest).Review.PENDING)
    assert_stored_equals_fresh()
    review_policy_set(rule="every", count_awaiting_review=False, exemption_quarters=2, actor=erin)
    assert_stored_equals_fresh()
    assert assessment_return(assessment=latest)
    assert_stored_equals_fresh()


def test_the_rebuild_writes_what_the_services_kept(organisation, erin):
    target_rule_set(stage="production", level=1, due_on=datetime.date(2027, 6, 30), actor=erin)
    kept = stored_phases()
    target_phases_rebuild()
    assert stored_phases() == kept


def stored_phases() -> list[tuple]:
    fields = ("project_id", "starts_on", "ends_on", "status", "overdue", "gap_points")
    return list(TargetPhase.objects.order_by("project_id", "starts_on").values_list(*fields))
