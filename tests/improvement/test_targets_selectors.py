"""Reading targets (improvement.selectors.targets): which target applies, how each project
stands on stored assessments, the counts, and a fixed number of queries at any size."""

import datetime

import pytest

from improvement.selectors.targets import (
    behind_projects,
    project_targets,
    target_counts,
    target_summary,
)
from improvement.target_rules import BEHIND, MET, NO_ASSESSMENT, NO_TARGET, ON_TRACK
from teams.models import Project
from tests.factories import ProjectFactory, TeamFactory, UserFactory
from tests.improvement.factories import TargetOverrideFactory, TargetRuleFactory
from tests.improvement.targets_data import at, framework_with_dimensions, quarter, submitted

TODAY = datetime.date(2026, 11, 15)
DUE = datetime.date(2027, 6, 30)


@pytest.fixture
def v1(db):
    return framework_with_dimensions(1)


@pytest.fixture
def quarters(v1):
    return {key: quarter(key, v1) for key in ("2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4")}


def one(project: Project, today: datetime.date = TODAY):
    return project_targets(projects=[project.pk], today=today)[project.pk]


# --- Which target applies ---------------------------------------------------------------------


def test_it_applies_the_organisations_rule_for_the_projects_stage(project):
    TargetRuleFactory(stage=Project.Stage.PRODUCTION, level=1, due_on=DUE)
    TargetRuleFactory(stage=Project.Stage.EXPLORATION, level=0, due_on=DUE)
    target = one(project)
    assert target.overall is not None
    assert (target.overall.target.level, target.overall.target.source) == (1, "organisation")
    assert target.status == NO_ASSESSMENT


def test_it_has_no_target_without_a_rule_or_an_override(project):
    TargetRuleFactory(stage=Project.Stage.EXPLORATION, level=0, due_on=DUE)
    target = one(project)
    assert target.overall is None and target.dimensions == ()
    assert (target.status, target.label) == (NO_TARGET, "no target")


def test_a_project_override_beats_the_teams_which_beats_the_organisations(team, project):
    TargetRuleFactory(stage=Project.Stage.PRODUCTION, level=1, due_on=DUE)
    setter = UserFactory(username="erin", first_name="Erin", last_name="Admin")
    TargetOverrideFactory(project=None, team=team, level=0, reason="New team.", set_by=setter)
    sibling = ProjectFactory(team=team, name="Sibling")
    assert one(sibling).overall.target.source == "team"
    assert one(sibling).overall.target.reason == "New team."
    assert one(sibling).overall.target.set_by == "Erin Admin"
    TargetOverrideFactory(project=project, level=2, reason="Customer-facing.")
    overall = one(project).overall
    assert (overall.target.level, overall.target.source) == (2, "project")
    assert one(sibling).overall.target.level == 0


def test_a_dimension_target_applies_only_where_one_is_set(team, project, quarters):
    TargetRuleFactory(stage=Project.Stage.PRODUCTION, level=1, due_on=DUE)
    TargetRuleFactory(stage=Project.Stage.PILOT, dimension_key="data", level=1, due_on=DUE)
    assert one(project).dimensions == ()
    TargetOverrideFactory(project=project, dimension_key="deployment", level=2, reason="Daily.")
    submitted(project, quarters["2026-Q4"], {"data": (1, 10), "deployment": (1, 60)})
    target = one(project)
    [deployment] = target.dimensions
    assert (deployment.dimension_key, deployment.dimension_name) == (
        "deployment",
        "Deployment and release",
    )
    assert (deployment.target.level, deployment.target.source) == (2, "project")
    assert deployment.judgement.position == 1.6
    assert target.overall.status == MET
    assert deployment.status == BEHIND  # one assessment: no pace yet
    assert target.status == BEHIND  # the worst of its targets
    assert target.deciding is deployment


# --- How a project stands ---------------------------------------------------------------------


