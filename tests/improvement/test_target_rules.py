"""The target rules (improvement.target_rules): which target applies, and met, on track,
behind and overdue, by example and by property."""

import datetime

from hypothesis import given
from hypothesis import strategies as st

from improvement import target_rules as rules
from improvement.target_rules import BEHIND, MET, NO_ASSESSMENT, NO_TARGET, ON_TRACK, RANK

TODAY = datetime.date(2026, 11, 15)
DUE = datetime.date(2027, 6, 30)


def reading(quarter: str, opens_on: datetime.date, position: float) -> rules.Reading:
    return rules.Reading(quarter, opens_on, min(int(position), 2), position)


Q2 = datetime.date(2026, 4, 1)
Q4 = datetime.date(2026, 10, 1)


# --- Which target applies ---------------------------------------------------------------------


def test_it_takes_the_projects_override_before_the_teams_before_the_organisations():
    project, team = rules.Target(2, DUE, rules.PROJECT), rules.Target(0, DUE, rules.TEAM)
    organisation = rules.Target(1, DUE)
    assert rules.applicable(project=project, team=team, organisation=organisation) is project
    assert rules.applicable(project=None, team=team, organisation=organisation) is team
    assert rules.applicable(project=None, team=None, organisation=organisation) is organisation
    assert rules.applicable(project=None, team=None, organisation=None) is None


# --- Examples ---------------------------------------------------------------------------------


def test_it_calls_a_project_at_the_target_level_met():
    latest = reading("2026-Q4", Q4, 1.2)
    judgement = rules.judge(target=rules.Target(1, DUE), latest=latest, earliest=None, today=TODAY)
    assert judgement.status == MET
    assert judgement.gap_levels == 0
    assert judgement.explanation == (
        "Level 1 in 2026-Q4: the target, level 1 by 30 Jun 2027, is met."
    )


def test_it_projects_the_pace_since_two_quarters_ago_to_the_due_date():
    """0.4 -> 0.8 over two quarters is +0.2 a quarter: one more quarter reaches 1.0."""
    latest, earliest = reading("2026-Q4", Q4, 0.8), reading("2026-Q2", Q2, 0.4)
    judgement = rules.judge(target=rules.Target(1, DUE), latest=latest, earliest=earliest, today=Q4)
    assert judgement.status == ON_TRACK
    assert round(judgement.pace, 6) == 0.2
    assert round(judgement.quarters_left, 2) == 2.98  # 1 Oct to 30 Jun
    assert (judgement.gap_levels, round(judgement.gap_points or 0, 2)) == (1, 0.2)
    assert judgement.explanation == (
        "At +0.20 a quarter since 2026-Q2 it reaches level 1 by 2027-Q1, before 30 Jun 2027."
    )


def test_it_calls_a_slow_project_behind_and_says_when_it_would_arrive():
    latest, earliest = reading("2026-Q4", Q4, 0.3), reading("2026-Q2", Q2, 0.2)
    judgement = rules.judge(target=rules.Target(1, DUE), latest=latest, earliest=earliest, today=Q4)
    assert judgement.status == BEHIND and not judgement.overdue
    assert judgement.explanation.startswith("At +0.05 a quarter since 2026-Q2 it reaches level 1")
    assert judgement.explanation.endswith(": after 30 Jun 2027.")


def test_it_calls_a_project_without_an_earlier_assessment_behind_with_no_pace():
    judgement = rules.judge(
        target=rules.Target(1, DUE), latest=reading("2026-Q4", Q4, 0.9), earliest=None, today=Q4
    )
    assert (judgement.status, judgement.pace, judgement.since) == (BEHIND, 0.0, "")
    assert "no pace yet" in judgement.explanation and "+0.10" in judgement.explanation


def test_it_calls_a_project_behind_after_the_date_overdue():
    late = datetime.date(2027, 7, 1)
    judgement = rules.judge(
        target=rules.Target(1, DUE),
        latest=reading("2026-Q4", Q4, 0.95),
        earliest=reading("2026-Q2", Q2, 0.1),
        today=late,
    )
    assert judgement.status == BEHIND and judgement.overdue and judgement.label == "overdue"
    assert judgement.quarters_left == 0
    assert judgement.explanation.startswith("Overdue: level 1 was due by 30 Jun 2027")


def test_it_says_no_assessment_without_a_reading():
    judgement = rules.judge(target=rules.Target(1, DUE), latest=None, earliest=None, today=TODAY)
    assert judgement.status == NO_ASSESSMENT
    assert judgement.gap_levels is None and judgement.gap_points is None


