"""Explicit cache invalidation: every write path of what a dashboard shows bumps the
dashboards' generation, and the dashboards read no table that no such write path covers."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments.services import periods
from assessments.services.answering import assessment_submit
from assessments.services.review_policy import review_policy_set
from core.cache import dashboards_generation
from reviews.services.reviews import ReviewInput, review_accept, review_return
from teams import services as team_services
from tests.assessments.factories import scored_organisation
from tests.assessments.fixtures import answer_all

# Each table the dashboards, team and project pages read, and the write paths that change
# it; each write path below is tested to bump the generation. A new table read by a
# dashboard fails the last test until its writers bump and are listed here.
WRITERS = {
    "teams_team": "the admin (TeamAdmin); units and team administration later",
    "teams_project": "project_register, project_update, project_archive, project_restore",
    "teams_unit": "unit_create, unit_rename, unit_move, unit_archive, unit_restore",
    # Who manages which unit: read live on every request, never cached.
    "teams_unitmanager": "-",
    # Who reviews which unit: read live on every request (the navigation), never cached.
    "teams_unitreviewer": "-",
    "assessments_period": "period_create, period_open, period_reopen, period_close, PeriodAdmin",
    "assessments_assessment": "period_open (drafts), assessment_submit, review_accept, "
    "review_return (tests/reviews/test_review_services.py)",
    "assessments_dimensionscore": "assessment_submit, review_accept, review_return",
    "assessments_practicegap": "assessment_submit, review_accept, review_return",
    # The roll-ups of the scores (assessments.services.rollups): written by the same services
    # in their transaction, and by period_open (tests/assessments/test_rollups.py).
    "assessments_teamquarter": "period_open, assessment_submit, review_accept, review_return",
    "assessments_teamquarterdimension": "assessment_submit, review_accept, review_return",
    "assessments_teamquartergap": "assessment_submit, review_accept, review_return",
    "assessments_organisationquarter": "period_open, assessment_submit, review_accept, "
    "review_return",
    "assessments_organisationquartergap": "assessment_submit, review_accept, review_return",
    "assessments_quarterquartiles": "assessment_submit, review_accept, review_return",
    "assessments_reviewpolicy": "review_policy_set (tests/administration/test_review_policy.py)",
    "assessments_exemption": "exemption_sync (answer_save), exemptions_request_missing (submit), "
    "review_accept, review_return (tests/assessments/test_exemptions.py)",
    # Drafts' progress on the team page: read live on every view, never cached.
    "assessments_answer": "-",
    # The project's profile on its page: read live, never cached; scores store their own.
    "assessments_projectprofile": "-",
    "assessments_practice": "framework rows are immutable once a period uses them",
    "assessments_dimension": "framework rows are immutable once a period uses them",
    "assessments_framework": "framework rows are immutable once a period uses them",
    # Authentication and the persona's role, read on every page, never cached.
    "django_session": "-",
    "auth_user": "-",
    "auth_group": "-",
    "auth_user_groups": "-",
    "teams_membership": "-",
    # The team page's counts of open and overdue actions: read live, never cached.
    "improvement_action": "-",
    "evidence_outcome": "outcomes_refresh (tests/evidence/test_outcomes_refresh.py)",
    # The project page's evidence card (latest facts, last collection): read live, never
    # cached (portal.evidence_views.evidence_card).
    "evidence_fact": "-",
    "evidence_collection": "-",
    "improvement_targetrule": "target_rule_set, target_rule_clear",
    "improvement_targetoverride": "target_override_set, target_override_clear",
    "improvement_targetphase": "target_rule_set, target_rule_clear, target_override_set, "
    "target_override_clear, assessment_submit, review_accept, review_return, "
    "review_policy_set, project_register, project_update, import_apply",
}


@pytest.fixture
def bumps():
    """bumps(action) -> whether `action()` changed the dashboards' generation."""

    def check(action) -> bool:
        before = dashboards_generation()
        action()
        return dashboards_generation() != before

    return check


def test_it_bumps_on_every_project_write(bumps, team, project):
    assert bumps(lambda: team_services.project_register(team=team, name="Merchant risk"))
    assert bumps(lambda: team_services.project_update(project=project, name="Card scoring v2"))
    assert bumps(lambda: team_services.project_archive(project=project))
    assert bumps(lambda: team_services.project_restore(project=project))


def test_it_bumps_on_every_period_write(bumps, framework, project):
    created = []
    assert bumps(lambda: created.append(periods.period_create(key="2026-Q4")))
    period = created[0]
    assert bumps(lambda: periods.period_open(period=period))
    later = period.opens_on + datetime.timedelta(days=3)
    assert bumps(lambda: periods.period_close(period=period, today=later))
    assert bumps(
        lambda: periods.period_reopen(
            period=period, until=datetime.date.today() + datetime.timedelta(days=3)
        )
    )


def test_it_bumps_on_a_submission(bumps, assessment, alice):
    answer_all(assessment, "yes")
    assert bumps(lambda: assessment_submit(assessment=assessment, user=alice))


def test_it_bumps_on_every_review_decision_and_policy_change(bumps, assessment, alice, rhea):
    review_policy_set(rule="every", count_awaiting_review=False, exemption_quarters=4, actor=None)
    answer_all(assessment)
    assessment_submit(assessment=assessment, user=alice)
    key = assessment.answers.values_list("practice__key", flat=True).first()
    assert bumps(
        lambda: review_return(
            assessment=assessment, reviewer=rhea, decision=ReviewInput(comments={key: "Why?"})
        )
    )
    assessment_submit(assessment=assessment, user=alice)
    assert bumps(
        lambda: review_accept(assessment=assessment, reviewer=rhea, decision=ReviewInput())
    )
    assert bumps(
        lambda: review_policy_set(
            rule="rises", count_awaiting_review=True, exemption_quarters=4, actor=None
        )
    )


def test_it_bumps_when_an_admin_edits_a_team(bumps, client_for, erin, team):
    client = client_for(erin)
    url = f"/admin/teams/team/{team.pk}/change/"
    data = {
        "name": "Fraud & Abuse",
        "slug": team.slug,
        "description": "",
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
    }
    assert bumps(lambda: client.post(url, data))
    team.refresh_from_db()
    assert team.name == "Fraud & Abuse"


def test_it_shows_a_renamed_team_on_the_dashboard_at_once(client_for, carol, erin):
    organisation = scored_organisation(teams=2, projects_per_team=1, quarters=2)
    team = organisation.teams[0]
    manager = client_for(carol)
    assert team.name in manager.get("/org/").text
    client_for(erin).post(
        f"/admin/teams/team/{team.pk}/change/",
        {
            "name": "Renamed Team",
            "slug": team.slug,
            "description": "",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    page = client_for(carol).get("/org/").text
    assert "Renamed Team" in page


def test_it_reads_no_table_that_no_write_path_covers(client_for, carol):
    organisation = scored_organisation(teams=2, projects_per_team=2, quarters=3)
    client = client_for(carol)
    with CaptureQueriesContext(connection) as queries:
        for url in (
            "/org/",
            f"/teams/{organisation.teams[0].slug}/",
            f"/projects/{organisation.projects[0].slug}/",
            "/org/export.csv",
        ):
            assert client.get(url).status_code == 200
    read = {
        table
        for query in queries.captured_queries
        for table in re.findall(r'(?:FROM|JOIN)\s+"?(\w+)"?', query["sql"])
    }
    assert "assessments_dimensionscore" in read  # the capture works
    assert read - set(WRITERS) == set()
