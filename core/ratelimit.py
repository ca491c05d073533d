"""Counting requests per key in fixed windows, in the cache every process shares.

`allow("password-reset:client:192.0.2.1", limit=20, window=3600)` counts one request and
says whether it is within the limit for the current window (whole hours for 3600: the
count starts again at the top of the hour). The count is exact under concurrency: Redis,
Memcached and the local-memory cache add and increment atomically; the file cache (the
default, shared by the processes of one machine) does neither, so there each count is read
and written under an exclusive lock on a file beside the cache's files.
"""

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.filebased import FileBasedCache
from django.core.files import locks

__all__ = ["allow"]

LOCK_FILE = "ratelimit.lock"  # not a *.djcache file, so clear() and culling leave it


def allow(key: str, *, limit: int, window: int) -> bool:
    """Count one request under `key`: True while at most `limit` were counted in the
    current window of `window` seconds, False from the first one over it."""
    slot = int(time.time() // window)
    return _increment(f"ratelimit:{key}:{window}:{slot}", timeout=window) <= limit


def _increment(key: str, *, timeout: int) -> int:
    """Add one to the counter under `key`, created for `timeout` seconds; the new count."""
    cache = caches["default"]
    if isinstance(cache, FileBasedCache):
        # Its add() and incr() read, then write: two processes could both count 1. Its
        # incr() also resets the entry's timeout to the default, so set() is used instead.
        with _exclusive(Path(cache._dir) / LOCK_FILE):  # type: ignore[attr-defined]
            count = int(cache.get(key, 0)) + 1
            cache.set(key, count, timeout)
            return count
    return _atomic_increment(cache, key, timeout=timeout)


def _atomic_increment(cache: BaseCache, key: str, *, timeout: int) -> int:
    cache.add(key, 0, timeout)
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add() and incr()
        cache.add(key, 0, timeout)
        return int(cache.incr(key))


@contextmanager
def _exclusive(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("ab") as file:
        locks.lock(file, locks.LOCK_EX)
        try:
            yield
        finally:
            locks.unlock(file)
