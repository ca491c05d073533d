"""Initiatives: the scope, the current answer, what counts, and the weekly points."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from core.models import AuditEntry
from improvement.models import InitiativeWeek
from improvement.selectors.initiatives import initiative_progress
from improvement.services.initiatives import (
    initiative_create,
    initiative_update,
    initiative_week_record,
    initiative_weeks_record_all,
)
from teams.models import Project
from teams.units import unit_create
from tests.factories import ProjectFactory, TeamFactory
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


@pytest.fixture
def quarters(db):
    framework = small_framework()
    return quarter(framework, "2026-Q3", Q3_OPENS), quarter(framework, "2026-Q4", Q4_OPENS)


def progress_of(subject, today=TODAY):
    return initiative_progress(initiative=subject, today=today)


# --- Scope ------------------------------------------------------------------------------------


def test_it_scopes_by_stage_and_leaves_archived_projects_and_teams_out(quarters, team):
    ProjectFactory(team=team, name="Live", stage=Project.Stage.PRODUCTION)
    ProjectFactory(team=team, name="Trial", stage=Project.Stage.PILOT)
    ProjectFactory(team=team, name="Gone", archived_at="2026-01-01T00:00Z")
    closed = TeamFactory(name="Closed team", archived_at="2026-01-01T00:00Z")
    ProjectFactory(team=closed, name="Orphan")
    assert progress_of(initiative(stages=["production"])).projects_in_scope == 1
    assert progress_of(initiative(stages=["production", "pilot"])).projects_in_scope == 2
    assert progress_of(initiative(stages=[])).projects_in_scope == 2


def test_it_scopes_by_unit_subtree_and_by_team(quarters, erin):
    retail = unit_create(name="Retail", parent=None, actor=erin)
    stores = unit_create(name="Stores", parent=retail, actor=erin)
    finance = unit_create(name="Finance", parent=None, actor=erin)
    in_stores = TeamFactory(name="Shelf vision", unit=stores)
    in_finance = TeamFactory(name="Credit risk", unit=finance)
    loose = TeamFactory(name="No unit")
    for owner in (in_stores, in_finance, loose):
        ProjectFactory(team=owner)
    teams_of = lambda subject: {row.team.name for row in progress_of(subject).teams}  # noqa: E731
    assert teams_of(initiative(units=[retail])) == {"Shelf vision"}
    assert teams_of(initiative(units=[stores], teams=[loose])) == {"Shelf vision", "No unit"}
    assert teams_of(initiative()) == {"Shelf vision", "Credit risk", "No unit"}


# --- The current answer -----------------------------------------------------------------------


def test_it_fills_a_drafts_gaps_with_the_last_submission(quarters, team):
    q3, q4 = quarters
    project = ProjectFactory(team=team)
    assess(project, q3, business_kpi_tracking="yes", drift_monitoring="yes")
    assess(project, q4, submitted=False, business_kpi_tracking="", drift_monitoring="no")
    progress = progress_of(initiative())
    counts = {count.practice.key: count.in_place for count in progress.practices}
    assert counts == {KPI: 1, DRIFT: 0}  # the draft's "no" wins; its blank falls back
    assert progress.projects_complete == 0


def test_it_reads_only_the_latest_submission(quarters, team):
    q3, q4 = quarters
    project = ProjectFactory(team=team)
    assess(project, q3, business_kpi_tracking="yes", drift_monitoring="yes")
    assess(project, q4, business_kpi_tracking="yes")  # drift unanswered, and submitted
    assert progress_of(initiative()).projects_complete == 0


def test_it_reads_only_the_last_two_quarters(quarters, team):
    q3, q4 = quarters
    q2 = quarter(q3.framework, "2026-Q2", datetime.date(2026, 4, 1))
    old, current = ProjectFactory(team=team), ProjectFactory(team=team)
    assess(old, q2, business_kpi_tracking="yes", drift_monitoring="yes")
    assess(current, q4, business_kpi_tracking="yes", drift_monitoring="yes")
    assess(current, q3, business_kpi_tracking="no")
    progress = progress_of(initiative())
    assert (progress.projects_complete, progress.projects_in_scope) == (1, 2)


def test_it_skips_a_quarter_without_assessments(quarters, team):
    q3, q4 = quarters
    quarter(q3.framework, "2027-Q1", datetime.date(2027, 1, 1))  # not opened: no assessments
    project = ProjectFactory(team=team)
    assess(project, q3, business_kpi_tracking="yes", drift_monitoring="yes")
    assess(project, q4, submitted=False, business_kpi_tracking="")
    assert progress_of(initiative()).projects_complete == 1


# --- What counts ------------------------------------------------------------------------------


def test_it_leaves_not_applicable_practices_out_of_a_projects_count(quarters, team):
    _, q4 = quarters
    partial, exempt = ProjectFactory(team=team), ProjectFactory(team=team)
    assess(partial, q4, business_kpi_tracking="yes", drift_monitoring="na")
    assess(exempt, q4, business_kpi_tracking="na", drift_monitoring="na")
    progress = progress_of(initiative())
    assert (progress.projects_complete, progress.projects_in_scope) == (1, 1)
    assert progress.not_applicable_projects == 1
    assert (progress.practices_in_place, progress.practices_total) == (1, 1)
    assert [(c.in_place, c.counted, c.left_out) for c in progress.practices] == [
        (1, 1, 1),
        (0, 0, 2),
    ]


def test_it_leaves_out_practices_a_profile_is_not_asked(quarters, team):
    _, q4 = quarters
    classic, llm = ProjectFactory(team=team), ProjectFactory(team=team)
    describe(classic, CLASSIC_PROFILE)
    describe(llm, LLM_PROFILE)
    assess(classic, q4, submitted=False, business_kpi_tracking="yes")
    assess(llm, q4, submitted=False, business_kpi_tracking="yes", llm_evals="no")
    progress = progress_of(initiative(practice_keys=[KPI, EVALS]))
    assert (progress.projects_complete, progress.projects_in_scope) == (1, 2)
    evals = progress.practices[1]
    assert (evals.in_place, evals.counted, evals.left_out) == (0, 1, 1)


def test_it_asks_a_submission_by_the_profile_it_was_scored_with(quarters, team):
    _, q4 = quarters
    project = ProjectFactory(team=team)
    describe(project, LLM_PROFILE)  # changed since the submission
    assess(project, q4, profile=CLASSIC_PROFILE, business_kpi_tracking="yes")
    assert progress_of(initiative(practice_keys=[KPI, EVALS])).projects_complete == 1


def test_it_counts_a_project_never_assessed_as_not_complete(quarters, team):
    ProjectFactory(team=team)
    progress = progress_of(initiative())
    assert (progress.projects_complete, progress.projects_in_scope) == (0, 1)


# --- Teams behind -----------------------------------------------------------------------------


def test_it_finds_the_teams_below_the_on_pace_share(quarters, team, other_team, alice, dave):
    _, q4 = quarters
    assess(ProjectFactory(team=team), q4, business_kpi_tracking="yes", drift_monitoring="yes")
    assess(ProjectFactory(team=other_team), q4, business_kpi_tracking="no")
    subject = initiative()
    progress = progress_of(subject)
    assert 0 < progress.on_pace < 100
    assert [row.team for row in progress.teams_behind] == [other_team]
    behind = progress.teams_behind[0]
    assert behind.leads == (dave,) and behind.share == 0
    assert behind.gap == pytest.approx(progress.on_pace)


# --- Creating, editing, recording ---------------------------------------------------------------


def test_it_records_the_first_point_on_creation_and_audits_it(quarters, carol, project):
    created = initiative_create(
        actor=carol,
        title="Business KPIs everywhere",
        why="A model can be up and useless.",
        practice_keys=[KPI],
        stages=["production"],
        starts_on=datetime.date(2026, 11, 1),
        target_on=datetime.date(2027, 3, 31),
        today=TODAY,
    )
    week = InitiativeWeek.objects.get(initiative=created)
    assert week.week_start == datetime.date(2026, 11, 16)
    assert (week.projects_in_scope, week.projects_complete) == (1, 0)
    assert created.slug == "business-kpis-everywhere"
    assert AuditEntry.objects.filter(action="initiative.create", target_id=created.pk).exists()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"practice_keys": ["no-such-practice"]}, "practice_keys", "Unknown practice"),
        ({"practice_keys": []}, "practice_keys", "at least one"),
        ({"target_on": datetime.date(2026, 10, 1)}, "target_on", "after the start"),
        ({"stages": ["someday"]}, "stages", "Unknown stage"),
        ({"title": "  "}, "title", "blank"),
    ],
)
def test_it_refuses_bad_initiatives_with_clear_messages(quarters, carol, changes, field, message):
    fields = {
        "title": "KPIs",
        "why": "Because.",
        "practice_keys": [KPI],
        "starts_on": datetime.date(2026, 10, 1),
        "target_on": datetime.date(2027, 3, 31),
        **changes,
    }
    with pytest.raises(ValidationError) as error:
        initiative_create(actor=carol, **fields)
    assert message in " ".join(error.value.message_dict[field])
    assert not InitiativeWeek.objects.exists()


def test_it_gives_each_initiative_its_own_address(quarters, carol):
    fields = {
        "why": "Because.",
        "practice_keys": [KPI],
        "starts_on": datetime.date(2026, 10, 1),
        "target_on": datetime.date(2027, 3, 31),
    }
    first = initiative_create(actor=carol, title="KPIs", **fields)
    second = initiative_create(actor=carol, title="KPIs!", **fields)
    odd = initiative_create(actor=carol, title="New", **fields)
    assert [first.slug, second.slug, odd.slug] == ["kpis", "kpis-2", "new-2"]


def test_it_keeps_the_address_and_records_the_week_again_on_an_edit(quarters, carol, project):
    subject = initiative(title="Drift", slug="drift")
    initiative_update(
        initiative=subject,
        actor=carol,
        title="Drift and KPIs",
        why="Both.",
        practice_keys=[DRIFT, KPI],
        starts_on=subject.starts_on,
        target_on=subject.target_on,
        today=TODAY,
    )
    subject.refresh_from_db()
    assert (subject.slug, subject.title) == ("drift", "Drift and KPIs")
    assert InitiativeWeek.objects.filter(initiative=subject).count() == 1
    entry = AuditEntry.objects.get(action="initiative.update")
    assert entry.before["title"] == "Drift" and entry.after["practice_keys"] == [DRIFT, KPI]


def test_it_upserts_the_point_of_the_week(quarters, team):
    _, q4 = quarters
    project = ProjectFactory(team=team)
    subject = initiative()
    first = initiative_week_record(initiative=subject, today=TODAY)
    assess(project, q4, business_kpi_tracking="yes", drift_monitoring="yes")
    again = initiative_week_record(initiative=subject, today=TODAY + datetime.timedelta(days=2))
    assert again.pk == first.pk and again.projects_complete == 1
    assert InitiativeWeek.objects.filter(initiative=subject).count() == 1
    later = initiative_week_record(initiative=subject, today=TODAY + datetime.timedelta(days=7))
    assert later.week_start == first.week_start + datetime.timedelta(days=7)


def test_it_records_this_weeks_point_once_for_active_initiatives(quarters, team):
    ProjectFactory(team=team)
    active = initiative()
    recorded = initiative()
    initiative_week_record(initiative=recorded, today=TODAY)
    initiative(archived_at="2026-11-01T00:00Z")
    initiative(starts_on=datetime.date(2026, 12, 1), target_on=datetime.date(2027, 3, 1))
    initiative(starts_on=datetime.date(2026, 1, 1), target_on=datetime.date(2026, 6, 30))
    assert initiative_weeks_record_all(today=TODAY) == 1
    assert InitiativeWeek.objects.filter(initiative=active).count() == 1
    assert initiative_weeks_record_all(today=TODAY) == 0
    assert InitiativeWeek.objects.count() == 2
