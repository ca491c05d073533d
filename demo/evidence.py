"""The demo's evidence from MLflow: weeks of facts for the demo projects, so the pages show
evidence without a tracking server, and two connections to watch.

Each project's facts follow what its team answered for the practices they evidence (runs
that log dataset inputs for data-versioned-snapshots, git commits for run-commit-recorded,
…), with noise and a drift over the weeks, so most suggestions agree with the answers. One
project's team says its data snapshots are versioned while its runs rarely log a dataset
input: the questionnaire flags the mismatch. Projects built on a hosted LLM, and a few
others whose teams keep their experiments in notebooks, have no MLflow at all.

Two connections: the first team's first project points at http://127.0.0.1:5050, where
`make mlflow-demo` starts a server with sample runs, and another project points at a server
that did not answer at its last collection, so the project page shows the error.

Re-runnable like the rest of seed_demo: facts are written only for projects that have no
demo facts yet, connections and the failed collection only where missing. Rows are written
in bulk, so `make bench` stays fast. Deterministic for a seed and a day.
"""

import datetime
import itertools
import random
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from assessments.models import Answer, ProjectProfile
from demo.bulk import insert_rows, references_checked_by_the_seeder
from evidence.models import Collection, Fact, MlflowConnection
from teams.models import Project, Team

WEEKS = 6  # weekly readings this many weeks back, and today's
FACT_COLUMNS = ("project_id", "key", "value", "detail", "observed_at", "is_demo")
LLM_KINDS = ("llm_api", "rag", "agent")
NOTEBOOK_ONLY = 0.15  # the share of the other projects that use no MLflow
MLFLOW_DEMO_URL = "http://127.0.0.1:5050"
# As scripts/mlflow_demo.py records them (it saves the connection again with its own port).
MLFLOW_DEMO_EXPERIMENTS = ["card-scoring-training", "card-scoring-tuning"]
MLFLOW_DEMO_MODELS = ["card-fraud-scorer", "card-fraud-explainer"]
FAILED_URL = "http://mlflow.search.internal:5000"
FAILED_ERROR = (
    f"MLflow at {FAILED_URL} did not answer within 10 s: it may be down or overloaded; the "
    "next collection will try again."
)
# The practice each fact evidences: the team's answer sets the fact's level.
EVIDENCED = {
    "dataset": "data-versioned-snapshots",
    "commit": "run-commit-recorded",
    "metrics": "exp-runs-logged",
    "registry": "model-registry",
    "linked": "model-version-traceable",
    "promotion": "automated-promotion",
    "retraining": "retrain-automated",
}
# A share near this for each answer, before noise; unanswered: by stage.
SHARE_FOR_ANSWER = {"yes": (0.85, 1.0), "partly": (0.35, 0.7), "no": (0.0, 0.15)}
SHARE_FOR_STAGE = {"production": (0.5, 0.8), "pilot": (0.3, 0.6), "exploration": (0.05, 0.35)}
RUNS_FOR_STAGE = {"production": (18, 45), "pilot": (10, 30), "exploration": (25, 80)}


@dataclass(frozen=True)
class EvidenceResult:
    projects_with_facts: int
    facts_created: int


@dataclass(frozen=True)
class _Habits:
    """One project's ways with MLflow: the shares today, and how far they drifted."""

    runs: int
    shares: dict[str, float]  # dataset, commit, metrics, linked
    drift: float  # the shares were this much lower six weeks ago (negative: higher)
    models: int  # names in the connection; 0: the project registers no model
    registered: int
    alias: str
    promoted: bool  # the production alias is set
    retraining_days: int


def seed_evidence(
    *, teams: Sequence[Team], seed: int = 42, now: datetime.datetime | None = None
) -> EvidenceResult:
    now = now or timezone.now()
    projects = list(Project.objects.filter(team__in=teams).order_by("team_id", "pk"))
    if not projects:
        return EvidenceResult(0, 0)
    with transaction.atomic():
        _connections(projects, now)
        seeded, created = _facts(projects, seed, now)
    return EvidenceResult(seeded, created)


# --- Connections and the failed collection ----------------------------------------------------


