"""`make mlflow-demo`: a live MLflow tracking server with a believable history, connected to
one demo project, for anyone who wants to watch a collection.

Usage (after `make run` has seeded the demo; run it in a second terminal while `make run`
serves the portal, whose worker runs the collection):

    .venv/bin/python scripts/mlflow_demo.py [--port 8000] [--mlflow-port 5050]

1. Installs mlflow into its cached venv if it is missing (once: about a minute, 800 MB),
   the same venv the test suite uses (tests/integration/mlflow/server.py).
2. Starts `mlflow server` on loopback with a fresh SQLite store in var/mlflow-demo/.
3. Records the Fraud Detection team's history through MLflow's REST API: two experiments
   with about 90 runs over the last 60 days (git commits, dataset inputs and metrics on
   most), two registered models with versions linked to their runs, and the alias
   `production` on the scorer.
4. Connects the team's production project, "Card transaction scoring", to this server and
   queues a collection, then prints the page to watch and follows the collection here.
5. Ctrl-C stops the server. The project stays connected: its daily collection fails while
   the server is down, as a real outage would show; remove the connection on the page.
"""

import argparse
import concurrent.futures
import os
import random
import shutil
import signal
import socket
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mlops_portal.settings")
# The broker `make run` uses, so its worker receives the collection's task.
os.environ.setdefault("CELERY_BROKER_URL", "filesystem://")

from tests.integration.mlflow.server import (  # noqa: E402
    MlflowApi,
    MlflowServer,
    MlflowUnavailable,
    venv_ensure,
)

PROJECT_SLUG = "card-transaction-scoring"  # Fraud Detection's production project (demo/)
LEAD = "lead"  # the demo's lead of Fraud Detection
TRAINING, TUNING = "card-scoring-training", "card-scoring-tuning"
SCORER, EXPLAINER = "card-fraud-scorer", "card-fraud-explainer"
DAY_MS = 86_400_000
FOLDER = ROOT / "var" / "mlflow-demo"


# --- The history ------------------------------------------------------------------------------


def record_history(api: MlflowApi, now: int, rng: random.Random) -> list[tuple[int, str]]:
    """Runs of the last 60 days, as the team's jobs would have logged them: the nightly
    training logs its data snapshot and commit; a quarter of the tuning sweeps run from a
    notebook, without either. Returns the training runs (start, run id), oldest first."""
    ids = {TRAINING: api.experiment(TRAINING), TUNING: api.experiment(TUNING)}
    jobs: list[dict[str, Any]] = []
    for day in range(60, 0, -1):
        if rng.random() < 0.75:  # nightly, when the data landed
            jobs.append(
                {
                    "experiment": TRAINING,
                    "started": now - day * DAY_MS + rng.randint(1, 4) * 3_600_000,
                    "git_commit": f"{rng.getrandbits(40):010x}",
                    "dataset": f"card-transactions-{60 - day:03d}",
                }
            )
    for _ in range(45):
        notebook = rng.random() < 0.25
        jobs.append(
            {
                "experiment": TUNING,
                "started": now - rng.randint(1, 29) * DAY_MS - rng.randint(0, 80_000_000),
                "git_commit": "" if notebook else f"{rng.getrandbits(40):010x}",
                "dataset": "" if notebook else "card-transactions-sample",
            }
        )
    for job in jobs:
        job["metrics"] = {"auc": round(rng.uniform(0.90, 0.95), 4), "recall_at_1pct_fpr": 0.6}
        job["minutes"] = rng.randint(8, 45)
    print(f"  recording {len(jobs)} runs…", flush=True)

    def record(job: dict[str, Any]) -> str:
        return api.run(
            ids[job["experiment"]], **{k: v for k, v in job.items() if k != "experiment"}
        )

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        run_ids = list(pool.map(record, jobs))
    return sorted(
        (job["started"], run_id)
        for job, run_id in zip(jobs, run_ids, strict=True)
        if job["experiment"] == TRAINING
    )


