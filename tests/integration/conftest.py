"""A real Celery worker against Redis and a real SMTP server on loopback.

The broker is CELERY_BROKER_URL (CI sets redis://127.0.0.1:6379/<n>); without it these
tests skip, or fail under REQUIRE_SERVICES=1. They also need PostgreSQL: the worker's
threads and processes share the test database, which SQLite's in-memory one cannot do.
"""

import asyncio
import email
import email.policy
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import Message

import pytest
from aiosmtpd.controller import Controller
from celery.contrib.testing.worker import start_worker
from celery.worker import state as worker_state
from django.conf import settings
from django.db import connection

from mlops_portal.celery import app
from tests.conftest import require_service

WAIT_SECONDS = 60


@pytest.fixture
def services(transactional_db):
    if not settings.CELERY_BROKER_URL.startswith("redis://"):
        require_service("Redis: set CELERY_BROKER_URL=redis://127.0.0.1:6379/<n>")
    if connection.vendor != "postgresql":
        require_service("PostgreSQL: set DATABASE_URL=postgres://…")
    with app.connection_for_write() as conn:
        # Messages left by other runs (or by unit tests that queued on commit) must not
        # reach this test's worker.
        conn.default_channel.queue_purge(app.conf.task_default_queue)


def wait_for(condition: Callable[[], object], *, timeout: float = WAIT_SECONDS, what: str = ""):
    """Poll until `condition()` is truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.05)
    pytest.fail(f"timed out after {timeout} s waiting for {what or condition}")


# --- SMTP -------------------------------------------------------------------------------------


@dataclass
class Inbox:
    """What the loopback SMTP server received; it can refuse the next DATA commands."""

    messages: list[Message] = field(default_factory=list)
    refuse_next: int = 0
    delay: float = 0.0
    refused: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        with self.lock:
            if self.refuse_next:
                self.refuse_next -= 1
                self.refused += 1
                return "421 4.3.2 Service busy, try again later"
            self.messages.append(
                email.message_from_bytes(envelope.content, policy=email.policy.default)
            )
        return "250 2.0.0 OK"

    def keys(self) -> list[str]:
        with self.lock:
            return [message["X-Portal-Email-Key"] for message in self.messages]

    def text(self, message: Message) -> str:
        return message.get_body(preferencelist=("plain",)).get_content()

    def to(self, address: str) -> list[Message]:
        with self.lock:
            return [message for message in self.messages if message["To"] == address]


@pytest.fixture
def smtp(settings) -> Iterator[Inbox]:
    inbox = Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 10},
        }
    }
    settings.SITE_URL = "https://portal.example.com"
    try:
        yield inbox
    finally:
        controller.stop()


# --- The worker -------------------------------------------------------------------------------


@pytest.fixture
def worker(services, smtp, settings):
    """Celery's embedded test worker: four threads, so duplicate tasks really overlap."""
    settings.EMAIL_RETRY_BACKOFF = 1
    with start_worker(
        app, pool="threads", concurrency=4, perform_ping_check=False, shutdown_timeout=30
    ) as started:
        yield started
        wait_idle()


def wait_idle(quiet: float = 1.0) -> None:
    """Wait until the embedded worker has had nothing to do for `quiet` seconds: a task
    that queues more tasks leaves the worker idle for a moment before they arrive."""
    deadline = time.monotonic() + WAIT_SECONDS
    idle_since = None
    while time.monotonic() < deadline:
        if worker_state.active_requests or worker_state.reserved_requests:
            idle_since = None
        elif idle_since is None:
            idle_since = time.monotonic()
        elif time.monotonic() - idle_since >= quiet:
            return
        time.sleep(0.05)
    pytest.fail("timed out waiting for the worker to finish its tasks")
