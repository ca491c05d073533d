"""The demo's CI and deployment events (demo/events.py): four quarters of believable history
for most demo projects, marked as demo data, more mature projects delivering better, and the
outcomes and ci facts computed from them."""

import datetime
import io
import statistics

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from assessments.models import Assessment
from demo.events import seed_events
from evidence.models import Event, Fact, Outcome
from evidence.rules.events import event_normalise
from teams.models import Project, Team

EVENT_FIELDS = (
    "project__slug",
    "sender_id",
    "kind",
    "occurred_at",
    "environment",
    "model_version",
    "state",
    "reference",
    "detail",
)


@pytest.fixture
def demo(db) -> None:
    call_command(
        "seed_demo", teams=4, projects_per_team=3, quarters=2, seed=7, stdout=io.StringIO()
    )


def _events() -> list[tuple]:
    return sorted(Event.objects.values_list(*EVENT_FIELDS))


def test_most_projects_get_quarters_of_demo_events_stored_as_the_endpoint_stores_them(demo):
    projects = dict(Project.objects.values_list("pk", "slug"))
    events = Event.objects.all()
    assert events.count() > 200 and not events.filter(is_demo=False).exists()
    with_events = set(events.values_list("project_id", flat=True))
    assert len(projects) * 0.7 <= len(with_events) <= len(projects)
    assert set(events.values_list("kind", flat=True)) == {
        "pipeline_run",
        "deployment",
        "rollback",
        "incident",
    }
    now = timezone.now()
    oldest = now - datetime.timedelta(days=settings.EVIDENCE_RETENTION_DAYS)
    for event in events.iterator():
        assert event.sender_id.startswith(f"demo-{projects[event.project_id]}-")
        assert oldest < event.occurred_at <= now
        # What the endpoint would store for the same payload.
        payload = {
            "id": event.sender_id,
            "kind": event.kind,
            "occurred_at": event.occurred_at.isoformat(),
        }
        if event.kind == "deployment":
            payload |= {"model_version": event.model_version, "environment": event.environment}
            payload |= {key: value for key, value in event.detail.items()}
        elif event.kind == "rollback":
            payload |= {"model_version": event.model_version}
        elif event.kind == "incident":
            payload |= {"state": event.state, "incident_id": event.reference}
        else:
            payload |= {"steps": event.detail["steps"]}
        stored = event_normalise(payload, now=now, retention_days=400)
        assert (stored.environment, stored.state, stored.detail) == (
            event.environment,
            event.state,
            event.detail,
        )
    # Every incident opened is resolved later with the same id, unless still open today.
    opened = set(events.filter(kind="incident", state="opened").values_list("reference", flat=True))
    resolved = set(
        events.filter(kind="incident", state="resolved").values_list("reference", flat=True)
    )
    assert resolved <= opened and len(opened - resolved) <= 2


def test_the_outcomes_and_ci_facts_follow_and_are_demo_data(demo):
    outcomes = Outcome.objects.all()
    assert outcomes.exists() and not outcomes.filter(is_demo=False).exists()
    # Four quarters at most: this one and the three before, within the retention.
    assert outcomes.values("quarter").distinct().count() <= 4
    facts = Fact.objects.filter(key__startswith="ci.")
    assert facts.exists() and not facts.filter(is_demo=False).exists()
    assert set(facts.values_list("key", flat=True)) <= {
        "ci.pipeline_runs_30d",
        "ci.tests_share_30d",
        "ci.data_validation_share_30d",
        "ci.evaluation_gate_share_30d",
    }
    sources = set(outcomes.values_list("retraining_source", flat=True))
    assert "events" in sources


def test_more_mature_projects_deploy_more_often_and_fail_less(db):
    call_command("seed_demo", stdout=io.StringIO())  # levels climb over the default history
    levels = {
        (project_id, key): level
        for project_id, key, level in Assessment.objects.filter(
            status=Assessment.Status.SUBMITTED, overall_level__isnull=False
        ).values_list("project_id", "period__key", "overall_level")
    }
    by_level: dict[int, list[Outcome]] = {0: [], 1: []}
    for outcome in Outcome.objects.filter(project__stage=Project.Stage.PRODUCTION):
        level = levels.get((outcome.project_id, outcome.quarter))
        if level in by_level:
            by_level[level].append(outcome)
    assert len(by_level[0]) >= 3 and len(by_level[1]) >= 3

    def median(level: int, figure: str) -> float:
        values = [getattr(o, figure) for o in by_level[level] if getattr(o, figure) is not None]
        return statistics.median(values)

    assert median(1, "deployments") > median(0, "deployments")
    assert median(1, "change_failure_rate") < median(0, "change_failure_rate")
    assert median(1, "lead_time_hours") < median(0, "lead_time_hours")
    assert median(1, "restore_hours") < median(0, "restore_hours")
    # ... but not too neatly: some level-0 quarters fail less than some level-1 ones.
    rates = {
        level: [o.change_failure_rate for o in by_level[level] if o.deployments]
        for level in by_level
    }
    assert min(rates[0]) < max(rates[1])


def test_it_is_deterministic_and_running_it_again_adds_nothing(demo):
    first = _events()
    outcomes = sorted(Outcome.objects.values_list("project_id", "quarter", "deployments"))
    call_command(
        "seed_demo", teams=4, projects_per_team=3, quarters=2, seed=7, stdout=io.StringIO()
    )
    assert _events() == first
    assert sorted(Outcome.objects.values_list("project_id", "quarter", "deployments")) == outcomes
    # The same seed and moment give the same history from scratch.
    now = max(event[3] for event in first) + datetime.timedelta(hours=2)
    Event.objects.all().delete()
    teams = list(Team.objects.order_by("pk"))
    seed_events(teams=teams, seed=7, now=now)
    again = _events()
    Event.objects.all().delete()
    seed_events(teams=teams, seed=7, now=now)
    assert _events() == again and len(again) > 200
    assert seed_events(teams=teams, seed=7, now=now).events_created == 0
