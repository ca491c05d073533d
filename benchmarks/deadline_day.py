"""Deadline day: 200 people at once against gunicorn, PostgreSQL and Redis, on loopback.

    python -m benchmarks.deadline_day [--users 200] [--leads 50] [--seconds 120]

1. Copy the seeded 1,000-project bench database (`CREATE DATABASE mlops_deadline TEMPLATE
   mlops_bench`, once seeded and unused); the run writes to the copy only, then drops it.
2. In the copy: a draft of this quarter in each of `--leads` teams, with its lead; a manager
   with an API token per reader; a session for everyone, as `login` stores it. Nobody logs
   in through the form: 200 PBKDF2 hashes on two cores would measure the password hasher.
3. gunicorn, DEBUG off, Redis cache, 3 workers x 4 gthread threads: 3 processes keep the 2
   cores busy while one waits on the database; threads keep a slow cold dashboard from
   holding up the light requests behind it.
4. For `--seconds`: leads autosave with the version their page holds (as load_autosave
   does) 3-10 s apart and submit between 25% and 90% of the run; readers open dashboards,
   team, project and result pages, the reports, the API figures and the floor (`GET
   /accounts/password_change/`, so measured under the same load) 5-15 s apart. People are
   threads, a connection per request, thinking in between; the client's CPU is reported.
5. Every acknowledged save must be stored at its version and value, every acknowledged
   submission submitted. Prints requests, p50, p95 and req/s per kind (floor, pages,
   autosave, submit) with their ratios to the floor; writes var/deadline_day.json; exits 1
   on any 5xx, connection error or loss.
"""

import argparse
import http.client
import json
import os
import random
import re
import secrets
import signal
import sys
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from benchmarks import databases
from benchmarks.load_autosave import ROOT, STATUS_RE, VALUES, manage, start_gunicorn
from benchmarks.load_autosave import wait_for_server as wait_for
from benchmarks.measure import FLOOR, Timing

PORT = 8797
COPY = "mlops_deadline"
CACHE_URL = "redis://127.0.0.1:6379/12"
KINDS = ("floor", "pages", "autosave", "submit")
READER_PAGES = {"org_dashboard": 3, "unit_dashboard": 2, "team": 3, "project": 3, "result": 2,
                "reports": 1, "api_figures": 1, "floor": 2}  # fmt: skip
FIXED_PATHS = {"org_dashboard": ["/org/"], "reports": ["/reports/"], "floor": [FLOOR],
               "api_figures": ["/api/v1/figures/organisation"]}  # fmt: skip
FAILURES = {"server_errors": "server errors (5xx)", "connection_errors": "connection errors",
            "lost_answers": "answers lost", "lost_submits": "submissions lost"}  # fmt: skip
READER_THINK, LEAD_THINK = (5.0, 15.0), (3.0, 10.0)  # seconds: docs/bench.md says why
VERSION_RE = re.compile(r'name="version" value="(\d+)"')


def kind_figures(samples: dict[str, list[float]], seconds: float) -> dict[str, dict]:
    """Requests, p50, p95 and req/s of each kind, and each as a ratio to the floor's."""
    figures = {}
    for kind, values in samples.items():
        timing, rate = Timing(values), round(len(values) / seconds, 2)
        p50, p95 = (round(timing.p50, 1), round(timing.p95, 1)) if values else (None, None)
        figures[kind] = {"requests": len(values), "p50_ms": p50, "p95_ms": p95, "per_second": rate}
    floor = figures.get("floor", {})
    for row in figures.values():
        for key, ratio in (("p50_ms", "p50_x"), ("p95_ms", "p95_x"), ("per_second", "rate_x")):
            known = floor.get(key) and row[key] is not None
            row[ratio] = round(row[key] / floor[key], 2) if known else None
    return figures


def lost_answers(acknowledged: dict, stored: dict) -> list[tuple[int, str]]:
    """(assessment, practice key) of each answer whose newest acknowledged (version, value) the
    database does not hold. A higher stored version is a later save whose response never came
    (a connection error, which fails the run anyway), not a loss."""
    lost = [
        key
        for key, newest in acknowledged.items()
        if (found := stored.get(key)) is None or (found[0] <= newest[0] and found != newest)
    ]
    return sorted(lost)