def test_it_judges_on_the_latest_submission_and_the_pace_since_the_earliest(project, quarters):
    TargetRuleFactory(stage=Project.Stage.PRODUCTION, level=1, due_on=DUE)
    submitted(project, quarters["2026-Q2"], at(0, 40))
    submitted(project, quarters["2026-Q4"], at(0, 80))
    target = one(project)
    judgement = target.overall.judgement
    assert (target.status, target.level, target.quarter) == (ON_TRACK, 0, "2026-Q4")
    assert round(judgement.pace, 6) == 0.2 and judgement.since == "2026-Q2"
    assert (judgement.gap_levels, round(judgement.gap_points, 2)) == (1, 0.2)
    assert judgement.explanation.startswith("At +0.20 a quarter since 2026-Q2 it reaches level 1")
    # The stored score (a rule-2 coverage score) is shown, not projected.
    assert target.score == pytest.approx(1.4)


def test_it_reads_the_position_not_the_coverage_score(project, quarters):
    """Its coverage score is 1.4 at level 0: that is not on track for level 1 by itself."""
    TargetRuleFactory(stage=Project.Stage.PRODUCTION, level=1, due_on=DUE)
    submitted(project, quarters["2026-Q4"], at(0, 80))
    assert one(project).status == BEHIND


def test_it_ignores_drafts(project, quarters):
    TargetRuleFactory(stage=Project.Stage.PRODUCTION, level=1, due_on=DUE)
    submitted(project, quarters["2026-Q3"], at(1, 0))
    draft = submitted(project, quarters["2026-Q4"], at(0, 0))
    draft.status = "draft"
    draft.save()
    target = one(project)
    assert (target.status, target.quarter) == (MET, "2026-Q3")


def test_it_never_takes_a_pace_across_framework_versions(project, quarters):
    TargetRuleFactory(stage=Project.Stage.PRODUCTION, level=1, due_on=DUE)
    v2 = framework_with_dimensions(2)
    submitted(project, quarters["2026-Q2"], at(0, 0))
    submitted(project, quarters["2026-Q3"], at(0, 50))
    later = quarter("2027-Q1", v2)
    submitted(project, later, at(0, 60))
    judgement = one(project, today=datetime.date(2027, 1, 15)).overall.judgement
    assert (judgement.pace, judgement.since, judgement.quarter) == (0.0, "", "2027-Q1")
    assert "no pace yet" in judgement.explanation


def test_it_takes_the_pace_over_the_last_four_assessments(project, v1):
    TargetRuleFactory(stage=Project.Stage.PRODUCTION, level=2, due_on=datetime.date(2028, 6, 30))
    keys = ["2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3"]
    for step, key in enumerate(keys):
        submitted(project, quarter(key, v1), at(0, 10 + 20 * step))
    judgement = one(project).overall.judgement
    assert judgement.since == "2025-Q4"  # the earliest of the last four
    assert round(judgement.pace, 6) == 0.2


def test_it_calls_a_target_missed_by_its_date_overdue(project, quarters):
    TargetRuleFactory(stage=Project.Stage.PRODUCTION, level=1, due_on=datetime.date(2026, 9, 30))
    submitted(project, quarters["2026-Q1"], at(0, 10))
    submitted(project, quarters["2026-Q3"], at(0, 90))
    target = one(project)
    assert (target.status, target.overdue, target.label) == (BEHIND, True, "overdue")


def test_a_dimension_not_assessed_is_not_judged(project, quarters):
    TargetRuleFactory(stage=Project.Stage.PRODUCTION, dimension_key="data", level=1, due_on=DUE)
    assessment = submitted(project, quarters["2026-Q4"], at(1, 0))
    assessment.dimension_scores.filter(dimension_key="data").update(level=None, progress=None)
    target = one(project)
    [data] = target.dimensions
    assert data.status == NO_ASSESSMENT
    assert data.judgement.explanation.startswith("Not assessed in 2026-Q4")
    assert target.status == NO_ASSESSMENT


