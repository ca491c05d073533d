"""The initiative reads take a fixed number of queries, whatever the size of the organisation."""

import pytest
from django.contrib.auth.models import Group

from improvement.selectors.initiative_progress import initiatives_progress
from improvement.selectors.initiatives import initiative_summaries
from improvement.services.initiatives import initiative_week_record, initiative_weeks_record_all
from teams.models import MANAGEMENT_GROUP, Membership
from teams.units import unit_create
from tests.factories import ProjectFactory, TeamFactory, UserFactory
from tests.improvement.initiative_data import (
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

# Scope (2), projects, periods, assessments, answers, profiles, practices, leads, weeks.
PROGRESS_QUERIES = 10


def organisation(size: int) -> list:
    """`size` teams in two units, each with a lead and two assessed projects; 2 + size
    initiatives scoped in different ways."""
    framework = small_framework()
    q3, q4 = quarter(framework, "2026-Q3", Q3_OPENS), quarter(framework, "2026-Q4", Q4_OPENS)
    admin = UserFactory(username="root", is_staff=True)
    units = [unit_create(name=f"Unit {n}", parent=None, actor=admin) for n in range(2)]
    teams = []
    for n in range(size):
        team = TeamFactory(name=f"Team {n:03}", unit=units[n % 2])
        teams.append(team)
        Membership.objects.create(user=UserFactory(), team=team, role=Membership.Role.LEAD)
        for m in range(2):
            project = ProjectFactory(team=team, name=f"Project {n}-{m}")
            if m:
                describe(project, LLM_PROFILE)
            assess(project, q3, business_kpi_tracking="yes", drift_monitoring="no")
            assess(project, q4, submitted=bool(n % 2), business_kpi_tracking="", llm_evals="no")
    made = [initiative(stages=["production"]), initiative(units=[units[0]])]
    made += [initiative(teams=teams[: n + 1]) for n in range(size)]
    for subject in made:
        initiative_week_record(initiative=subject, today=TODAY)
    return made


@pytest.mark.parametrize("size", [2, 6])
def test_it_computes_progress_in_fixed_queries(db, size, django_assert_num_queries):
    made = organisation(size)
    with django_assert_num_queries(PROGRESS_QUERIES):
        progress = initiatives_progress(initiatives=made, today=TODAY)
    with django_assert_num_queries(PROGRESS_QUERIES):
        summaries = initiative_summaries(initiatives=made, today=TODAY)
    assert len(summaries) == len(made) == size + 2
    assert progress[made[0].pk].projects_in_scope == 2 * size
    with django_assert_num_queries(PROGRESS_QUERIES):
        initiatives_progress(initiatives=made[:1], today=TODAY)


@pytest.mark.parametrize("size", [2, 6])
def test_it_records_every_weeks_point_in_fixed_queries(db, size, django_assert_num_queries):
    organisation(size)
    # The due initiatives, their progress and one insert.
    with django_assert_num_queries(1 + PROGRESS_QUERIES + 1):
        assert initiative_weeks_record_all(today=TODAY.replace(day=25)) == size + 2


@pytest.mark.parametrize("size", [2, 6])
def test_it_serves_the_pages_in_fixed_queries(db, size, client, django_assert_num_queries):
    made = organisation(size)
    manager = UserFactory(username="morgan")
    manager.groups.add(Group.objects.get_or_create(name=MANAGEMENT_GROUP)[0])
    client.force_login(manager)
    client.get("/initiatives/")  # warm the session and the framework cache
    with django_assert_num_queries(LIST_QUERIES):
        assert client.get("/initiatives/").status_code == 200
    with django_assert_num_queries(DETAIL_QUERIES):
        assert client.get(made[-1].get_absolute_url()).status_code == 200


@pytest.mark.parametrize("size", [2, 6])
def test_it_serves_a_team_lead_in_fixed_queries(db, size, client, django_assert_num_queries):
    made = organisation(size)
    lead = Membership.objects.filter(role=Membership.Role.LEAD).first().user
    client.force_login(lead)
    client.get("/initiatives/")
    # As for management, plus their teams (which initiatives they read), unit roles and
    # whether they are in a team (the navigation).
    with django_assert_num_queries(LIST_QUERIES + 3):
        assert client.get("/initiatives/").status_code == 200
    with django_assert_num_queries(DETAIL_QUERIES + 3):
        assert client.get(made[0].get_absolute_url()).status_code == 200


# Session and user (2), management (1), the initiatives (1) and their progress.
LIST_QUERIES = 4 + PROGRESS_QUERIES
# Session and user (2), management (1), the initiative (1) and its progress.
DETAIL_QUERIES = 4 + PROGRESS_QUERIES
