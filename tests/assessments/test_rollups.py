"""The roll-ups the dashboards read stay equal to a recomputation from the stored scores,
whatever submissions, returns and acceptances happen, and the dashboards read from them say
what they said when they read the stored scores themselves."""

import dataclasses
import datetime
import math
from collections import Counter, defaultdict
from unittest import mock

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessments.models import (
    Assessment,
    DimensionScore,
    OrganisationQuarter,
    OrganisationQuarterGap,
    PracticeGap,
    QuarterQuartiles,
    ReviewPolicy,
    TeamQuarter,
    TeamQuarterDimension,
    TeamQuarterGap,
)
from assessments.rules import review as review_rules
from assessments.rules.levels import level_position
from assessments.services.answering import assessment_submit
from assessments.services.periods import period_open
from assessments.services.reviewing import assessment_mark_reviewed, assessment_return
from assessments.services.rollups import rollups_rebuild
from insights.selectors import organisation, quarters
from insights.shapes import NO_UNIT_CHOICE, DashboardFilters
from teams.services import project_archive
from teams.units import unit_create
from tests.assessments.fixtures import answer_all, make_period
from tests.factories import ProjectFactory, TeamFactory, UserFactory

PROJECTS_PER_TEAM = 2


@pytest.fixture
def organisation_to_assess(framework):
    """Two quarters, both open; a division with a department, a team in each and one team
    in no unit; two projects per team."""
    periods = [
        make_period(framework, "2026-Q3", opened_days_ago=95),
        make_period(framework, "2026-Q4", opened_days_ago=5),
    ]
    periods[0].reopened_until = timezone.localdate() + datetime.timedelta(days=14)
    periods[0].save()
    division = unit_create(name="Data division", parent=None, actor=None)
    department = unit_create(name="Platform", parent=division, actor=None)
    teams = [
        TeamFactory(name="Division team", unit=division),
        TeamFactory(name="Department team", unit=department),
        TeamFactory(name="Loose team"),
    ]
    projects = [
        ProjectFactory(team=team, name=f"{team.name} project {number}")
        for team in teams
        for number in range(PROJECTS_PER_TEAM)
    ]
    for period in periods:
        period_open(period=period)
    return periods, projects, UserFactory(username="lead")


ACTIONS = st.lists(
    st.tuples(
        st.integers(0, 3 * PROJECTS_PER_TEAM - 1),  # project
        st.integers(0, 1),  # quarter
        st.sampled_from(["submit", "submit", "return", "accept"]),
        st.sampled_from(["yes", "partly", "no"]),
    ),
    max_size=10,
)


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    actions=ACTIONS,
    every_submission_waits=st.booleans(),
    archive_first=st.booleans(),
    awaiting_counted=st.booleans(),
)
def test_the_rollups_equal_a_recomputation_after_any_submissions_and_reviews(
    organisation_to_assess, actions, every_submission_waits, archive_first, awaiting_counted
):
    periods, projects, lead = organisation_to_assess
    with transaction.atomic():
        ReviewPolicy.objects.update_or_create(
            pk=1,
            defaults={
                "rule": review_rules.EVERY if every_submission_waits else review_rules.NEVER,
                "count_awaiting_review": awaiting_counted,
            },
        )
        if archive_first:
            project_archive(project=projects[0])
        for project, quarter, action, value in actions:
            _act(
                Assessment.objects.get(project=projects[project], period=periods[quarter]),
                action,
                value,
                lead,
            )
        _assert_rollups_recomputed()
        _assert_dashboards_read_alike(periods)
        transaction.set_rollback(True)


def test_a_rebuild_gives_the_rollups_the_services_keep(organisation_to_assess):
    periods, projects, lead = organisation_to_assess
    for index, project in enumerate(projects):
        draft = Assessment.objects.get(project=project, period=periods[1])
        _act(draft, "submit", ["yes", "partly", "no"][index % 3], lead)
    kept = _snapshot()
    rollups_rebuild()
    assert _snapshot() == kept
    assert kept["teams"] and kept["quartiles"]


def _act(assessment: Assessment, action: str, value: str, lead) -> None:
    if action == "submit" and assessment.read_only_reason is None:
        answer_all(assessment, value)
        assessment_submit(assessment=assessment, user=lead, confirm_carried=True)
    elif action == "return" and assessment.awaits_review:
        assessment_return(assessment=assessment)
    elif action == "accept" and assessment.awaits_review:
        assessment_mark_reviewed(assessment=assessment)


def _snapshot() -> dict:
    def rows(model, *fields):
        return sorted(model.objects.values_list(*fields))

    return {
        "teams": rows(TeamQuarter, "period_id", "team_id", *quarters.STORED_COUNTS, "scores"),
        "dimensions": rows(TeamQuarterDimension, "period_id", "team_id", "dimension_key"),
        "gaps": rows(TeamQuarterGap, "period_id", "team_id", "practice_key", "projects"),
        "quartiles": rows(QuarterQuartiles, "period_id", "dimension_key", "median"),
    }


# --- The recomputation ------------------------------------------------------------------------


