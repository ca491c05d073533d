"""The production settings: refuse a missing secret, pass Django's deployment checks."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
SECRET = "k3Jd9-vQ2x!mZp7Lr0sTfYb6Wn4Hc8Ea1Ug5Oi2Re9Tq3Sy7Xv0Mb4Nl6Kj8Hg2"


def _manage(*args: str, **extra_env: str) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key != "SECRET_KEY"}
    env.update({"DJANGO_ENV": "production", **extra_env})
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )


def test_it_passes_the_deploy_checks_in_production():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY=SECRET,
        ALLOWED_HOSTS="portal.example.com",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_it_refuses_to_start_without_a_secret_key():
    result = _manage("check", ALLOWED_HOSTS="portal.example.com")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "Refusing to start: DJANGO_ENV=production needs SECRET_KEY set to 50+ random characters."
    ]


@pytest.mark.django_db
def test_postgresql_connections_plan_without_jit():
    # JIT compiled every plan over the whole organisation: a second of a dashboard at 10,000
    # projects, won back nowhere (issue 17).
    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL setting")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone() == ("off",)