def failures(result: dict) -> list[str]:
    """Why the run fails; empty when it passes."""
    return [f"{result[key]} {what}" for key, what in FAILURES.items() if result[key]]


@dataclass
class Recorder:
    """What the simulated people saw, shared by their threads."""

    samples: dict[str, dict[str, list[float]]] = field(default_factory=dict)  # kind, name: ms
    server_errors: Counter[str] = field(default_factory=Counter)
    connection_errors: Counter[str] = field(default_factory=Counter)
    unexpected: Counter[str] = field(default_factory=Counter)
    saves: dict[tuple[int, str], tuple[int, str]] = field(default_factory=dict)
    submits: set[int] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, kind: str, name: str, path: str, status: int | str, ms: float, expected):
        """`status` is the exception's name when no response came."""
        with self.lock:
            if isinstance(status, str):
                self.connection_errors[f"{status} {path}"] += 1
                return
            self.samples.setdefault(kind, {}).setdefault(name, []).append(ms)
            if status >= 500:
                self.server_errors[f"{status} {path}"] += 1
            elif status not in expected:
                self.unexpected[f"{status} {name}"] += 1


class Person(threading.Thread):
    """A browser with a session, a connection per request, not following redirects; `step`
    is one thing the person does, then they think for a while."""

    think, done = READER_THINK, False

    def __init__(self, session: str, recorder: Recorder, deadline: float, seed: str):
        super().__init__(daemon=True)
        self.recorder, self.deadline, self.rng = recorder, deadline, random.Random(seed)
        # The CSRF cookie a first page would set; Django takes its secret, unmasked, as a token.
        csrf = secrets.token_hex(16)
        self.headers = {"Cookie": f"sessionid={session}; csrftoken={csrf}", "X-CSRFToken": csrf}

    def call(self, kind, name, path, data=None, expected=(200,), headers=None) -> tuple[int, str]:
        headers = {**self.headers, **(headers or {})}
        if data is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        body = urllib.parse.urlencode(data) if data is not None else None
        started, connection = time.perf_counter(), http.client.HTTPConnection("127.0.0.1", PORT, 30)
        try:
            connection.request("GET" if body is None else "POST", path, body, headers)
            response = connection.getresponse()
            status, text = response.status, response.read().decode(errors="replace")
        except OSError as error:  # refused, reset, timed out
            status, text = type(error).__name__, ""
        connection.close()
        ms = (time.perf_counter() - started) * 1000
        self.recorder.record(kind, name, path, status, ms, expected)
        return (status, text) if isinstance(status, int) else (0, "")

    def run(self) -> None:
        time.sleep(self.rng.uniform(0, self.think[1]))  # people arrive over a few seconds
        while time.monotonic() < self.deadline and not self.done:
            self.step()
            pause = self.rng.uniform(*self.think)
            time.sleep(max(0.0, min(pause, self.deadline - time.monotonic())))


class Reader(Person):
    def __init__(self, paths: dict[str, list[str]], token: str, *args):
        super().__init__(*args)
        self.paths, self.api = paths, {"Authorization": f"Bearer {token}"}

    def step(self) -> None:
        name = self.rng.choices(list(READER_PAGES), weights=list(READER_PAGES.values()))[0]
        path = self.rng.choice(self.paths[name])
        headers = self.api if path.startswith("/api/") else None
        self.call("floor" if name == "floor" else "pages", name, path, headers=headers)


