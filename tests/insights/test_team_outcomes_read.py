"""The team page reads its projects' outcomes and the team's trend in one query, the same
figures `team_outcomes` and `team_outcome_trend` give."""

import datetime

import time_machine

from evidence.models import Outcome
from insights.selectors.outcomes import team_outcome_trend, team_outcomes
from insights.selectors.team import team_outcomes_and_trend
from tests.factories import ProjectFactory

TODAY = datetime.date(2026, 11, 15)  # in 2026-Q4


def store(project, quarter: str, **figures) -> Outcome:
    deployments = figures.setdefault("deployments", 0)
    failed = figures.setdefault("failed_deployments", 0)
    figures.setdefault("change_failure_rate", failed / deployments if deployments else None)
    return Outcome.objects.create(project=project, quarter=quarter, **figures)


@time_machine.travel(TODAY)
def test_it_reads_the_team_card_in_one_query(team, django_assert_num_queries):
    zebra = ProjectFactory(team=team, name="Zebra")
    alpha = ProjectFactory(team=team, name="Alpha")
    ProjectFactory(team=team, name="Quiet")
    archived = ProjectFactory(
        team=team, name="Old", archived_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    )
    store(zebra, "2026-Q4", deployments=4, failed_deployments=1, lead_time_hours=10.0)
    store(alpha, "2026-Q4", deployments=6, lead_time_hours=30.0, lead_time_count=2)
    store(alpha, "2026-Q3", deployments=2, failed_deployments=2, restore_hours=3.0)
    store(zebra, "2026-Q1", deployments=9, retraining_days=14.0, retraining_source="mlflow")
    store(archived, "2026-Q4", deployments=7)
    store(ProjectFactory(), "2026-Q4", deployments=5)  # another team's
    active = list(team.projects.filter(archived_at__isnull=True).order_by("name"))

    with django_assert_num_queries(1):
        projects, trend = team_outcomes_and_trend(active)

    assert projects == team_outcomes(team)
    assert trend == team_outcome_trend(team)
    assert [entry.project_name for entry in projects] == ["Alpha", "Quiet", "Zebra"]
    assert trend[-1].deployments == 10


def test_it_reads_nothing_for_a_team_without_projects(db, django_assert_num_queries):
    with django_assert_num_queries(0):
        projects, trend = team_outcomes_and_trend([])
    assert projects == [] and len(trend) == 4 and not any(q.has_events for q in trend)
