"""The database's counts are the ones the project-by-project computation gives.

`initiative_counts` applies the scope and improvement.burnup's rules in SQL. The reference
below is the computation it replaced, project by project in Python with the pure rules
(`burnup.current_answers`, `burnup.project_progress`, `profiles.matches`); both must give
the same figures on an organisation that has every case: drafts filling their blanks from
the previous submission, stored and recorded profiles, a rule-1 framework that asks by
practice only, "not applicable", projects never assessed, archived ones, units and teams.
"""

import datetime
from collections import Counter, defaultdict

import pytest
from django.db.models import Exists, OuterRef

from assessments.models import Answer, Assessment, Period, Practice, ProjectProfile
from assessments.rules.profiles import Profile, matches
from improvement import burnup
from improvement.selectors.initiative_progress import Scope, initiatives_progress
from teams.models import Membership, Project
from teams.units import unit_create
from tests.factories import ProjectFactory, TeamFactory, UserFactory
from tests.improvement.initiative_data import (
    CLASSIC_PROFILE,
    DRIFT,
    EVALS,
    KPI,
    LLM_PROFILE,
    Q3_OPENS,
    Q4_OPENS,
    TODAY,
    assess,
    describe,
    initiative,
    quarter,
    small_framework,
)


def _in_scope(scope: Scope, project: Project) -> bool:
    if project.archived_at or project.team.archived_at:
        return False
    if scope.stages and project.stage not in scope.stages:
        return False
    if scope.whole_organisation:
        return True
    unit = project.team.unit
    in_units = unit is not None and any(unit.path.startswith(p) for _, p in scope.units)
    return in_units or any(pk == project.team_id for _, pk in scope.teams)


def _reference(subject, scope: Scope) -> dict:
    """The figures as the former Python computation made them."""
    keys = list(dict.fromkeys(subject.practice_keys))
    periods = list(
        Period.objects.filter(Exists(Assessment.objects.filter(period_id=OuterRef("pk"))))
        .order_by("-opens_on")
        .values_list("pk", "framework_id")[:2]
    )
    order = {pk: index for index, (pk, _) in enumerate(periods)}
    rules = dict(Practice.objects.values_list("framework_id", "framework__scoring_rule"))
    asked_when = {
        (framework, key): applies_to or {}
        for framework, key, applies_to in Practice.objects.values_list(
            "framework_id", "key", "applies_to"
        )
    }
    known = set(Practice.objects.values_list("key", flat=True))
    per_key = {key: [0, 0, 0] for key in keys}
    per_team: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    not_applicable = 0
    projects = Project.objects.select_related("team__unit").order_by("pk")
    for project in (p for p in projects if _in_scope(scope, p)):
        assessments = sorted(
            (order[a.period_id], a.pk, a)
            for a in Assessment.objects.filter(project=project, period_id__in=list(order))
        )
        recorded = ProjectProfile.objects.filter(project=project).first()
        profile = recorded.as_profile() if recorded else None
        framework = periods[0][1] if periods else None
        answers: dict[str, str] = {}
        if assessments:
            latest = assessments[0][2]
            earlier = [a for _, _, a in assessments[1:] if a.status == Assessment.Status.SUBMITTED]
            answers = burnup.current_answers(
                latest=_answers(latest),
                latest_is_draft=latest.status == Assessment.Status.DRAFT,
                previous=_answers(earlier[0]) if earlier else None,
            )
            framework = periods[assessments[0][0]][1]
            if latest.status != Assessment.Status.DRAFT:
                profile = Profile.from_mapping(latest.profile)
        if framework is None:
            asked = {key for key in keys if key in known}
        else:
            by_profile = rules.get(framework, 1) >= 2
            asked = {
                key
                for key in keys
                if (framework, key) in asked_when
                and (not by_profile or matches(asked_when[framework, key], profile))
            }
        progress = burnup.project_progress(practice_keys=keys, answers=answers, asked=asked)
        for key in keys:
            per_key[key][0] += key in progress.in_place
            per_key[key][1] += key in progress.counted
            per_key[key][2] += key not in progress.counted
        if not progress.applicable:
            not_applicable += 1
            continue
        per_team[project.team_id][0] += 1
        per_team[project.team_id][1] += progress.complete
    return {
        "teams": {team: tuple(counts) for team, counts in per_team.items()},
        "practices": {key: tuple(counts) for key, counts in per_key.items()},
        "not_applicable": not_applicable,
    }


def _answers(assessment: Assessment) -> dict[str, str]:
    return dict(Answer.objects.filter(assessment=assessment).values_list("practice__key", "value"))