def register_models(api: MlflowApi, training: list[tuple[int, str]], store: Path) -> None:
    """A scorer released from every tenth nightly run (about every two weeks), `production`
    on the one before the latest (the latest waits as `challenger`), and an explainer with
    two versions, one registered by hand from a file (no run). MLflow stamps a version with
    the time it is registered; the demo dates them back to their runs in its own store, so
    the retraining cadence reads like a real history."""
    releases = training[::-10][:5][::-1]
    api.model(SCORER)
    dated = [(SCORER, api.version(SCORER, run_id), at + 3_600_000) for at, run_id in releases]
    api.alias(SCORER, "production", dated[-2][1])
    api.alias(SCORER, "challenger", dated[-1][1])
    api.model(EXPLAINER)
    first_at, first_run = releases[0]
    dated.append((EXPLAINER, api.version(EXPLAINER, first_run), first_at + 7_200_000))
    body = {"name": EXPLAINER, "source": "s3://fraud-models/card-fraud-explainer/by-hand"}
    by_hand = api.call("POST", "model-versions/create", body)["model_version"]["version"]
    dated.append((EXPLAINER, by_hand, training[-1][0]))
    with sqlite3.connect(store) as database:
        database.executemany(
            "UPDATE model_versions SET creation_time = ?, last_updated_time = ?"
            " WHERE name = ? AND version = ?",
            [(at, at, name, int(version)) for name, version, at in dated],
        )


# --- The portal -------------------------------------------------------------------------------


def connect_and_collect(url: str) -> tuple[int, str]:
    """Connect the demo project to `url` and queue a collection: (its id, the page)."""
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.urls import NoReverseMatch, reverse

    from evidence.services.collections import collection_request
    from evidence.services.connections import connection_save
    from teams.models import Project

    project = Project.objects.filter(slug=PROJECT_SLUG).first()
    lead = User.objects.filter(username=LEAD).first()
    if project is None or lead is None:
        sys.exit("The demo organisation is missing: run `make run` once first (it seeds it).")
    connection_save(
        project=project,
        actor=lead,
        tracking_url=url,
        experiment_names=[TRAINING, TUNING],
        model_names=[SCORER, EXPLAINER],
        production_alias="production",
        token="",  # this server asks for none
    )
    collection = collection_request(project=project, user=lead)
    try:
        page = reverse("portal:project_evidence", kwargs={"slug": project.slug})
    except NoReverseMatch:
        page = project.get_absolute_url()
    return collection.pk, page


def follow(collection_id: int) -> None:
    """Print the collection's progress here until it finishes."""
    from evidence.models import Collection

    shown, waited = "", time.monotonic()
    while True:
        collection = Collection.objects.get(pk=collection_id)
        steps = f"{collection.steps_done}/{collection.steps_total}"
        line = f"{collection.status}: {steps} {collection.step_label}"
        if line != shown:
            print(f"  collection {line}", flush=True)
            shown = line
        if collection.status in ("succeeded", "failed"):
            outcome = f"{collection.facts_recorded} facts recorded"
            print(f"  {outcome if collection.status == 'succeeded' else collection.error}")
            return
        if collection.status == "queued" and time.monotonic() - waited > 20:
            print("  still queued: is `make run` running? Its worker runs collections.")
            waited = float("inf")
        time.sleep(0.5)


def free_or(port: int) -> int:
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", port)) != 0:
            return port
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8000)))
    parser.add_argument("--mlflow-port", type=int, default=5050)
    args = parser.parse_args()
    try:
        venv = venv_ensure(say=lambda message: print(message, flush=True))
        shutil.rmtree(FOLDER, ignore_errors=True)  # a fresh history: runs of the last days
        print("Starting MLflow (about 10 s)…", flush=True)
        server = MlflowServer.start(venv, FOLDER, port=free_or(args.mlflow_port))
    except MlflowUnavailable as error:
        print(f"MLflow is not available: {error}", file=sys.stderr)
        return 1
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even when started in background
    try:
        print(f"MLflow: {server.url} (its own UI, too)")
        training = record_history(server.api(), int(time.time() * 1000), random.Random(15))
        register_models(server.api(), training, FOLDER / "mlflow.db")
        collection_id, page = connect_and_collect(server.url)
        print("")
        print(f"  Watch the collection: http://127.0.0.1:{args.port}{page}")
        print("  (log in as lead, password demo; `make run` must be running: its worker")
        print("  collects. 'Collect now' on that page collects again.) Ctrl-C stops MLflow.")
        print("")
        follow(collection_id)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        print("Stopping MLflow…", flush=True)
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