def _connections(projects: list[Project], now: datetime.datetime) -> None:
    first = projects[0]
    MlflowConnection.objects.get_or_create(
        project=first,
        defaults={
            "tracking_url": MLFLOW_DEMO_URL,
            "experiment_names": MLFLOW_DEMO_EXPERIMENTS,
            "model_names": MLFLOW_DEMO_MODELS,
        },
    )
    failing = _failing_project(projects)
    if failing is None:
        return
    MlflowConnection.objects.get_or_create(
        project=failing,
        defaults={
            "tracking_url": FAILED_URL,
            "experiment_names": [f"{failing.slug}-training"],
            "model_names": [failing.slug],
            "production_alias": "champion",
            "created_at": now - datetime.timedelta(days=70),
        },
    )
    if not Collection.objects.filter(project=failing, status=Collection.Status.FAILED).exists():
        started = now - datetime.timedelta(minutes=12, seconds=11)
        Collection.objects.create(
            project=failing,
            trigger=Collection.Trigger.SCHEDULE,
            status=Collection.Status.FAILED,
            created_at=started,
            started_at=started,
            finished_at=started + datetime.timedelta(seconds=11),
            steps_done=1,
            steps_total=7,
            step_label="Finding the experiments",
            error_kind="timeout",
            error=FAILED_ERROR,
        )


def _failing_project(projects: list[Project]) -> Project | None:
    """A production project of another team than the first, else the first team's second."""
    others = [project for project in projects if project.team_id != projects[0].team_id]
    production = [project for project in others if project.stage == Project.Stage.PRODUCTION]
    candidates = production or others or projects[1:]
    return candidates[0] if candidates else None


# --- Facts ------------------------------------------------------------------------------------


def _facts(projects: list[Project], seed: int, now: datetime.datetime) -> tuple[int, int]:
    done = set(Fact.objects.filter(is_demo=True).values_list("project_id", flat=True).distinct())
    todo = [project for project in projects if project.pk not in done]
    if not todo:
        return 0, 0
    kinds = dict(ProjectProfile.objects.filter(project__in=todo).values_list("project_id", "kind"))
    answers = _latest_answers(todo)
    failing = _failing_project(projects)
    keep = {projects[0].pk, getattr(failing, "pk", None)}
    mismatch = _mismatch_project(todo, answers, keep)
    rows: list[tuple] = []  # FACT_COLUMNS
    seeded = 0
    for project in todo:
        rng = random.Random(f"{seed}:evidence:{project.slug}")
        uses_mlflow = kinds.get(project.pk) not in LLM_KINDS and rng.random() >= NOTEBOOK_ONLY
        if not uses_mlflow and project.pk not in keep:
            continue
        habits = _habits(project, answers.get(project.pk, {}), rng, mismatch=project == mismatch)
        # The failing project's last good collection was the day before.
        stale = datetime.timedelta(days=1 if project == failing else 0)
        rows.extend(_readings(project, habits, rng, now - stale))
        seeded += 1
    # COPY: 400,000 facts at 10,000 projects.
    with references_checked_by_the_seeder():
        insert_rows(Fact, FACT_COLUMNS, rows)
    return seeded, len(rows)


def _latest_answers(projects: list[Project]) -> dict[int, dict[str, str]]:
    """project id -> practice key -> its latest answer, in one query."""
    rows = (
        Answer.objects.filter(
            assessment__project__in=projects, practice__key__in=EVIDENCED.values()
        )
        .exclude(value="")
        .order_by("assessment__period__opens_on", "pk")
        .values_list("assessment__project_id", "practice__key", "value")
    )
    found: dict[int, dict[str, str]] = {}
    for project_id, key, value in rows:
        found.setdefault(project_id, {})[key] = value  # later quarters win
    return found


def _mismatch_project(
    projects: list[Project], answers: dict[int, dict[str, str]], keep: set[int | None]
) -> Project | None:
    """The project whose team says its snapshots are versioned, and whose runs disagree."""
    practice = EVIDENCED["dataset"]
    return next(
        (
            project
            for project in projects
            if project.pk not in keep and answers.get(project.pk, {}).get(practice) == "yes"
        ),
        None,
    )


def _share(rng: random.Random, answer: str | None, stage: str) -> float:
    low, high = SHARE_FOR_ANSWER.get(answer or "", SHARE_FOR_STAGE.get(stage, (0.2, 0.6)))
    return rng.uniform(low, high)


