"""`make run`'s embedded default: the web server, a real Celery worker and beat on the
filesystem broker, started and stopped by scripts/run_demo.py.

Everything runs in other processes on files of its own (a seeded SQLite database, the
broker folder, media, cache, beat's schedule, an SMTP server on loopback), never on the
test database, so the test is the same in SQLite and PostgreSQL runs. The seeded database
is built once a day (and whenever migrations, the framework or the demo change) under
var/test-cache/.
"""

import email
import email.policy
import hashlib
import http.cookiejar
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings
from django.utils import timezone

pytestmark = pytest.mark.services

ROOT = Path(settings.BASE_DIR)
FRAMEWORK = "assessments/frameworks/mlops-v1.yaml"
SEED = ["--teams", "1", "--projects-per-team", "2", "--quarters", "1"]
# Variables of the test run that must not reach the demo's processes.
DROPPED = ("DATABASE_URL", "CACHE_URL", "EMAIL_URL", "MEDIA_ROOT", "SITE_URL", "REQUIRE_SERVICES")


# --- The demo's files and processes -----------------------------------------------------------


def _seeded_database(target: Path) -> None:
    """Copy a migrated, seeded demo database to `target`, building it first if needed."""
    sources = sorted(ROOT.glob("*/migrations/0*.py")) + sorted((ROOT / "demo").rglob("*.py"))
    digest = hashlib.sha256(str(timezone.localdate()).encode())
    for path in [ROOT / FRAMEWORK, *sources]:
        digest.update(path.read_bytes())
    cached = ROOT / "var" / "test-cache" / f"embedded-demo-{digest.hexdigest()[:16]}.sqlite3"
    if not cached.exists():
        cached.parent.mkdir(parents=True, exist_ok=True)
        for stale in cached.parent.glob("embedded-demo-*.sqlite3"):
            stale.unlink()
        building = target.with_name("building.sqlite3")
        script = (
            "import django; django.setup()\n"
            "from django.core.management import call_command as run\n"
            "run('migrate', verbosity=0)\n"
            f"run('load_framework', {FRAMEWORK!r})\n"
            f"run('seed_demo', *{SEED!r})\n"
        )
        env = _clean_env(DATABASE_URL=f"sqlite:///{building}")
        result = subprocess.run(
            [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stdout + result.stderr
        # One self-contained file (nothing left in a WAL file), swapped in whole.
        connection = sqlite3.connect(building)
        try:
            connection.execute("VACUUM INTO ?", (f"{cached}.tmp",))
        finally:
            connection.close()
        os.replace(f"{cached}.tmp", cached)
    shutil.copyfile(cached, target)


def _clean_env(**extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in DROPPED and not key.startswith(("CELERY_", "DJANGO_"))
    }
    env["DJANGO_SETTINGS_MODULE"] = "mlops_portal.settings"
    return {**env, **extra}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _processes_with(marker: str) -> list[int]:
    """Every process whose environment carries `marker`: all that run_demo.py started
    (Linux; elsewhere none are found and the test checks only that run_demo.py exits)."""
    found: list[int] = []
    proc = Path("/proc")
    for entry in proc.iterdir() if proc.is_dir() else []:
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        if marker.encode() in environ.split(b"\0"):
            found.append(int(entry.name))
    return found


@dataclass
class Inbox:
    messages: list[Message] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope) -> str:
        with self.lock:
            self.messages.append(
                email.message_from_bytes(envelope.content, policy=email.policy.default)
            )
        return "250 2.0.0 OK"

    def keys(self) -> list[str]:
        with self.lock:
            return [message["X-Portal-Email-Key"] for message in self.messages]


@dataclass
class Demo:
    url: str
    process: subprocess.Popen[bytes]
    log: Path
    marker: str
    inbox: Inbox

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-6000:]


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Demo]:
    _seeded_database(tmp_path / "db.sqlite3")
    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    smtp.start()
    port = _free_port()
    marker = f"RUN_DEMO_TEST={uuid.uuid4()}"
    env = _clean_env(
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        CELERY_BROKER_URL="filesystem://",
        CELERY_BROKER_FOLDER=str(tmp_path / "broker"),
        CELERY_BEAT_SCHEDULE_FILENAME=str(tmp_path / "celerybeat-schedule"),
        CACHE_URL=f"filecache://{tmp_path / 'cache'}",
        MEDIA_ROOT=str(tmp_path / "media"),
        EMAIL_URL=f"smtp://127.0.0.1:{smtp.port}",
        SITE_URL=f"http://127.0.0.1:{port}",
        DEBUG="1",
    )
    env[marker.split("=")[0]] = marker.split("=")[1]
    log = tmp_path / "run.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "scripts/run_demo.py", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    running = Demo(f"http://127.0.0.1:{port}", process, log, marker, inbox)
    try:
        yield running
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        for pid in _processes_with(marker):
            os.kill(pid, signal.SIGKILL)
        smtp.stop()


