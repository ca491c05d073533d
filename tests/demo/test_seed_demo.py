import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from assessments.models import Assessment
from demo import PRODUCTION_REFUSAL
from teams.models import Membership, Project, Team

ROOT = Path(__file__).resolve().parents[2]


def _counts() -> tuple[int, ...]:
    return (
        User.objects.count(),
        Team.objects.count(),
        Project.objects.count(),
        Membership.objects.count(),
    )


def test_it_creates_the_demo_accounts(db):
    call_command("seed_demo", teams=3, projects_per_team=2, quarters=0)
    for username in ("admin", "manager", "lead", "member"):
        assert User.objects.get(username=username).check_password("demo")
    lead = User.objects.get(username="lead")
    assert Membership.objects.get(user=lead).role == "lead"
    assert User.objects.get(username="manager").groups.filter(name="Management").exists()
    assert User.objects.get(username="admin").is_superuser


def test_it_adds_nothing_when_run_again(db):
    call_command("seed_demo", teams=3, projects_per_team=2, quarters=0)
    before = _counts()
    call_command("seed_demo", teams=3, projects_per_team=2, quarters=0)
    assert _counts() == before


def _snapshot() -> tuple[list, list, list]:
    return (
        sorted(Project.objects.values_list("name", "stage")),
        sorted(User.objects.values_list("username", flat=True)),
        sorted(
            Assessment.objects.values_list(
                "project__name", "period__key", "status", "overall_level", "overall_score"
            )
        ),
    )


def test_it_is_deterministic_for_a_seed(db):
    call_command("seed_demo", teams=4, projects_per_team=3, seed=7, quarters=2)
    first = _snapshot()
    Assessment.objects.all().delete()
    Project.objects.all().delete()
    User.objects.exclude(username__in=["admin", "manager", "lead", "member"]).delete()
    call_command("seed_demo", teams=4, projects_per_team=3, seed=7, quarters=2)
    assert _snapshot() == first


def test_it_refuses_to_run_in_production_in_one_line_and_creates_nothing(tmp_path):
    database = tmp_path / "production.sqlite3"
    env = {key: value for key, value in os.environ.items() if key != "SECRET_KEY"}
    env.update(
        DJANGO_ENV="production",
        SECRET_KEY="x" * 60,
        ALLOWED_HOSTS="portal.example.com",
        DATABASE_URL=f"sqlite:///{database}",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "seed_demo"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [PRODUCTION_REFUSAL]
    assert not database.exists()


def test_it_refuses_in_production_even_when_the_demo_app_is_installed(db, settings):
    settings.IS_PRODUCTION = True
    with pytest.raises(CommandError, match="refuses to run with DJANGO_ENV=production"):
        call_command("seed_demo", teams=1, projects_per_team=1, quarters=1)
    assert _counts() == (0, 0, 0, 0)


def test_it_is_not_installed_in_production():
    code = "from django.conf import settings; print('demo' in settings.INSTALLED_APPS)"
    env = {**os.environ, "DJANGO_ENV": "production", "SECRET_KEY": "x" * 60}
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "mlops_portal.settings"},
        capture_output=True,
        text=True,
    )
    assert result.stdout.strip() == "False", result.stderr
