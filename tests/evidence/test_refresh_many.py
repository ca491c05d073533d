"""Refreshing many projects at once (`outcomes_refresh_many`, `ci_facts_refresh_many`), as the
demo does for 10,000 projects: exactly the rows the per-project services store, in a number
of queries that does not grow with the projects."""

import datetime
import random

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from evidence.models import Event, Fact, Outcome
from evidence.services.events import ci_facts_refresh, ci_facts_refresh_many
from evidence.services.outcomes import EVENT_FIELDS, outcomes_refresh, outcomes_refresh_many
from tests.factories import ProjectFactory

UTC = datetime.UTC
NOW = datetime.datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
KINDS = ["deployment"] * 4 + ["rollback", "incident"] + ["pipeline_run"] * 4


@pytest.fixture(autouse=True)
def berlin(settings):
    # Not UTC, so a quarter's first hours and the events' time zone matter.
    settings.TIME_ZONE = "Europe/Berlin"


def steps(rng: random.Random) -> list[dict[str, str]]:
    names = ["tests", "data_validation", "training", "evaluation_gate", "deploy"]
    return [
        {"name": name, "result": rng.choice(["passed", "passed", "failed", "skipped"])}
        for name in names
        if rng.random() < 0.7
    ]


def history(project, seed: int, kinds: list[str]) -> None:
    """A year of events, most of them demo data, and MLflow's retraining fact."""
    rng = random.Random(seed)
    for number in range(150):
        kind = rng.choice(kinds)
        occurred_at = NOW - datetime.timedelta(hours=rng.randrange(24 * 365))
        fields: dict = {"environment": rng.choice(["production", "production", "staging"])}
        if kind == "deployment":
            trained_at = occurred_at - datetime.timedelta(hours=rng.randrange(1, 300))
            fields["detail"] = {"trained_at": trained_at.isoformat()} if rng.random() < 0.7 else {}
        elif kind == "pipeline_run":
            fields["detail"] = {"steps": steps(rng)}
        elif kind == "incident":
            fields = {"state": rng.choice(["opened", "resolved"]), "reference": f"I{number % 9}"}
        Event.objects.create(
            project=project,
            sender_id=f"e{number}",
            kind=kind,
            occurred_at=occurred_at,
            is_demo=rng.random() < 0.9,
            **fields,
        )
    for month in (3, 6, 9):
        Fact.objects.create(
            project=project,
            key="mlflow.retraining_interval_days",
            value=rng.uniform(5, 50),
            detail={"total": rng.randrange(1, 9)},
            observed_at=datetime.datetime(2026, month, 15, tzinfo=UTC),
        )


@pytest.fixture
def projects(db, team):
    found = [ProjectFactory(team=team) for _ in range(3)]
    for seed, project in enumerate(found):
        # The second project trains in no pipeline: MLflow's fact stands in.
        history(project, seed, KINDS if seed != 1 else KINDS[:6])
    # In 2026-Q4 in Berlin, 2026-Q3 in UTC.
    moment = datetime.datetime(2026, 9, 30, 23, 30, tzinfo=UTC)
    Event.objects.create(
        project=found[0], sender_id="late", kind="deployment", occurred_at=moment,
        environment="production",
    )  # fmt: skip
    # A row of a quarter left without events, which a refresh of every quarter removes.
    Outcome.objects.create(project=found[0], quarter="2024-Q1", deployments=3)
    return found


def every_event(projects) -> dict[int, list[tuple]]:
    return {
        project.pk: list(Event.objects.filter(project=project).values_list(*EVENT_FIELDS))
        for project in projects
    }


def outcomes() -> list[tuple]:
    fields = [
        f.attname for f in Outcome._meta.concrete_fields if f.attname not in ("id", "computed_at")
    ]
    return sorted(Outcome.objects.values_list(*fields))


def ci_facts() -> list[tuple]:
    rows = Fact.objects.filter(key__startswith="ci.")
    fields = [f.attname for f in Fact._meta.concrete_fields if f.attname != "id"]
    return sorted(rows.values_list(*fields), key=repr)


def test_it_stores_the_outcomes_each_project_s_refresh_stores(projects):
    with transaction.atomic():
        for project in projects:
            outcomes_refresh(project=project)
        by_project = outcomes()
        transaction.set_rollback(True)

    stored = outcomes_refresh_many(events=every_event(projects))

    assert outcomes() == by_project and stored == len(by_project)
    assert not Outcome.objects.filter(quarter="2024-Q1").exists()
    assert {"events", "mlflow"} <= {row.retraining_source for row in Outcome.objects.all()}
    assert {True, False} == set(Outcome.objects.values_list("is_demo", flat=True))


def test_it_keeps_the_rows_it_updates(projects):
    outcomes_refresh(project=projects[1])
    kept = dict(Outcome.objects.filter(project=projects[1]).values_list("quarter", "pk"))

    outcomes_refresh_many(events=every_event(projects[1:]))

    assert dict(Outcome.objects.filter(project=projects[1]).values_list("quarter", "pk")) == kept


def test_its_queries_do_not_grow_with_the_projects(projects):
    Outcome.objects.all().delete()
    one, three = every_event(projects[:1]), every_event(projects)
    with CaptureQueriesContext(connection) as few:
        outcomes_refresh_many(events=one)
        ci_facts_refresh_many(events=one, now=NOW)
    with CaptureQueriesContext(connection) as more:
        outcomes_refresh_many(events=three)
        ci_facts_refresh_many(events=three, now=NOW)
    assert len(few) == len(more) <= 12


def test_it_stores_the_ci_facts_each_project_s_refresh_stores(projects):
    for project in projects:
        ci_facts_refresh(project=project, now=NOW - datetime.timedelta(days=1))  # kept
        ci_facts_refresh(project=project, now=NOW - datetime.timedelta(hours=3))  # replaced
    Event.objects.filter(project=projects[2], kind="pipeline_run").update(is_demo=True)
    yesterday = NOW - datetime.timedelta(days=1)
    Event.objects.create(
        project=projects[0], sender_id="sent", kind="pipeline_run", occurred_at=yesterday
    )
    with transaction.atomic():
        for project in projects:
            ci_facts_refresh(project=project, now=NOW)
        by_project = ci_facts()
        transaction.set_rollback(True)

    stored = ci_facts_refresh_many(events=every_event(projects), now=NOW)

    assert ci_facts() == by_project
    assert stored == Fact.objects.filter(observed_at=NOW).count() > 3
    today = Fact.objects.filter(observed_at=NOW)
    assert set(today.filter(project=projects[2]).values_list("is_demo", flat=True)) == {True}
    assert set(today.filter(project=projects[0]).values_list("is_demo", flat=True)) == {False}
