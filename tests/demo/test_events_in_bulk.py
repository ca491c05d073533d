"""The demo computes every project's delivery outcomes and ci facts at once, from the events
in memory (demo/events.py): they are exactly the rows the per-project services store,
`outcomes_refresh` and `ci_facts_refresh`, for the same events, including those a
project's pipeline had sent itself before the demo."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from demo import events
from demo.events import seed_events
from evidence.models import Event, Fact, Outcome
from evidence.rules.facts import WINDOW_DAYS
from evidence.services.events import ci_facts_refresh
from evidence.services.outcomes import outcomes_refresh
from teams.models import Project, Team


def outcomes() -> list[tuple]:
    # Not the ids: the services below write their rows anew.
    fields = [
        f.attname for f in Outcome._meta.concrete_fields if f.attname not in ("id", "computed_at")
    ]
    return sorted(Outcome.objects.values_list(*fields))


def ci_facts() -> list[tuple]:
    fields = [f.attname for f in Fact._meta.concrete_fields if f.attname != "id"]
    return sorted(Fact.objects.filter(key__startswith="ci.").values_list(*fields), key=repr)


@pytest.fixture
def now(db) -> datetime.datetime:
    call_command(
        "seed_demo", teams=4, projects_per_team=3, quarters=2, seed=7, stdout=io.StringIO()
    )
    # The events again, at a moment of the test's own, after one project's pipeline sent an
    # event itself and the demo left a row of a quarter without events.
    Event.objects.all().delete()
    Outcome.objects.all().delete()
    Fact.objects.filter(key__startswith="ci.").delete()
    now = timezone.now()
    sender = Project.objects.order_by("pk").first()
    Event.objects.create(
        project=sender,
        sender_id="own-1",
        kind="deployment",
        environment="production",
        occurred_at=now - datetime.timedelta(days=3),
    )
    Outcome.objects.create(project=sender, quarter="2020-Q1", deployments=2, is_demo=True)
    seed_events(teams=list(Team.objects.order_by("pk")), seed=7, now=now)
    return now


def test_the_outcomes_are_those_each_project_s_refresh_stores(now):
    in_bulk = outcomes()
    assert len(in_bulk) > 20 and not Outcome.objects.filter(quarter="2020-Q1").exists()
    with transaction.atomic():
        Outcome.objects.all().delete()
        for project in Project.objects.filter(events__is_demo=True).distinct():
            outcomes_refresh(project=project)
        by_project = outcomes()
        transaction.set_rollback(True)
    assert in_bulk == by_project
    assert Outcome.objects.filter(is_demo=False).count() == 1  # the sender's quarter


def test_the_ci_facts_are_those_each_project_s_refresh_stores(now):
    in_bulk = ci_facts()
    recent = now - datetime.timedelta(days=WINDOW_DAYS)
    running = Project.objects.filter(
        events__is_demo=True, events__kind="pipeline_run", events__occurred_at__gt=recent
    ).distinct()
    assert running.count() > 3 and len(in_bulk) > 3 * running.count()
    with transaction.atomic():
        for project in running:
            ci_facts_refresh(project=project, now=now)
        by_project = ci_facts()
        transaction.set_rollback(True)
    assert in_bulk == by_project
    assert not Fact.objects.filter(key__startswith="ci.").exclude(project__in=running).exists()


def _event_indexes() -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s ORDER BY 1",
            [Event._meta.db_table],
        )
        return cursor.fetchall()


def test_a_large_organisation_s_events_are_the_same_with_their_indexes_built_after(
    now, monkeypatch
):
    fields = ("project_id", "sender_id", "kind", "occurred_at", "detail", "received_at")
    before = sorted(Event.objects.values_list(*fields)), outcomes(), _event_indexes()
    Event.objects.filter(is_demo=True).delete()
    with connection.cursor() as cursor:
        # The test's own transaction holds the fixture's checks of the events' references,
        # which would keep the table from being altered; a seeding has none pending.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    monkeypatch.setattr(events, "MANY", 1)  # as from 500 projects on

    seed_events(teams=list(Team.objects.order_by("pk")), seed=7, now=now)

    assert (sorted(Event.objects.values_list(*fields)), outcomes(), _event_indexes()) == before