def _habits(
    project: Project, answers: dict[str, str], rng: random.Random, *, mismatch: bool
) -> _Habits:
    stage = project.stage
    low, high = RUNS_FOR_STAGE.get(stage, (5, 20))
    shares = {
        fact: _share(rng, answers.get(EVIDENCED[fact]), stage)
        for fact in ("dataset", "commit", "metrics", "linked")
    }
    shares["metrics"] = max(shares["metrics"], 0.8)  # nearly every tracked run logs a metric
    if mismatch:
        shares["dataset"] = rng.uniform(0.15, 0.3)
    registers = stage != Project.Stage.EXPLORATION and answers.get(EVIDENCED["registry"]) != "no"
    models = rng.randint(1, 3) if registers else 0
    # A production model in the registry carries the alias, unless the team deploys by
    # hand from a file (their answers to the registry and promotion practices say so).
    by_hand = "no" in (answers.get(EVIDENCED["registry"]), answers.get(EVIDENCED["promotion"]))
    retraining = answers.get(EVIDENCED["retraining"])
    return _Habits(
        runs=rng.randint(low, high),
        shares=shares,
        drift=rng.choice([0.2, 0.12, 0.05, 0.0, -0.08]),
        models=models,
        registered=models if rng.random() < 0.85 else max(models - 1, 0),
        alias=rng.choice(["production", "production", "champion"]),
        promoted=stage == Project.Stage.PRODUCTION and models > 0 and not by_hand,
        retraining_days={"yes": 7, "partly": 28}.get(retraining or "", 75) + rng.randint(-2, 12),
    )


def _readings(
    project: Project, habits: _Habits, rng: random.Random, now: datetime.datetime
) -> list[tuple]:
    """A reading a week for WEEKS weeks, and this morning's, as FACT_COLUMNS."""
    latest = now - datetime.timedelta(hours=rng.uniform(1.5, 5))
    moves = _production_moves(habits, rng, latest)
    rows = []
    for weeks_ago in range(WEEKS, -1, -1):
        at = latest - datetime.timedelta(weeks=weeks_ago)
        lag = habits.drift * weeks_ago / WEEKS
        for key, value, detail in _reading(habits, rng, lag, at, moves):
            rows.append((project.pk, key, value, detail, at, True))
    return rows


def _reading(
    habits: _Habits,
    rng: random.Random,
    lag: float,
    at: datetime.datetime,
    moves: list[datetime.datetime],
) -> list[tuple[str, float, dict]]:
    total = max(habits.runs + rng.randint(-4, 4), 1)
    facts: list[tuple[str, float, dict]] = [("mlflow.runs_30d", float(total), {})]
    for fact, key in (
        ("commit", "mlflow.git_commit_share_30d"),
        ("dataset", "mlflow.dataset_inputs_share_30d"),
        ("metrics", "mlflow.metrics_share_30d"),
    ):
        share = min(max(habits.shares[fact] - lag + rng.uniform(-0.04, 0.04), 0.0), 1.0)
        count = round(share * total)
        facts.append((key, count / total, {"count": count, "total": total}))
    if not habits.models:
        return facts
    registered = habits.registered
    facts.append(("mlflow.registered_models", float(registered), {"total": habits.models}))
    if not registered:
        return facts
    versions = [move for move in moves if move <= at]
    version_count = max(len(versions), 1) + registered * 2
    linked = round(min(max(habits.shares["linked"] - lag, 0.0), 1.0) * version_count)
    facts.append(
        (
            "mlflow.versions_linked_share",
            linked / version_count,
            {"count": linked, "total": version_count},
        )
    )
    carrying = registered if habits.promoted else 0
    facts.append(
        (
            "mlflow.production_alias_share",
            carrying / registered,
            {"count": carrying, "total": registered, "alias": habits.alias},
        )
    )
    if habits.promoted and versions:
        facts.append(("mlflow.production_age_days", float((at - versions[-1]).days), {}))
    if len(versions) > 2:
        intervals = [(b - a).days for a, b in itertools.pairwise(versions)]
        facts.append(
            (
                "mlflow.retraining_interval_days",
                float(statistics.median(intervals)),
                {"total": len(intervals)},
            )
        )
    return facts


def _production_moves(
    habits: _Habits, rng: random.Random, latest: datetime.datetime
) -> list[datetime.datetime]:
    """When new model versions went to production, oldest first, over the last ~half year."""
    moves: list[datetime.datetime] = []
    at = latest - datetime.timedelta(days=rng.uniform(1, habits.retraining_days))
    start = latest - datetime.timedelta(days=180)
    while at > start:
        moves.append(at)
        step = habits.retraining_days * rng.uniform(0.75, 1.3)
        at -= datetime.timedelta(days=step)
    return sorted(moves)
