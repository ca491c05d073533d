"""Autosave under load and through a PostgreSQL restart, against gunicorn on loopback.

Each test runs `benchmarks/load_autosave.py` in its own process with its own database, so
the figures are the ones a person would reproduce by hand, and reads its JSON result.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections

from tests.conftest import require_service

pytestmark = pytest.mark.services
ROOT = Path(settings.BASE_DIR)


def _run_load(*extra: str) -> dict:
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        require_service("PostgreSQL: set DATABASE_URL=postgres://…")
    if shutil.which("createdb") is None:
        require_service("PostgreSQL client tools (createdb)")
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.load_autosave", *extra],
        cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        capture_output=True,
        text=True,
        timeout=400,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    print(result.stdout)
    name = "load_autosave_fault.json" if "--restart-postgres-at" in extra else "load_autosave.json"
    return json.loads((ROOT / "var" / name).read_text())


def test_it_keeps_every_acknowledged_answer_under_load():
    figures = _run_load("--users", "50", "--seconds", "60")
    assert figures["server_errors_5xx"] == 0
    assert figures["unavailable_503"] == 0
    assert figures["acknowledged_saves"] > 500
    assert figures["conflicts_409"] > 0  # pairs of people really did edit the same answers
    assert figures["acknowledged_answers_missing_in_db"] == 0


def test_it_recovers_by_itself_when_postgresql_restarts(django_db_blocker):
    if not Path("/etc/postgresql").is_dir() or shutil.which("pg_ctlcluster") is None:
        require_service("a local PostgreSQL cluster that this test may restart")
    try:
        figures = _run_load("--users", "20", "--seconds", "30", "--restart-postgres-at", "10")
    finally:
        # The restart also cut this process's connections; reopen them for later tests.
        with django_db_blocker.unblock():
            connections.close_all()
    assert figures["events"] and "PostgreSQL restarted" in figures["events"][0]
    assert figures["server_errors_5xx"] == 0  # failures were the retryable 503, never a 500
    assert figures["acknowledged_answers_missing_in_db"] == 0
    assert figures["service_recovered"] is True
    assert figures["acknowledged_saves"] > 100
