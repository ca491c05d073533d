"""Autosave under load: simulated users against gunicorn and PostgreSQL, loopback only.

    python -m benchmarks.load_autosave [--users 50] [--seconds 60] [--restart-postgres-at 20]

1. Create a fresh PostgreSQL database, migrate, load the framework and seed one team per
   two users (a lead and a member both editing their team's draft, so conflicts happen).
2. Start gunicorn on 127.0.0.1 with that database.
3. Each user logs in through the real login form, reads the versions from the page, then
   autosaves random answers for the given time. A 409 conflict makes the user re-read the
   page, as a person clicking "reload" would; every 200 is an acknowledged save.
4. Optionally restart PostgreSQL part-way through (the fault test).
5. Afterwards every acknowledged save must be in the database: for each answer the highest
   acknowledged version is the stored version and its value the stored value.

Prints the figures and writes them to var/load_autosave.json. Bounded in time; it sends
traffic only to 127.0.0.1.
"""

import argparse
import http.cookiejar
import json
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PORT = 8799
BASE = f"http://127.0.0.1:{PORT}"
VALUES = ["no", "partly", "yes"]
STATUS_RE = re.compile(
    r'id="status-(?P<key>[a-z0-9-]+)".*?name="version" value="(?P<version>\d+)"', re.S
)


@dataclass
class Figures:
    requests: int = 0
    acknowledged: int = 0
    conflicts: int = 0
    client_errors: int = 0
    server_errors: int = 0
    unavailable: int = 0
    connection_errors: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    # (assessment id, practice key) -> (version, value) of the newest acknowledged save
    acknowledged_saves: dict[tuple[int, str], tuple[int, str]] = field(default_factory=dict)

    def record(self, status: int, elapsed_ms: float) -> None:
        with self.lock:
            self.requests += 1
            self.latencies_ms.append(elapsed_ms)
            if status == 200:
                self.acknowledged += 1
            elif status == 409:
                self.conflicts += 1
            elif status == 503:
                self.unavailable += 1
            elif status >= 500:
                self.server_errors += 1
            elif status >= 400:
                self.client_errors += 1

    def acknowledge(self, assessment_id: int, key: str, version: int, value: str) -> None:
        with self.lock:
            previous = self.acknowledged_saves.get((assessment_id, key))
            if previous is None or previous[0] < version:
                self.acknowledged_saves[(assessment_id, key)] = (version, value)


def manage(*args: str, env: dict[str, str]) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{result.stderr}")
    return result.stdout


def prepare_database(env: dict[str, str], teams: int) -> list[tuple[str, int]]:
    """Fresh database and demo data; returns (username, assessment id) per simulated user."""
    name = urllib.parse.urlparse(env["DATABASE_URL"]).path.lstrip("/")
    subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", name], check=True)
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], check=True)
    manage("migrate", "-v", "0", env=env)
    manage("load_framework", "assessments/frameworks/mlops-v1.yaml", env=env)
    manage(
        "seed_demo", "--teams", str(teams), "--projects-per-team", "1", "--quarters", "1", env=env
    )
    script = (
        "import json\n"
        "from assessments.models import Assessment\n"
        "from assessments.selectors import period_current\n"
        "from teams.models import Membership\n"
        "period = period_current()\n"
        "Assessment.objects.filter(period=period).update(status='draft')\n"
        "rows = []\n"
        "for m in Membership.objects.select_related('user', 'team'):\n"
        "    a = Assessment.objects.get(period=period, project__team=m.team)\n"
        "    rows.append([m.user.username, a.pk])\n"
        "print(json.dumps(rows))\n"
    )
    return [tuple(row) for row in json.loads(manage("shell", "-v", "0", "-c", script, env=env))]


class SimulatedUser(threading.Thread):
    def __init__(self, username: str, assessment_id: int, deadline: float, figures: Figures):
        super().__init__(daemon=True)
        self.username, self.assessment_id = username, assessment_id
        self.deadline, self.figures = deadline, figures
        self.rng = random.Random(username)
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        self.versions: dict[str, int] = {}
        self.csrf = ""

    def request(self, path: str, data: dict | None = None, htmx: bool = False) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        headers = {"X-CSRFToken": self.csrf, "Referer": BASE + path}
        if htmx:
            headers["HX-Request"] = "true"
        request = urllib.request.Request(BASE + path, data=body, headers=headers)
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")

    def login(self) -> None:
        _, page = self.request("/accounts/login/")
        self.csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        credentials = {"username": self.username, "password": "demo"}
        self.request("/accounts/login/", {**credentials, "csrfmiddlewaretoken": self.csrf})
        self.read_versions()

    def read_versions(self) -> None:
        status, page = self.request(f"/assessments/{self.assessment_id}/")
        if status == 200:
            self.csrf = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
            self.versions = {m["key"]: int(m["version"]) for m in STATUS_RE.finditer(page)}

    def run(self) -> None:
        while time.monotonic() < self.deadline:
            try:
                if not self.versions:
                    self.login()
                    continue
                self.save_one()
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                with self.figures.lock:
                    self.figures.connection_errors += 1
                time.sleep(0.5)

    def save_one(self) -> None:
        key = self.rng.choice(list(self.versions))
        value = self.rng.choice(VALUES)
        started = time.perf_counter()
        status, body = self.request(
            f"/assessments/{self.assessment_id}/answers/{key}/",
            {"value": value, "version": self.versions[key], "note": f"by {self.username}"},
            htmx=True,
        )
        self.figures.record(status, (time.perf_counter() - started) * 1000)
        if status == 200:
            version = int(re.search(r'name="version" value="(\d+)"', body).group(1))
            self.versions[key] = version
            self.figures.acknowledge(self.assessment_id, key, version, value)
        elif status == 409:
            self.read_versions()
        elif status == 503:
            time.sleep(0.5)
        time.sleep(self.rng.uniform(0.05, 0.3))  # a person clicking, not a flood


