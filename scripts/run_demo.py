"""`make run`'s processes: the web server, a Celery worker and Celery beat, started together
and stopped together, as in production but on one machine with no other service.

Usage (after migrate, load_framework and seed_demo; `make run` does all of it):

    .venv/bin/python scripts/run_demo.py [--port 8000]

Every process gets this process's environment; without CELERY_BROKER_URL the broker is
`filesystem://`, message files under var/broker/ (CELERY_BROKER_FOLDER). On start one
tick is queued, so what is due today (period e-mails, reports to rescue) goes out at once
instead of at beat's next hourly tick; e-mails are claimed under unique keys, so a tick
never sends one twice.

Ctrl-C, SIGTERM or SIGHUP (to this process, to `make run`, or to their process group)
stops every process started here: the worker gets a warm shutdown (it finishes the task
it is running) for up to GRACE_SECONDS, then whatever is left of each process group is
killed. Ctrl-C pressed twice kills at once. If one process exits by itself (say the port is
taken), the others are stopped too.

Each child runs in its own process group, so stopping it also stops its own children:
runserver's autoreloaded server, the worker's pool processes.
"""

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parent.parent
GRACE_SECONDS = 10.0
PROCESSED_KEPT_SECONDS = 24 * 3600
DEFAULT_BROKER_URL = "filesystem://"
# Two pool processes: a report renders while e-mails still go out. No mingle or gossip:
# there is one worker, and they only slow its start.
WORKER_OPTIONS = ["--loglevel=INFO", "--concurrency=2", "--without-mingle", "--without-gossip"]


@dataclass
class Child:
    name: str
    argv: list[str]
    # A one-shot command (the start tick) may exit; a service exiting stops everything.
    one_shot: bool = False
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


def children(port: int) -> list[Child]:
    python = sys.executable
    celery = [python, "-m", "celery", "-A", "mlops_portal"]
    return [
        Child("worker", [*celery, "worker", *WORKER_OPTIONS]),
        Child("beat", [*celery, "beat", "--loglevel=INFO"]),
        Child("tick", [*celery, "call", "scheduler.tasks.tick"], one_shot=True),
        Child("web", [python, "manage.py", "runserver", f"127.0.0.1:{port}"]),
    ]


class Supervisor:
    def __init__(self, procs: list[Child], env: dict[str, str]) -> None:
        self.procs = procs
        self.env = env
        self.stop_requested: str | None = None
        self.stop_requested_at = 0.0
        self.width = max(len(child.name) for child in procs)
        self.output_lock = threading.RLock()  # say() may run in a signal handler

    # --- Starting -----------------------------------------------------------------------------

    def start(self) -> None:
        for child in self.procs:
            child.process = subprocess.Popen(
                child.argv,
                cwd=ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                process_group=0,  # its own group: stopping it reaches its children too
            )
            threading.Thread(
                target=self._relay, args=(child.name, child.process.stdout), daemon=True
            ).start()
            self.say(f"started {child.name} (pid {child.process.pid}): {' '.join(child.argv)}")

    def _relay(self, name: str, stream: IO[bytes] | None) -> None:
        """Copy a child's output to ours, each line prefixed with the child's name."""
        if stream is None:
            return
        prefix = f"{name:<{self.width}} | ".encode()
        for line in iter(stream.readline, b""):
            with self.output_lock:
                try:
                    sys.stdout.buffer.write(prefix + line)
                    sys.stdout.buffer.flush()
                except OSError:
                    pass  # our output is gone (a closed pipe): keep draining the child's

    def say(self, message: str) -> None:
        with self.output_lock:
            print(f"{'run':<{self.width}} | {message}", flush=True)

    # --- Watching -----------------------------------------------------------------------------

    def on_signal(self, signum: int, _frame: object) -> None:
        if self.stop_requested is None:
            self.stop_requested = signal.Signals(signum).name
            self.stop_requested_at = time.monotonic()
        elif signum == signal.SIGINT and time.monotonic() - self.stop_requested_at > 0.5:
            # Ctrl-C pressed again: do not wait for the worker's task. (A group's SIGTERM
            # arrives twice, from the sender and from make, and does not count.)
            self.say("killing every process now")
            self._kill_groups(signal.SIGKILL)

    def watch(self) -> int:
        """Wait for a stop signal, the loss of our parent, or a service exiting."""
        parent = os.getppid()
        while self.stop_requested is None:
            for child in self.procs:
                code = child.process.poll() if child.process else None
                if code is None:
                    continue
                if child.one_shot:
                    if code != 0:
                        self.say(f"{child.name} exited with code {code}")
                    child.process = None  # reaped; nothing of it is left to stop
                    continue
                self.say(f"{child.name} exited with code {code}; stopping the others")
                self.stop()
                return code or 1
            if os.getppid() != parent:
                self.stop_requested = "the loss of the parent process"
                break
            time.sleep(0.2)
        self.say(
            f"stopping on {self.stop_requested}; the worker may finish its task for up to "
            f"{GRACE_SECONDS:.0f} s (Ctrl-C again stops it at once)"
        )
        self.stop()
        return 0

    # --- Stopping -----------------------------------------------------------------------------

    def stop(self) -> None:
        for child in self.procs:
            if not child.running() or child.process is None:
                continue
            with contextlib.suppress(ProcessLookupError):
                if child.name == "worker":
                    # Warm shutdown: the worker finishes the task it runs, then stops its pool.
                    os.kill(child.process.pid, signal.SIGTERM)
                else:
                    os.killpg(child.process.pid, signal.SIGTERM)
        deadline = time.monotonic() + GRACE_SECONDS
        while any(child.running() for child in self.procs) and time.monotonic() < deadline:
            time.sleep(0.1)
        late = [child.name for child in self.procs if child.running()]
        if late:
            self.say(f"killing {', '.join(late)}: still running after {GRACE_SECONDS:.0f} s")
        # Whatever is left in each group (a pool process, the autoreloaded server) goes too.
        self._kill_groups(signal.SIGKILL)
        for child in self.procs:
            if child.process is not None:
                child.process.wait()
        self.say("stopped: web server, worker and beat")

    def _kill_groups(self, signum: signal.Signals) -> None:
        for child in self.procs:
            if child.process is None:
                continue
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(child.process.pid, signum)


def prune_processed(env: dict[str, str]) -> None:
    """The broker keeps each message it delivered in processed/; drop those past a day."""
    if not env["CELERY_BROKER_URL"].startswith("filesystem:"):
        return
    folder = Path(env.get("CELERY_BROKER_FOLDER") or ROOT / "var" / "broker") / "processed"
    cutoff = time.time() - PROCESSED_KEPT_SECONDS
    for message in folder.glob("*.msg"):
        with contextlib.suppress(OSError):
            if message.stat().st_mtime < cutoff:
                message.unlink()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8000)))
    args = parser.parse_args()

    env = dict(os.environ)
    broker = env.get("CELERY_BROKER_URL") or DEFAULT_BROKER_URL
    if broker.rstrip("/") == "filesystem:":
        # The same broker; naming a host spares kombu's warning, in every process, that
        # none was given. (Celery reads CELERY_BROKER_URL from the environment first.)
        broker = "filesystem://localhost/"
    env["CELERY_BROKER_URL"] = broker
    env["PYTHONUNBUFFERED"] = "1"
    supervisor = Supervisor(children(args.port), env)
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, supervisor.on_signal)
    supervisor.say(f"Celery broker: {env['CELERY_BROKER_URL']}")
    prune_processed(env)
    supervisor.start()
    return supervisor.watch()


if __name__ == "__main__":
    sys.exit(main())