class Lead(Person):
    """Answers a draft by autosave, submits it, looks at the result and leaves."""

    think = LEAD_THINK

    def __init__(self, assessment_id: int, submit_at: float, *args):
        super().__init__(*args)
        self.assessment_id, self.submit_at, self.versions = assessment_id, submit_at, {}
        self.path = f"/assessments/{assessment_id}/"

    def step(self) -> None:
        if not self.versions:
            page = self.call("pages", "questionnaire", self.path)[1]
            self.versions = {m["key"]: int(m["version"]) for m in STATUS_RE.finditer(page)}
        elif time.monotonic() >= self.submit_at:
            self.submit()
        else:
            self.save()

    def save(self) -> None:
        key, value = self.rng.choice(list(self.versions)), self.rng.choice(VALUES)
        data, path = {"value": value, "version": self.versions[key]}, f"{self.path}answers/{key}/"
        htmx = {"HX-Request": "true"}
        status, body = self.call("autosave", "autosave", path, data, (200, 409), htmx)
        version = VERSION_RE.search(body)
        if status == 200 and version:
            self.versions[key] = int(version.group(1))
            with self.recorder.lock:
                self.recorder.saves[(self.assessment_id, key)] = (self.versions[key], value)
        elif status == 409:
            self.versions = {}  # read the page again, as a person clicking "reload" would

    def submit(self) -> None:
        # Acknowledged: redirected to the assessment, which then shows the result, not the
        # questionnaire (where a refusal sends the lead back).
        self.done, data = True, {"confirm_carried": "all"}
        if self.call("submit", "submit", f"{self.path}submit/", data, (302,))[0] == 302:
            status, page = self.call("pages", "result", self.path)
            if status == 200 and not STATUS_RE.search(page):
                with self.recorder.lock:
                    self.recorder.submits.add(self.assessment_id)


def prepare_people(leads: int, readers: int) -> None:
    """Run by `manage.py shell` in the copy: print the people and the readers' paths, as JSON."""
    import datetime

    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group, User
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone

    from accounts.api_tokens import api_token_create
    from assessments.models import Assessment
    from assessments.selectors import period_current
    from teams.models import MANAGEMENT_GROUP, Membership, Project, Team, Unit

    def session(user: User) -> str:
        store = SessionStore()
        store[SESSION_KEY], store[HASH_SESSION_KEY] = str(user.pk), user.get_session_auth_hash()
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store.create()
        return str(store.session_key)

    def some(pattern: str, values) -> list[str]:
        values = list(values)
        return [pattern.format(value) for value in rng.sample(values, min(60, len(values)))]

    # The first draft of each team that has a lead (the demo's drafts carry every answer
    # needed from the last quarter: they can be submitted).
    rng = random.Random(17)
    drafts = Assessment.objects.filter(period=period_current(), status=Assessment.Status.DRAFT)
    first = dict(drafts.order_by("-pk").values_list("project__team_id", "pk"))
    memberships = Membership.objects.filter(role=Membership.Role.LEAD, team_id__in=first)
    lead_of = {m.team_id: m.user for m in memberships.select_related("user").order_by("-pk")}
    people = {"leads": [[lead_of[team].username, session(lead_of[team]), first[team]]
                        for team in sorted(lead_of)[:leads]], "readers": []}  # fmt: skip
    users = [User(username=f"deadline-reader-{n:03}", password=make_password(None))
             for n in range(readers)]  # fmt: skip
    Group.objects.get(name=MANAGEMENT_GROUP).user_set.add(*User.objects.bulk_create(users))
    expires = timezone.localdate() + datetime.timedelta(days=2)
    for user in users:
        _, token = api_token_create(kind="personal", name="deadline day", expires_on=expires,
                                    actor=user, user=user)  # fmt: skip
        people["readers"].append([user.username, session(user), token])
    results = Assessment.objects.filter(period__closed_at__isnull=False, status="submitted")
    people["paths"] = {
        **FIXED_PATHS,
        "unit_dashboard": some("/org/?unit={}", Unit.objects.values_list("slug", flat=True)),
        "team": some("/teams/{}/", Team.objects.values_list("slug", flat=True)),
        "project": some("/projects/{}/", Project.objects.filter(archived_at__isnull=True)
                        .values_list("slug", flat=True)),
        "result": some("/assessments/{}/", results.values_list("pk", flat=True)),
    }  # fmt: skip
    print(json.dumps(people))