def test_it_ranks_a_falling_project_behind_and_says_so():
    judgement = rules.judge(
        target=rules.Target(1, DUE),
        latest=reading("2026-Q4", Q4, 0.5),
        earliest=reading("2026-Q2", Q2, 0.7),
        today=Q4,
    )
    assert judgement.status == BEHIND
    assert judgement.explanation == (
        "Down 0.10 a quarter since 2026-Q2: at this pace it does not reach level 1."
    )


def test_it_counts_quarters_by_months():
    assert rules.quarters_between(Q2, Q4) == 2
    assert rules.quarters_between(datetime.date(2026, 1, 1), datetime.date(2027, 1, 1)) == 4
    assert rules.quarters_left(today=DUE, due_on=DUE) == 0
    assert rules.quarters_left(today=datetime.date(2027, 7, 1), due_on=DUE) == 0


def test_it_takes_the_worst_of_several_targets():
    assert rules.overall_status(has_target=True, statuses=[MET, BEHIND, ON_TRACK]) == BEHIND
    assert rules.overall_status(has_target=True, statuses=[MET, ON_TRACK]) == ON_TRACK
    assert rules.overall_status(has_target=True, statuses=[MET, NO_ASSESSMENT]) == MET
    assert rules.overall_status(has_target=True, statuses=[NO_ASSESSMENT]) == NO_ASSESSMENT
    assert rules.overall_status(has_target=False, statuses=[]) == NO_TARGET


# --- Properties -------------------------------------------------------------------------------

positions = st.floats(min_value=0, max_value=2, allow_nan=False)
paces = st.floats(min_value=-2, max_value=2, allow_nan=False)
lefts = st.floats(min_value=0, max_value=20, allow_nan=False)
targets = st.integers(min_value=0, max_value=2)


def status(target: int, position: float, pace: float, left: float, passed: bool) -> str:
    level = min(int(position), 2)
    return rules.status_of(
        target_level=target, level=level, position=position, pace=pace, left=left, passed=passed
    )


@given(targets, positions, positions, paces, lefts, st.booleans())
def test_a_higher_position_is_never_worse(target, one, other, pace, left, passed):
    low, high = sorted((one, other))
    assert (
        RANK[status(target, high, pace, left, passed)]
        >= RANK[status(target, low, pace, left, passed)]
    )


@given(targets, positions, paces, paces, lefts, st.booleans())
def test_a_faster_pace_is_never_worse(target, position, one, other, left, passed):
    slow, fast = sorted((one, other))
    assert (
        RANK[status(target, position, fast, left, passed)]
        >= RANK[status(target, position, slow, left, passed)]
    )


@given(targets, positions, paces, lefts)
def test_a_passed_date_is_never_on_track(target, position, pace, left):
    assert status(target, position, pace, left, True) != ON_TRACK


@given(targets, positions, paces, lefts, st.booleans())
def test_met_is_exactly_the_level_at_the_target(target, position, pace, left, passed):
    met = status(target, position, pace, left, passed) == MET
    assert met == (min(int(position), 2) >= target)


@given(
    targets,
    positions,
    positions,
    st.integers(min_value=1, max_value=12),
    st.integers(min_value=-400, max_value=1200),
)
def test_judge_agrees_with_the_rule_and_never_calls_met_behind(
    target, earlier, now, quarters_apart, days_to_due
):
    opens_on = datetime.date(2026, 10, 1)
    month = 10 - 3 * quarters_apart
    year, month = 2026 + (month - 1) // 12, (month - 1) % 12 + 1
    judgement = rules.judge(
        target=rules.Target(target, opens_on + datetime.timedelta(days=days_to_due)),
        latest=reading("2026-Q4", opens_on, now),
        earliest=reading("earlier", datetime.date(year, month, 1), earlier),
        today=opens_on,
    )
    assert round(judgement.pace * quarters_apart, 9) == round(now - earlier, 9)
    if judgement.level is not None and judgement.level >= target:
        assert judgement.status == MET and not judgement.overdue
    if judgement.status == ON_TRACK:
        assert days_to_due >= 0
        assert now + judgement.pace * judgement.quarters_left >= target
    assert judgement.overdue == (judgement.status == BEHIND and days_to_due < 0)
    assert judgement.explanation


@given(st.lists(st.sampled_from([MET, ON_TRACK, BEHIND, NO_ASSESSMENT]), min_size=1))
def test_the_worst_target_decides(statuses):
    result = rules.overall_status(has_target=True, statuses=statuses)
    judged = [s for s in statuses if s in RANK]
    if judged:
        assert all(RANK[result] <= RANK[s] for s in judged)
        assert result in judged
    else:
        assert result == NO_ASSESSMENT
