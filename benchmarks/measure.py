"""What every part of `make bench` times with: requests in this process through Django's
test client (the whole middleware stack and the view, no network), the default database
connection routed to one organisation's database at a time, and medians of samples."""

import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

FLOOR = "/accounts/password_change/"


@dataclass
class Timing:
    samples: list[float] = field(default_factory=list)

    @property
    def p50(self) -> float:
        return statistics.median(self.samples)

    @property
    def p95(self) -> float:
        if len(self.samples) < 2:
            return self.samples[0]
        return statistics.quantiles(self.samples, n=20)[-1]


def timed(request: Callable[[], object]) -> float:
    """Milliseconds a request took; it must answer 200."""
    started = time.perf_counter()
    response = request()
    elapsed = (time.perf_counter() - started) * 1000
    status = getattr(response, "status_code", None)
    if status != 200:
        raise AssertionError(f"{getattr(response, 'request', {}).get('PATH_INFO')}: {status}")
    return elapsed


@contextmanager
def database(alias: str) -> Iterator[None]:
    """Route the default connection, and so every view, to another database, and keep what
    its pages cache under keys of its own: the organisations share one cache (and its
    dashboards' generation), and a page of one must never be served from the other's."""
    from django.core.cache import caches
    from django.db import connections

    original, prefix = connections["default"], caches["default"].key_prefix
    connections["default"] = connections[alias]
    caches["default"].key_prefix = f"{prefix}bench-{alias}:"
    try:
        yield
    finally:
        connections["default"] = original
        caches["default"].key_prefix = prefix


def logged_in_client(alias: str, username: str):
    from django.contrib.auth.models import User
    from django.test import Client

    client = Client()
    with database(alias):
        client.force_login(User.objects.get(username=username))
    return client


def queries_of(alias: str, request: Callable[[], object], *, cold: bool) -> int:
    """How many queries a request runs: with the cache cleared first, or after the same
    request has filled it. The fewer of two such requests, so that a write made once a
    minute (an API token's last use) is not counted as the page's."""
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    with database(alias):
        for _ in range(2):
            if cold:
                cache.clear()
            else:
                request()
            with CaptureQueriesContext(connection) as captured:
                timed(request)
            # Counted before the default connection is routed back.
            counts.append(len(captured))
    return min(counts)


def cold(request: Callable[[], object]) -> float:
    """A request with every cache cleared just before it."""
    from django.core.cache import cache

    cache.clear()
    return timed(request)