@contextmanager
def database_copy(base_url: str) -> Iterator[str]:
    """The copy's URL, dropped afterwards. It is made from the 1,000-project database (no
    suffix) once that is seeded and nobody is connected to it, as a template must be."""
    import psycopg

    template = databases.database_name(base_url)
    server_url = databases.with_name(base_url, "postgres")
    with psycopg.connect(server_url, autocommit=True) as server:
        server.execute(f'DROP DATABASE IF EXISTS "{COPY}" WITH (FORCE)')
        # FILE_COPY copies the files: faster than WAL-logging every block (PostgreSQL 15+).
        strategy = " STRATEGY FILE_COPY" if server.info.server_version >= 150000 else ""
        for _ in range(360):  # 30 minutes
            try:  # not created yet (OperationalError) or in use (ObjectInUse, a subclass)
                if databases._is_seeded(base_url, databases.ORGANISATIONS["1k"]):
                    server.execute(f'CREATE DATABASE "{COPY}" TEMPLATE "{template}"{strategy}')
                    break
            except psycopg.OperationalError:
                pass
            print(f"waiting until {template} is seeded and unused", flush=True)
            time.sleep(5)
        else:
            raise SystemExit(f"{template} is not seeded, or still in use: see docs/bench.md")
    try:
        yield databases.with_name(base_url, COPY)
    finally:
        with psycopg.connect(server_url, autocommit=True) as server:
            server.execute(f'DROP DATABASE IF EXISTS "{COPY}" WITH (FORCE)')


def read_back(url: str, recorder: Recorder) -> tuple[dict, dict]:
    """(version, value) by (assessment, practice key), and statuses, of what was touched."""
    import psycopg

    ids = sorted({pk for pk, _ in recorder.saves} | recorder.submits)
    answers = """SELECT a.assessment_id, p.key, a.version, a.value FROM assessments_answer a
        JOIN assessments_practice p ON p.id = a.practice_id WHERE a.assessment_id = ANY(%s)"""
    with psycopg.connect(url) as database:
        stored = {(pk, key): (v, value) for pk, key, v, value in database.execute(answers, [ids])}
        statuses = "SELECT id, status FROM assessments_assessment WHERE id = ANY(%s)"
        return stored, dict(database.execute(statuses, [ids]).fetchall())


def simulate(people: dict, seconds: int) -> tuple[Recorder, dict]:
    """Everyone at once for `seconds`."""
    recorder, rng = Recorder(), random.Random(1)
    client_cpu, begin = time.process_time(), time.monotonic()
    end = begin + seconds
    crowd: list[Person] = [
        Lead(pk, begin + rng.uniform(0.25, 0.9) * seconds, session, recorder, end, name)
        for name, session, pk in people["leads"]
    ]
    crowd += [Reader(people["paths"], token, session, recorder, end, name)
              for name, session, token in people["readers"]]  # fmt: skip
    for person in crowd:
        person.start()
    for person in crowd:
        person.join(timeout=max(1.0, end + 40 - time.monotonic()))
    return recorder, {
        "elapsed_s": round(time.monotonic() - begin, 1),
        "client_cpu_s": round(time.process_time() - client_cpu, 1),
        "load_average": [round(load, 1) for load in os.getloadavg()],
    }


def run(*, base_url: str, users: int, leads: int, seconds: int, workers: int, threads: int):
    """The whole benchmark; returns its figures (what var/deadline_day.json holds)."""
    import redis

    cache, log = redis.Redis.from_url(CACHE_URL), ROOT / "var" / "deadline_day_server.log"
    prepare = f"import benchmarks.deadline_day as d; d.prepare_people({leads}, {users - leads})"
    with database_copy(base_url) as url:
        env = {**os.environ, "DATABASE_URL": url, "CACHE_URL": CACHE_URL, "DEBUG": "0",
               "DJANGO_SETTINGS_MODULE": "mlops_portal.settings", "STATIC_MANIFEST": "0",
               "LOG_LEVEL": "WARNING", "GUNICORN_CMD_ARGS": "--graceful-timeout 10"}  # fmt: skip
        env.pop("CELERY_BROKER_URL", None)  # as load_autosave: no worker, tasks run in-process
        manage("migrate", "--no-input", "-v", "0", env=env)  # the code may have new tables
        people = json.loads(manage("shell", "-v", "0", "-c", prepare, env=env).splitlines()[-1])
        cache.flushdb()
        server = start_gunicorn(env, port=PORT, workers=workers, threads=threads, log_path=log)
        try:
            if not wait_for(60, base=f"http://127.0.0.1:{PORT}"):
                raise SystemExit(f"gunicorn did not start: see {log}")
            recorder, machine = simulate(people, seconds)
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)  # requests still queued get 10 s, then are cut
            cache.flushdb()
        stored, statuses = read_back(url, recorder)
    by_kind = {kind: [ms for values in recorder.samples.get(kind, {}).values() for ms in values]
               for kind in KINDS}  # fmt: skip
    pages = {"floor": by_kind["floor"], **recorder.samples.get("pages", {})}
    lost = lost_answers(recorder.saves, stored)
    lost_submits = sorted(pk for pk in recorder.submits if statuses.get(pk) != "submitted")
    result = {
        "users": len(people["leads"]) + len(people["readers"]), "leads": len(people["leads"]),
        "seconds": seconds, "workers": workers, "threads": threads, **machine,
        "kinds": kind_figures(by_kind, seconds), "pages": kind_figures(pages, seconds),
        "server_errors": recorder.server_errors.total(), "server_errors_by": recorder.server_errors,
        "connection_errors": recorder.connection_errors.total(),
        "connection_errors_by": recorder.connection_errors,
        "unexpected_statuses": recorder.unexpected, "server_log": str(log.relative_to(ROOT)),
        "server_log_tracebacks": log.read_text(errors="replace").count("Traceback (most recent"),
        "acknowledged_answers": len(recorder.saves), "lost_answers": len(lost),
        "lost_answer_keys": [f"{pk}/{key}" for pk, key in lost[:20]],
        "acknowledged_submits": len(recorder.submits),
        "unacknowledged_submits": len(by_kind["submit"]) - len(recorder.submits),
        "lost_submits": len(lost_submits), "lost_submit_ids": lost_submits[:20],
    }  # fmt: skip
    return result | {"failures": failures(result)}