# --- Counts -----------------------------------------------------------------------------------


def test_it_counts_each_status_and_lists_the_projects_behind_overdue_first(quarters):
    TargetRuleFactory(stage=Project.Stage.PRODUCTION, level=1, due_on=DUE)
    TargetRuleFactory(stage=Project.Stage.PILOT, level=1, due_on=datetime.date(2026, 9, 30))
    team = TeamFactory(name="Payments")
    made = {
        name: ProjectFactory(team=team, name=name, stage=stage)
        for name, stage in [
            ("Met", "production"),
            ("On track", "production"),
            ("Slow", "production"),
            ("Late", "pilot"),
            ("Never", "production"),
            ("Free", "exploration"),
        ]
    }
    submitted(made["Met"], quarters["2026-Q4"], at(1, 5))
    submitted(made["On track"], quarters["2026-Q2"], at(0, 40))
    submitted(made["On track"], quarters["2026-Q4"], at(0, 80))
    submitted(made["Slow"], quarters["2026-Q2"], at(0, 0))
    submitted(made["Slow"], quarters["2026-Q4"], at(0, 10))
    submitted(made["Late"], quarters["2026-Q4"], at(0, 95))
    projects = Project.objects.filter(team=team)
    counts = target_counts(projects=projects, today=TODAY)
    assert (counts.met, counts.on_track, counts.behind, counts.overdue) == (1, 1, 2, 1)
    assert (counts.no_assessment, counts.no_target, counts.total) == (1, 1, 6)
    assert [p.name for p in behind_projects(projects=projects, today=TODAY)] == ["Late", "Slow"]


def test_it_reads_only_the_projects_when_there_are_none(db, django_assert_num_queries):
    TargetRuleFactory(stage=Project.Stage.PRODUCTION)
    with django_assert_num_queries(1):
        summary = target_summary(projects=Project.objects.filter(stage="retired"), today=TODAY)
    assert summary.counts.total == 0 and summary.behind == []


# --- Query counts -----------------------------------------------------------------------------


def organisation(size: int, quarters: dict) -> list[int]:
    """`size` teams of three projects, each assessed in three quarters, some overridden."""
    ids = []
    for number in range(size):
        team = TeamFactory(name=f"Team {number:02d}")
        TargetOverrideFactory(project=None, team=team, level=2, reason="Ambitious.")
        for index in range(3):
            project = ProjectFactory(team=team, name=f"P{number}-{index}")
            TargetOverrideFactory(project=project, dimension_key="data", level=2, reason="Data.")
            for step, key in enumerate(["2026-Q2", "2026-Q3", "2026-Q4"]):
                submitted(project, quarters[key], at((index + step) % 3, 10 * step))
            ids.append(project.pk)
    return ids


@pytest.mark.parametrize("size", [2, 20], ids=["2-teams", "20-teams"])
@pytest.mark.parametrize("dimensions", [False, True], ids=["overall", "with-dimensions"])
def test_it_runs_as_many_queries_for_ten_times_the_projects(
    size, dimensions, quarters, django_assert_num_queries
):
    """projects, rules, overrides, assessments; and the dimension scores when a rule or an
    override names a dimension."""
    TargetRuleFactory(stage=Project.Stage.PRODUCTION, level=1, due_on=DUE)
    if dimensions:
        TargetRuleFactory(stage=Project.Stage.PRODUCTION, dimension_key="deployment")
    ids = organisation(size, quarters)
    if not dimensions:
        from improvement.models import TargetOverride

        TargetOverride.objects.exclude(dimension_key="").delete()
    with django_assert_num_queries(5 if dimensions else 4):
        targets = project_targets(projects=Project.objects.filter(pk__in=ids), today=TODAY)
    assert len(targets) == 3 * size
    assert all(target.has_target for target in targets.values())
