"""Storing delivery outcomes: rows written, updated and removed per quarter, demo marking,
the MLflow fallback, and the dashboards' cache generation bumped."""

import datetime
import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.cache import dashboards_generation
from evidence.models import Event, Fact, Outcome
from evidence.services.outcomes import OUTCOME_FIELDS, outcomes_refresh

UTC = datetime.UTC


def at(month: int, day: int, hour: int = 12, year: int = 2026) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, tzinfo=UTC)


def record(project, sender_id: str, kind: str, occurred_at, **fields) -> Event:
    fields.setdefault("environment", "production" if kind != "incident" else "")
    return Event.objects.create(
        project=project, sender_id=sender_id, kind=kind, occurred_at=occurred_at, **fields
    )


def deploy(project, sender_id: str, occurred_at, *, trained_at=None, **fields) -> Event:
    detail = {"trained_at": trained_at.isoformat()} if trained_at else {}
    return record(project, sender_id, "deployment", occurred_at, detail=detail, **fields)


def train(project, sender_id: str, occurred_at, *, result: str = "passed", **fields) -> Event:
    steps = [{"name": "tests", "result": "passed"}, {"name": "training", "result": result}]
    state = "failed" if result == "failed" else "passed"
    return record(
        project, sender_id, "pipeline_run", occurred_at, state=state, detail={"steps": steps}
    )


def outcome(project, quarter: str) -> Outcome:
    return Outcome.objects.get(project=project, quarter=quarter)


@pytest.fixture(autouse=True)
def utc(settings):
    settings.TIME_ZONE = "UTC"


def test_it_writes_one_row_per_quarter_with_events(project):
    deploy(project, "d1", at(10, 5), trained_at=at(10, 4))
    deploy(project, "d2", at(10, 20))
    record(project, "r1", "rollback", at(10, 22))
    deploy(project, "d3", at(7, 1))

    outcomes_refresh(project=project)

    q4, q3 = outcome(project, "2026-Q4"), outcome(project, "2026-Q3")
    assert (q4.deployments, q4.failed_deployments, q4.change_failure_rate) == (2, 1, 0.5)
    assert (q4.lead_time_hours, q4.lead_time_count) == (24.0, 1)
    # The rollback 2 days after d2 restored the service in 48 hours.
    assert (q4.restore_hours, q4.restore_count) == (48.0, 1)
    assert (q3.deployments, q3.failed_deployments, q3.change_failure_rate) == (1, 0, 0.0)
    assert Outcome.objects.filter(project=project).count() == 2


def test_it_updates_a_quarter_when_asked_and_leaves_the_others(project):
    deploy(project, "d1", at(10, 5))
    deploy(project, "d0", at(7, 1))
    outcomes_refresh(project=project)
    deploy(project, "d2", at(11, 5))
    deploy(project, "d00", at(7, 2))  # not asked for: 2026-Q3 keeps its stored row

    outcomes_refresh(project=project, quarters=["2026-Q4"])

    assert outcome(project, "2026-Q4").deployments == 2
    assert outcome(project, "2026-Q3").deployments == 1


def test_it_removes_the_row_of_a_quarter_left_without_events(project):
    event = deploy(project, "d1", at(10, 5))
    outcomes_refresh(project=project)
    event.delete()

    outcomes_refresh(project=project, quarters=["2026-Q4"])

    assert not Outcome.objects.filter(project=project).exists()


def test_it_removes_stale_rows_when_refreshing_every_quarter(project):
    event = deploy(project, "d1", at(10, 5))
    outcomes_refresh(project=project)
    event.delete()

    outcomes_refresh(project=project)

    assert not Outcome.objects.filter(project=project).exists()


def test_a_quarter_with_events_but_no_production_deployment_has_a_row_without_a_rate(project):
    deploy(project, "s1", at(10, 5), environment="staging")

    outcomes_refresh(project=project, quarters=["2026-Q4"])

    row = outcome(project, "2026-Q4")
    assert (row.deployments, row.change_failure_rate, row.lead_time_hours) == (0, None, None)


def test_a_failure_early_in_a_quarter_counts_for_the_deployment_of_the_quarter_before(project):
    deploy(project, "d1", at(12, 30))
    record(project, "r1", "rollback", at(1, 2, year=2027))

    outcomes_refresh(project=project, quarters=["2026-Q4"])

    assert outcome(project, "2026-Q4").failed_deployments == 1
    assert not Outcome.objects.filter(quarter="2027-Q1").exists()


def test_it_reads_what_lies_before_the_quarter_when_it_matters(project):
    """A rollback is blamed on the latest deployment, however long ago (restore time), and
    the first retraining interval starts from the latest training before the quarter."""
    deploy(project, "d1", at(8, 1, 0))
    train(project, "p1", at(9, 1))
    train(project, "p2", at(9, 5), result="failed")
    record(project, "r1", "rollback", at(10, 1, 0))
    train(project, "p3", at(10, 11))

    outcomes_refresh(project=project, quarters=["2026-Q4"])

    row = outcome(project, "2026-Q4")
    assert (row.deployments, row.failed_deployments) == (0, 0)
    assert (row.restore_hours, row.restore_count) == (61 * 24, 1)  # 1 Aug to 1 Oct
    assert (row.retraining_days, row.retraining_count, row.retraining_source) == (40, 1, "events")


def test_an_incident_resolved_after_the_quarter_still_gives_its_restore_time(project):
    deploy(project, "d1", at(12, 20))
    record(project, "i1", "incident", at(12, 31, 20), state="opened", reference="INC-1")
    record(project, "i2", "incident", at(1, 20, 20, year=2027), state="resolved", reference="INC-1")

    outcomes_refresh(project=project, quarters=["2026-Q4"])

    row = outcome(project, "2026-Q4")
    assert row.failed_deployments == 0  # 11 days after the deployment
    assert (row.restore_hours, row.restore_count) == (20 * 24, 1)