def table(result: dict, *, pages: bool = True) -> list[str]:
    """The figures as printed; `make bench` leaves out the pages one by one."""
    rows = [(kind, result["kinds"][kind]) for kind in KINDS]
    if pages:
        rows[2:2] = [(f"  {name}", row) for name, row in result["pages"].items() if name != "floor"]
    head = ("requests", "p50 ms", "p95 ms", "req/s", "p50 x", "p95 x", "req/s x")
    keys = ("requests", "p50_ms", "p95_ms", "per_second", "p50_x", "p95_x", "rate_x")
    r = result
    return [
        f"Deadline day: {r['users']} people ({r['leads']} leads) for {r['seconds']} s, gunicorn "
        f"{r['workers']} workers x {r['threads']} threads, PostgreSQL, Redis cache",
        f"{'':18}" + "".join(f"{title:>9}" for title in head),
        *(f"{label:18}" + "".join(f"{'-' if row[k] is None else row[k]:>9}" for k in keys)
          for label, row in rows),
        f"server errors (5xx) {r['server_errors']}, connection errors {r['connection_errors']}, "
        f"other unexpected statuses {dict(r['unexpected_statuses']) or 'none'}; tracebacks in "
        f"{r['server_log']}: {r['server_log_tracebacks']}",
        f"acknowledged answers {r['acknowledged_answers']} (lost {r['lost_answers']}); "
        f"acknowledged submissions {r['acknowledged_submits']} (lost {r['lost_submits']}; "
        f"not acknowledged {r['unacknowledged_submits']})",
        f"client CPU {r['client_cpu_s']} s in {r['elapsed_s']} s "
        f"({r['client_cpu_s'] / r['elapsed_s']:.0%} of a core); load average {r['load_average']}",
        f"deadline day: {'; '.join(r['failures']) or 'no server error, nothing lost'}",
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for option, default in (("users", 200), ("leads", 50), ("seconds", 120), ("workers", 3),
                            ("threads", 4)):  # fmt: skip
        parser.add_argument(f"--{option}", type=int, default=default)
    base_url = os.environ.get("DATABASE_URL") or databases.DEFAULT_DATABASE_URL
    if not base_url.startswith(("postgres://", "postgresql://")):
        sys.exit(f"deadline day needs PostgreSQL; DATABASE_URL is {base_url}")
    result = run(base_url=base_url, **vars(parser.parse_args()))
    print("\n".join(table(result)))
    (ROOT / "var" / "deadline_day.json").write_text(json.dumps(result, indent=2) + "\n")
    print("written to var/deadline_day.json")
    sys.exit(1 if result["failures"] else 0)


if __name__ == "__main__":
    main()
