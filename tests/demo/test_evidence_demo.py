"""The demo's facts from MLflow (demo/evidence.py): weeks of believable, varied facts marked
as demo data, a connection to a local server, and a failed collection to show."""

import io
import statistics
from collections import defaultdict

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from assessments.models import Answer, ProjectProfile
from demo.evidence import EVIDENCED, FAILED_ERROR, LLM_KINDS, MLFLOW_DEMO_URL
from evidence.models import Collection, Fact, MlflowConnection
from evidence.rules.facts import FACTS
from evidence.selectors import latest_facts
from teams.models import Project

DATASET = "mlflow.dataset_inputs_share_30d"


@pytest.fixture
def demo(db) -> None:
    call_command(
        "seed_demo", teams=4, projects_per_team=3, quarters=2, seed=7, stdout=io.StringIO()
    )


def _latest_answers() -> dict[int, str]:
    """project id -> its latest answer to data-versioned-snapshots."""
    rows = (
        Answer.objects.filter(practice__key=EVIDENCED["dataset"])
        .exclude(value="")
        .order_by("assessment__period__opens_on", "pk")
        .values_list("assessment__project_id", "value")
    )
    return dict(rows)


def test_it_records_weeks_of_demo_facts_for_the_projects_that_use_mlflow(demo):
    projects = list(Project.objects.order_by("pk"))
    kinds = dict(ProjectProfile.objects.values_list("project_id", "kind"))
    facts = Fact.objects.filter(key__startswith="mlflow.")  # CI facts: test_events_demo.py
    assert facts.exists() and not facts.filter(is_demo=False).exists()
    assert set(facts.values_list("key", flat=True)) <= set(FACTS)
    with_facts = set(facts.values_list("project_id", flat=True))
    # Some projects have no MLflow at all: every LLM application among them.
    assert 0 < len(with_facts) < len(projects)
    llm = {project.pk for project in projects if kinds.get(project.pk) in LLM_KINDS}
    assert llm and not (llm & with_facts) - {projects[0].pk}
    # A few weeks of history: a reading a week over six weeks, and today's.
    for project_id in with_facts:
        readings = facts.filter(project_id=project_id, key="mlflow.runs_30d")
        days = sorted(readings.values_list("observed_at", flat=True))
        assert len(days) == 7
        assert (days[-1] - days[0]).days == 42
    # Every fact reads as its sentence, never as the fallback "label: value".
    latest = latest_facts(with_facts)
    for readings in latest.values():
        for reading in readings.values():
            assert not reading.sentence.startswith(FACTS[reading.key].label), reading


def test_projects_differ_and_mostly_agree_with_what_their_teams_answered(demo):
    latest = latest_facts(Project.objects.values_list("pk", flat=True))
    shares = {pk: facts[DATASET].value for pk, facts in latest.items() if DATASET in facts}
    assert max(shares.values()) >= 0.8 and min(shares.values()) <= 0.3  # nearly every run, rarely
    assert len({round(share, 2) for share in shares.values()}) > len(shares) // 2
    by_answer = defaultdict(list)
    answers = _latest_answers()
    for pk, share in shares.items():
        by_answer[answers.get(pk, "")].append(share)
    # One team says its snapshots are versioned while its runs disagree: a mismatch to see.
    assert sum(1 for share in by_answer["yes"] if share < 0.5) == 1
    if len(by_answer["yes"]) > 2:
        assert statistics.median(by_answer["yes"]) >= 0.75
    if by_answer["no"]:
        assert max(by_answer["no"]) <= 0.25
    registered = [facts for facts in latest.values() if "mlflow.registered_models" in facts]
    assert registered and len(registered) < len(latest)  # exploration registers no model
    runs = {
        facts["mlflow.runs_30d"].value for facts in latest.values() if "mlflow.runs_30d" in facts
    }
    assert len(runs) > 3


def test_it_connects_one_project_to_a_local_server_and_shows_one_failed_collection(
    demo, client_for
):
    local = MlflowConnection.objects.get(tracking_url=MLFLOW_DEMO_URL)
    assert not local.has_token and local.experiment_names
    assert local.project.team.memberships.filter(user__username="lead", role="lead").exists()
    failed = Collection.objects.get(status=Collection.Status.FAILED)
    assert failed.project != local.project and failed.error == FAILED_ERROR
    assert MlflowConnection.objects.filter(project=failed.project).exists()
    # The project page shows the error, the earlier (demo) facts and the demo badge.
    manager = client_for(User.objects.get(username="manager"))
    page = manager.get(failed.project.get_absolute_url()).content.decode()
    assert "The last collection failed 12\xa0minutes ago: MLflow at" in page
    assert "The facts below are from" in page
    assert ">demo data<" in page


def test_seeding_again_adds_nothing(demo):
    counts = (Fact.objects.count(), Collection.objects.count(), MlflowConnection.objects.count())
    call_command(
        "seed_demo", teams=4, projects_per_team=3, quarters=2, seed=7, stdout=io.StringIO()
    )
    assert (
        Fact.objects.count(),
        Collection.objects.count(),
        MlflowConnection.objects.count(),
    ) == counts