def test_the_mlflow_fact_stands_in_for_retraining_without_training_runs(project):
    deploy(project, "d1", at(10, 5))
    Fact.objects.create(
        project=project,
        key="mlflow.retraining_interval_days",
        value=30,
        detail={"total": 4, "versions": 5},
        observed_at=at(11, 1),
    )
    Fact.objects.create(
        project=project,
        key="mlflow.retraining_interval_days",
        value=99,
        detail={"total": 9},
        observed_at=at(1, 2, year=2027),  # after the quarter: not what it knew
    )

    outcomes_refresh(project=project, quarters=["2026-Q4"])

    row = outcome(project, "2026-Q4")
    assert (row.retraining_days, row.retraining_count, row.retraining_source) == (30, 4, "mlflow")


def test_without_training_runs_or_mlflow_there_is_no_retraining_cadence(project):
    deploy(project, "d1", at(10, 5))

    outcomes_refresh(project=project)

    row = outcome(project, "2026-Q4")
    assert (row.retraining_days, row.retraining_count, row.retraining_source) == (None, 0, "")


def test_a_quarter_is_demo_data_only_when_all_its_events_are(project):
    deploy(project, "d1", at(10, 5), is_demo=True)
    deploy(project, "d2", at(7, 5), is_demo=True)
    deploy(project, "d3", at(7, 6))

    outcomes_refresh(project=project)

    assert outcome(project, "2026-Q4").is_demo
    assert not outcome(project, "2026-Q3").is_demo


def test_quarters_follow_the_organisations_time_zone(project, settings):
    settings.TIME_ZONE = "Europe/Berlin"
    deploy(project, "d1", datetime.datetime(2026, 12, 31, 23, 30, tzinfo=UTC))  # 00:30 in Berlin

    outcomes_refresh(project=project)

    assert list(Outcome.objects.values_list("quarter", flat=True)) == ["2027-Q1"]


def test_it_bumps_the_dashboards_generation(project, django_capture_on_commit_callbacks):
    deploy(project, "d1", at(10, 5))
    before = dashboards_generation()

    with django_capture_on_commit_callbacks(execute=True):
        outcomes_refresh(project=project, quarters=["2026-Q4"])

    assert dashboards_generation() != before


def test_it_leaves_other_projects_alone(project, other_project):
    deploy(project, "d1", at(10, 5))
    deploy(other_project, "d1", at(10, 5))
    deploy(other_project, "d2", at(10, 6))
    outcomes_refresh(project=other_project)

    outcomes_refresh(project=project)

    assert outcome(project, "2026-Q4").deployments == 1
    assert outcome(other_project, "2026-Q4").deployments == 2


def test_refreshing_twice_changes_nothing(project):
    deploy(project, "d1", at(10, 5))
    outcomes_refresh(project=project)
    first = outcome(project, "2026-Q4")

    outcomes_refresh(project=project, quarters=["2026-Q4"])

    again = outcome(project, "2026-Q4")
    assert again.pk == first.pk
    assert again.deployments == first.deployments == 1


def test_an_asked_quarter_costs_a_fixed_number_of_queries(project):
    for day in range(1, 29):
        deploy(project, f"d{day}", at(11, day))
        train(project, f"p{day}", at(11, day, 8))
    with CaptureQueriesContext(connection) as few:
        outcomes_refresh(project=project, quarters=["2026-Q4"])
    for day in range(1, 29):
        deploy(project, f"e{day}", at(12, day))
    with CaptureQueriesContext(connection) as more:
        outcomes_refresh(project=project, quarters=["2026-Q4"])

    assert len(few) == len(more) <= 10


def test_refreshing_a_quarter_reads_enough_to_agree_with_refreshing_everything(project):
    """A generated year of events: each quarter refreshed on its own (as events arrive)
    stores exactly what refreshing every quarter from the whole history stores."""
    rng = random.Random(16)
    kinds = ["deployment"] * 4 + ["rollback", "incident", "pipeline_run", "pipeline_run"]
    for number in range(300):
        kind = rng.choice(kinds)
        occurred_at = at(1, 1) + datetime.timedelta(hours=rng.randrange(24 * 365))
        sender_id = f"e{number}"
        if kind == "deployment":
            trained_at = occurred_at - datetime.timedelta(hours=rng.randrange(1, 300))
            deploy(project, sender_id, occurred_at, trained_at=trained_at)
        elif kind == "pipeline_run":
            train(project, sender_id, occurred_at, result=rng.choice(["passed", "failed"]))
        elif kind == "incident":
            state, reference = rng.choice(["opened", "resolved"]), f"INC-{rng.randrange(20)}"
            record(project, sender_id, kind, occurred_at, state=state, reference=reference)
        else:
            record(
                project,
                sender_id,
                kind,
                occurred_at,
                environment=rng.choice(["production", "staging"]),
            )
    fields = ("quarter", *(name for name in OUTCOME_FIELDS if name != "computed_at"))
    outcomes_refresh(project=project)
    everything = list(Outcome.objects.order_by("quarter").values_list(*fields))
    Outcome.objects.all().delete()

    for quarter in ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4", "2027-Q1"]:
        outcomes_refresh(project=project, quarters=[quarter])

    assert list(Outcome.objects.order_by("quarter").values_list(*fields)) == everything
    assert len(everything) == 5  # noon on 1 Jan 2026 plus up to 365 days reaches 2027