def _figures(progress) -> dict:
    return {
        "teams": {row.team.pk: (row.projects, row.complete) for row in progress.teams},
        "practices": {
            count.practice.key: (count.in_place, count.counted, count.left_out)
            for count in progress.practices
        },
        "not_applicable": progress.not_applicable_projects,
    }


def _organisation() -> list:
    """Every case the rules tell apart, spread over two units and a team without one."""
    framework = small_framework()
    old_framework = small_framework(rule=1, version=0)
    q2 = quarter(old_framework, "2026-Q2", datetime.date(2026, 4, 1))
    q3, q4 = quarter(framework, "2026-Q3", Q3_OPENS), quarter(framework, "2026-Q4", Q4_OPENS)
    admin = UserFactory(username="root", is_staff=True)
    retail = unit_create(name="Retail", parent=None, actor=admin)
    stores = unit_create(name="Stores", parent=retail, actor=admin)
    finance = unit_create(name="Finance", parent=None, actor=admin)
    teams = [
        TeamFactory(name="Shelf vision", unit=stores),
        TeamFactory(name="Pricing", unit=retail),
        TeamFactory(name="Credit risk", unit=finance),
        TeamFactory(name="No unit"),
    ]
    closed = TeamFactory(name="Closed", unit=finance, archived_at="2026-01-01T00:00Z")
    for team in teams:
        Membership.objects.create(user=UserFactory(), team=team, role=Membership.Role.LEAD)
    answers = [
        {"business_kpi_tracking": "yes", "drift_monitoring": "yes"},
        {"business_kpi_tracking": "yes", "drift_monitoring": "no", "llm_evals": "yes"},
        {"business_kpi_tracking": "na", "drift_monitoring": "na", "llm_evals": "na"},
        {"business_kpi_tracking": "", "drift_monitoring": "yes", "llm_evals": "no"},
        {"business_kpi_tracking": "yes", "llm_evals": "yes"},
        {},
    ]
    stages = [Project.Stage.PRODUCTION, Project.Stage.PILOT]
    for n, team in enumerate([*teams, closed]):
        for m in range(9):
            project = ProjectFactory(team=team, name=f"{team.name} {m}", stage=stages[m % 2])
            if m % 3 == 1:
                describe(project, LLM_PROFILE)
            elif m % 3 == 2:
                describe(project, CLASSIC_PROFILE)
            if m == 8:
                continue  # never assessed
            if m == 7:  # only in an older quarter, of a framework that asks by practice
                assess(project, q2, **answers[n % len(answers)])
                continue
            stored = [LLM_PROFILE, CLASSIC_PROFILE, {}, {"kind": "llm_api"}][(n + m) % 4]
            assess(project, q3, profile=stored, **answers[(n + m) % len(answers)])
            if m % 4 != 3:  # the others have no Q4 assessment: Q3 is their latest
                assess(
                    project,
                    q4,
                    submitted=(n + m) % 2 == 0,
                    profile=stored,
                    **answers[(n * 2 + m) % len(answers)],
                )
        if n == 1:
            ProjectFactory(team=team, name="Archived", archived_at="2026-01-01T00:00Z")
    return [
        initiative(),
        initiative(practice_keys=[KPI, EVALS, DRIFT]),
        initiative(practice_keys=[EVALS]),
        initiative(practice_keys=[DRIFT, KPI, DRIFT], stages=["production"]),
        initiative(practice_keys=[KPI, "no-such-practice"], units=[retail]),
        initiative(practice_keys=[EVALS, KPI], units=[stores], teams=[teams[3]]),
        initiative(stages=["pilot"], teams=[teams[2], closed]),
    ]


@pytest.mark.django_db
def test_it_counts_as_the_project_by_project_computation():
    made = _organisation()
    progress = initiatives_progress(initiatives=made, today=TODAY)
    for subject in made:
        figures = _figures(progress[subject.pk])
        assert figures == _reference(subject, progress[subject.pk].scope), subject.practice_keys
    whole = _figures(progress[made[1].pk])
    # The data set does tell the cases apart.
    assert whole["not_applicable"] > 0
    assert len({counts for counts in whole["practices"].values()}) == 3
    assert Counter(done == total for total, done in whole["teams"].values())[False] > 0


@pytest.mark.django_db
def test_it_counts_every_known_practice_before_any_quarter_has_assessments():
    framework = small_framework()
    quarter(framework, "2026-Q4", Q4_OPENS)
    team = TeamFactory(name="Early")
    ProjectFactory(team=team)
    subject = initiative(practice_keys=[KPI, EVALS, "no-such-practice"])
    progress = initiatives_progress(initiatives=[subject], today=TODAY)[subject.pk]
    assert _figures(progress) == _reference(subject, progress.scope)
    assert [count.counted for count in progress.practices] == [1, 1, 0]