def _assert_rollups_recomputed() -> None:
    teams: dict[tuple, Counter] = defaultdict(Counter)
    scores: dict[tuple, dict[bool, list[float]]] = defaultdict(lambda: {True: [], False: []})
    for a in Assessment.objects.select_related("project"):
        key = (a.period_id, a.project.team_id)
        counts = teams[key]
        counts["due"] += 1
        pending = a.review_status == Assessment.Review.PENDING
        if a.is_submitted:
            counts["assessed"] += 1
            counts[f"{'pending_' if pending else ''}level_{a.overall_level}"] += 1
            counts["reviewed"] += a.review_status == Assessment.Review.REVIEWED
            counts["awaiting_review"] += pending
            scores[key][pending].append(a.overall_score)
        else:
            counts["returned"] += a.review_status == Assessment.Review.RETURNED
    stored = {(row.period_id, row.team_id): row for row in TeamQuarter.objects.all()}
    assert set(stored) == set(teams)
    for key, counts in teams.items():
        row = stored[key]
        assert {name: getattr(row, name) for name in quarters.STORED_COUNTS} == {
            name: counts[name] for name in quarters.STORED_COUNTS
        }
        assert row.scores == sorted(scores[key][False])
        assert row.pending_scores == sorted(scores[key][True])
    organisation_counts: dict[int, Counter] = defaultdict(Counter)
    for (period_id, _), counts in teams.items():
        organisation_counts[period_id].update(counts)
    assert {
        row.period_id: {name: getattr(row, name) for name in quarters.STORED_COUNTS}
        for row in OrganisationQuarter.objects.all()
    } == {
        period_id: {name: counts[name] for name in quarters.STORED_COUNTS}
        for period_id, counts in organisation_counts.items()
    }
    _assert_dimensions_recomputed()
    _assert_gaps_recomputed()
    _assert_quartiles_recomputed()


def _assert_dimensions_recomputed() -> None:
    expected: dict[tuple, Counter] = defaultdict(Counter)
    for score in DimensionScore.objects.all():
        prefix = "pending_" if score.awaiting_review else ""
        cell = expected[(score.period_id, score.team_id, score.dimension_key)]
        cell[f"{prefix}levelled"] += score.level is not None
        cell[f"{prefix}level_sum"] += score.level or 0
        cell[f"{prefix}not_assessed"] += score.level is None
        cell[f"{prefix}mostly_na"] += 2 * score.not_applicable_count > score.practice_count
    sums = [f"{prefix}{name}" for prefix in ("", "pending_") for name in quarters.DIMENSION_SUMS]
    assert {
        (row.period_id, row.team_id, row.dimension_key): {name: getattr(row, name) for name in sums}
        for row in TeamQuarterDimension.objects.all()
    } == {key: {name: cell[name] for name in sums} for key, cell in expected.items()}


def _assert_gaps_recomputed() -> None:
    expected: dict[tuple, Counter] = defaultdict(Counter)
    for gap in PracticeGap.objects.all():
        held_back = expected[(gap.period_id, gap.team_id, gap.practice_key)]
        held_back["pending_projects" if gap.awaiting_review else "projects"] += 1
    assert {
        (row.period_id, row.team_id, row.practice_key): (row.projects, row.pending_projects)
        for row in TeamQuarterGap.objects.all()
    } == {key: (c["projects"], c["pending_projects"]) for key, c in expected.items()}
    summed: dict[tuple, Counter] = defaultdict(Counter)
    for (period_id, _, practice_key), counts in expected.items():
        summed[(period_id, practice_key)].update(counts)
    assert {
        (row.period_id, row.practice_key): (row.projects, row.pending_projects)
        for row in OrganisationQuarterGap.objects.all()
    } == {key: (c["projects"], c["pending_projects"]) for key, c in summed.items()}


def _assert_quartiles_recomputed() -> None:
    values: dict[tuple, list[float]] = defaultdict(list)
    for a in Assessment.objects.filter(status=Assessment.Status.SUBMITTED):
        for counted in _variants(pending=a.review_status == Assessment.Review.PENDING):
            values[(a.period_id, "", counted)].append(a.overall_score)
    for score in DimensionScore.objects.filter(level__isnull=False):
        position = level_position(score.level, score.progress)
        for counted in _variants(pending=score.awaiting_review):
            values[(score.period_id, score.dimension_key, counted)].append(position)
    stored = {
        (row.period_id, row.dimension_key, row.awaiting_counted): (
            row.low,
            row.median,
            row.high,
            row.count,
        )
        for row in QuarterQuartiles.objects.all()
    }
    assert set(stored) == set(values)
    for key, found in values.items():
        expected = (*(_percentile(found, q) for q in (0.25, 0.5, 0.75)), len(found))
        assert stored[key] == pytest.approx(expected)


def _variants(*, pending: bool) -> tuple[bool, ...]:
    """The figures a result counts in: those counting results awaiting review, and, unless
    it awaits review, those that do not."""
    return (True,) if pending else (True, False)


def _percentile(values: list[float], q: float) -> float:
    """percentile_cont, written out: linear between the two values around (n - 1) q."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    below, above = ordered[math.floor(position)], ordered[math.ceil(position)]
    return below + (above - below) * (position - math.floor(position))


# --- The dashboards ---------------------------------------------------------------------------


def _assert_dashboards_read_alike(periods) -> None:
    choices = organisation.dashboard_choices(generation="rollups-test")
    for period in choices.periods:
        for unit in [None, NO_UNIT_CHOICE, *choices.units]:
            filters = DashboardFilters(period=period, team=None, stage="", unit=unit)
            from_rollups = organisation.organisation_dashboard(filters=filters, choices=choices)
            with mock.patch.object(quarters, "reads_rollups", lambda filters: False):
                from_scores = organisation.organisation_dashboard(filters=filters, choices=choices)
            assert _rounded(from_rollups) == _rounded(from_scores), (period.key, unit)


def _rounded(value):
    if isinstance(value, float):
        return round(value, 9)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _rounded(dataclasses.asdict(value))
    if isinstance(value, dict):
        return {key: _rounded(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_rounded(item) for item in value]
    return value
