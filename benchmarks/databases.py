"""The organisations `make bench` measures, each in its own PostgreSQL database on the server
of DATABASE_URL, created and seeded on first use, then reused:

    alias  database                 organisation
    100    <name>_small             20 teams x 5 projects, 12 quarters (the dashboard's old
                                    growth figure, from 100 to 1,000 projects)
    1k     <name>                   200 teams x 5 projects, 12 quarters
    10k    <name>_large             2,000 teams x 5 projects, 20 quarters, about 100 units

Seeding runs `migrate`, `load_framework` and `seed_demo` (which builds the dashboards'
roll-ups last), then VACUUM ANALYZE, and records how long each took in
var/bench-seeding.json.
"""

import json
import os
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/mlops_bench"
SEEDING_LOG = BASE_DIR / "var" / "bench-seeding.json"


@dataclass(frozen=True)
class Organisation:
    alias: str
    suffix: str
    teams: int
    projects_per_team: int
    past_quarters: int

    @property
    def projects(self) -> int:
        return self.teams * self.projects_per_team


ORGANISATIONS = {
    "100": Organisation("100", "_small", 20, 5, 11),
    "1k": Organisation("1k", "", 200, 5, 11),
    "10k": Organisation("10k", "_large", 2000, 5, 19),
}


def with_name(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def database_url(base_url: str, organisation: Organisation) -> str:
    return with_name(base_url, database_name(base_url) + organisation.suffix)


# The pages are measured against the cache production uses (Redis), not the file cache
# that `make run` falls back on: a database of its own, emptied between cold reads.
BENCH_CACHE_URL = "redis://127.0.0.1:6379/11"

# Written once every seeding step has finished, so a half-seeded database is never measured.
SEEDED_MARK = "benchmark_seeded"


def seed_commands(organisation: Organisation) -> list[list[str]]:
    return [
        ["migrate", "--no-input", "-v", "0"],
        ["load_framework", "assessments/frameworks/mlops-v1.yaml"],
        [
            "seed_demo",
            f"--teams={organisation.teams}",
            f"--projects-per-team={organisation.projects_per_team}",
            f"--quarters={organisation.past_quarters}",
            "-v",
            "2",
        ],
    ]


def ensure_seeded(url: str, organisation: Organisation) -> None:
    """Create and seed the database unless it holds the organisation; migrate it either way
    (the code measured may have new tables) and then rebuild its roll-ups and target phases."""
    import psycopg

    name = database_name(url)
    seeded = _is_seeded(url, organisation)
    with psycopg.connect(with_name(url, "postgres"), autocommit=True) as server:
        exists = server.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and not seeded:
            # A seeding that was stopped half-way: start again from an empty database.
            print(f"dropping {name}: its seeding never finished", flush=True)
            server.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        if not exists or not seeded:
            print(f"creating database {name}", flush=True)
            server.execute(f'CREATE DATABASE "{name}"')
    if seeded:
        if not _migrated(url):
            # New tables (the dashboards' roll-ups, say) are built from the stored scores.
            print(f"migrating {name} and rebuilding its roll-ups", flush=True)
            _manage(url, ["migrate", "--no-input", "-v", "0"])
            _manage(url, ["rollups_rebuild"])
            _manage(url, ["target_phases_rebuild"])
            _vacuum(url)
        return
    print(
        f"seeding {name}: {organisation.teams:,} teams x {organisation.projects_per_team} "
        f"projects, {organisation.past_quarters + 1} quarters",
        flush=True,
    )
    started, cpu = time.perf_counter(), _children_cpu()
    steps = {}
    for command in seed_commands(organisation):
        step_started = time.perf_counter()
        _manage(url, command)
        steps[command[0]] = round(time.perf_counter() - step_started, 1)
    vacuum_started = time.perf_counter()
    _vacuum(url)
    steps["vacuum_analyze"] = round(time.perf_counter() - vacuum_started, 1)
    seconds = round(time.perf_counter() - started, 1)
    record_seeding(name, seconds, steps, python_cpu=round(_children_cpu() - cpu, 1))
    with psycopg.connect(url, autocommit=True) as database:
        database.execute(f"CREATE TABLE {SEEDED_MARK} (organisation text, projects integer)")
        database.execute(
            f"INSERT INTO {SEEDED_MARK} VALUES (%s, %s)", [name, organisation.projects]
        )


def _children_cpu() -> float:
    """CPU seconds (user and system) of the finished child processes so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def record_seeding(name: str, seconds: float, steps: dict[str, float], python_cpu: float) -> None:
    log = seeding_log()
    log[name] = {
        "seconds": seconds,
        # The seeding commands' own CPU time: what the machine's load cannot stretch (the
        # database server's time is not in it).
        "python_cpu_s": python_cpu,
        "steps": steps,
        "load_average": [round(load, 1) for load in os.getloadavg()],
        "at": time.strftime("%Y-%m-%d %H:%M"),
    }
    SEEDING_LOG.parent.mkdir(exist_ok=True)
    SEEDING_LOG.write_text(json.dumps(log, indent=2) + "\n")


def seeding_log() -> dict:
    return json.loads(SEEDING_LOG.read_text()) if SEEDING_LOG.exists() else {}


def _manage(url: str, command: list[str]) -> None:
    environment = {**os.environ, "DATABASE_URL": url}
    manage = [sys.executable, str(BASE_DIR / "manage.py")]
    subprocess.run([*manage, *command], env=environment, cwd=BASE_DIR, check=True)


def _vacuum(url: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as database:
        database.execute("VACUUM ANALYZE")


def _is_seeded(url: str, organisation: Organisation) -> bool:
    import psycopg

    try:
        with psycopg.connect(url) as database:
            row = database.execute(f"SELECT projects FROM {SEEDED_MARK}").fetchone()
    except (psycopg.errors.UndefinedTable, psycopg.OperationalError):
        return False  # no database, or one whose seeding never reached its end
    return bool(row) and row[0] == organisation.projects


def _migrated(url: str) -> bool:
    environment = {**os.environ, "DATABASE_URL": url}
    check = [sys.executable, str(BASE_DIR / "manage.py"), "migrate", "--check", "-v", "0"]
    return subprocess.run(check, env=environment, cwd=BASE_DIR).returncode == 0