def verify(env: dict[str, str], figures: Figures) -> tuple[int, int]:
    script = (
        "import json, sys\n"
        "from assessments.models import Answer\n"
        "rows = Answer.objects.values_list('assessment_id', 'practice__key', 'version', 'value')\n"
        "print(json.dumps([list(r) for r in rows]))\n"
    )
    stored = {
        (row[0], row[1]): (row[2], row[3])
        for row in json.loads(manage("shell", "-v", "0", "-c", script, env=env))
    }
    missing = sum(1 for key, ack in figures.acknowledged_saves.items() if stored.get(key) != ack)
    return len(figures.acknowledged_saves), missing


def restart_postgres_after(delay: float, events: list[str]) -> threading.Timer:
    def restart() -> None:
        cluster = sorted(os.listdir("/etc/postgresql"))[0]
        started = time.monotonic()
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", cluster, "main", "restart"], check=True
        )
        events.append(
            f"PostgreSQL restarted at t+{delay:.0f}s in {time.monotonic() - started:.1f}s"
        )

    timer = threading.Timer(delay, restart)
    timer.start()
    return timer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--restart-postgres-at", type=float, default=None)
    options = parser.parse_args()
    env = {
        **os.environ,
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/mlops_load",
        "DJANGO_SETTINGS_MODULE": "mlops_portal.settings",
        "STATIC_MANIFEST": "0",
        "AXES_FAILURE_LIMIT": "1000",
    }
    env.pop("CELERY_BROKER_URL", None)
    users = prepare_database(env, teams=(options.users + 1) // 2)[: options.users]
    (ROOT / "var").mkdir(exist_ok=True)
    server = start_gunicorn(
        env,
        port=PORT,
        workers=options.workers,
        threads=4,
        log_path=ROOT / "var" / "load_autosave_server.log",
    )
    events: list[str] = []
    try:
        wait_for_server()
        figures = Figures()
        deadline = time.monotonic() + options.seconds
        timer = None
        if options.restart_postgres_at is not None:
            timer = restart_postgres_after(options.restart_postgres_at, events)
        threads = [SimulatedUser(name, pk, deadline, figures) for name, pk in users]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=options.seconds + 30)
        if timer:
            timer.join()
        recovered = wait_for_server(timeout=30)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
    acknowledged_answers, missing = verify(env, figures)
    report(options, figures, acknowledged_answers, missing, events, recovered)


def start_gunicorn(
    env: dict[str, str], *, port: int, workers: int, threads: int, log_path: Path
) -> subprocess.Popen:
    """gunicorn on 127.0.0.1 (gthread workers), in a process group of its own so that
    `os.killpg(server.pid, signal.SIGTERM)` stops it and its workers; output in log_path."""
    log = log_path.open("w")
    command = [PYTHON, "-m", "gunicorn", "mlops_portal.wsgi", "--bind", f"127.0.0.1:{port}"]
    command += ["--workers", str(workers), "--threads", str(threads), "--worker-class", "gthread"]
    command += ["--timeout", "30", "--log-level", "warning"]
    return subprocess.Popen(
        command, cwd=ROOT, env=env, start_new_session=True, stdout=log, stderr=log
    )


def wait_for_server(timeout: float = 30, base: str = BASE) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:
                if response.status == 200:
                    return True
        except (urllib.error.URLError, ConnectionError, OSError):
            pass
        time.sleep(0.3)
    return False


def report(options, figures: Figures, acknowledged_answers: int, missing: int, events, recovered):
    latencies = sorted(figures.latencies_ms) or [0.0]
    result = {
        "users": options.users,
        "seconds": options.seconds,
        "requests": figures.requests,
        "requests_per_second": round(figures.requests / options.seconds, 1),
        "acknowledged_saves": figures.acknowledged,
        "conflicts_409": figures.conflicts,
        "client_errors_4xx_other": figures.client_errors,
        "server_errors_5xx": figures.server_errors,
        "unavailable_503": figures.unavailable,
        "connection_errors": figures.connection_errors,
        "latency_p50_ms": round(statistics.median(latencies), 1),
        "latency_p95_ms": round(latencies[int(len(latencies) * 0.95) - 1], 1),
        "answers_with_acknowledged_saves": acknowledged_answers,
        "acknowledged_answers_missing_in_db": missing,
        "service_recovered": recovered,
        "events": events,
    }
    name = (
        "load_autosave_fault.json"
        if options.restart_postgres_at is not None
        else "load_autosave.json"
    )
    (ROOT / "var").mkdir(exist_ok=True)
    (ROOT / "var" / name).write_text(json.dumps(result, indent=2))
    for key, value in result.items():
        print(f"{key:38} {value}")


if __name__ == "__main__":
    main()