# --- A browser of sorts -----------------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Client:
    def __init__(self, base: str) -> None:
        self.base = base
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirect()
        )

    def request(
        self, path: str, data: dict[str, str] | None = None, *, htmx: bool = False
    ) -> tuple[int, dict[str, str], bytes, float]:
        csrf = next((c.value for c in self.cookies if c.name == "csrftoken"), "")
        body = None
        if data is not None:
            body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": csrf}).encode()
        headers = {"Referer": self.base + path, **({"HX-Request": "true"} if htmx else {})}
        request = urllib.request.Request(self.base + path, data=body, headers=headers)
        started = time.perf_counter()
        try:
            with self.opener.open(request, timeout=30) as response:
                status, head, content = response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            status, head, content = error.code, dict(error.headers), error.read()
        return status, head, content, time.perf_counter() - started


def _wait_for(condition: Callable[[], object], timeout: float, what: str, demo: Demo):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if demo.process.poll() is not None:
            pytest.fail(f"run_demo.py exited ({demo.process.returncode}):\n{demo.output()}")
        if result := condition():
            return result
        time.sleep(0.2)
    pytest.fail(f"timed out after {timeout} s waiting for {what}:\n{demo.output()}")


def _serving(client: Client) -> bool:
    try:
        return client.request("/accounts/login/")[0] == 200
    except OSError:
        return False


# --- The test ---------------------------------------------------------------------------------


def test_make_run_generates_a_report_in_the_background_and_stops_every_process(demo):
    client = Client(demo.url)
    _wait_for(lambda: _serving(client), 60, "the web server", demo)
    status, head, _, _ = client.request(
        "/accounts/login/", {"username": "manager", "password": "demo"}
    )
    assert status == 302, f"log-in failed: {status}"
    _, _, page, _ = client.request("/reports/")
    select = re.search(rb'<select name="period".*?</select>', page, re.S)
    assert select, page[-2000:]
    period = re.search(rb'<option value="(\d+)"', select.group(0))
    assert period

    # The request only queues the report; the worker generates it.
    status, head, _, post_seconds = client.request(
        "/reports/generate/", {"period": period.group(1).decode(), "team": ""}
    )
    assert status == 302
    report_url = urllib.parse.urlsplit(head["Location"]).path
    assert post_seconds < 1.5, f"the POST took {post_seconds:.2f} s"

    # The page polls its progress while the report is generated, and stays responsive.
    seen: list[tuple[float, str, int]] = []
    slowest = 0.0
    started = time.monotonic()

    def finished() -> bool:
        nonlocal slowest
        try:
            status, _, body, seconds = client.request(report_url, htmx=True)
        except OSError:
            return False  # runserver reloading after someone edited a file; ask again
        assert status in (200, 286), body[-2000:]
        slowest = max(slowest, seconds)
        state = re.search(rb'class="badge status-(\w+)"', body)
        progress = re.search(rb'<progress[^>]*value="(\d+)"', body)
        assert state, body[-2000:]
        seen.append(
            (
                round(time.monotonic() - started, 2),
                state.group(1).decode(),
                int(progress.group(1)) if progress else 100,
            )
        )
        return status == 286

    _wait_for(finished, 90, "the report to finish", demo)
    states = [state for _, state, _ in seen]
    assert states[0] in ("queued", "running"), seen
    assert states[-1] == "done", f"{seen}\n{demo.output()}"
    assert any(state == "running" and 0 < progress < 100 for _, state, progress in seen), seen
    assert slowest < 2.0, f"a progress poll took {slowest:.2f} s"
    status, head, pdf, _ = client.request(f"{report_url}report.pdf")
    assert status == 200 and pdf.startswith(b"%PDF")
    print(f"POST {post_seconds * 1000:.0f} ms; report done after {seen[-1][0]} s: {seen}")

    # The tick queued on start sent the period's due e-mail, once.
    _wait_for(lambda: demo.inbox.keys(), 30, "the e-mails due today", demo)
    keys = demo.inbox.keys()
    assert len(keys) == len(set(keys)), keys

    # Stopping run_demo.py stops the web server, the worker, beat and their children.
    if Path("/proc").is_dir():
        assert len(_processes_with(demo.marker)) >= 4, demo.output()
    demo.process.send_signal(signal.SIGTERM)
    assert demo.process.wait(timeout=30) == 0, demo.output()
    deadline = time.monotonic() + 5
    while _processes_with(demo.marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _processes_with(demo.marker) == [], demo.output()
    assert "stopped: web server, worker and beat" in demo.output()
