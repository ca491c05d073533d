"""The dashboards' cache generation: every service that writes what a dashboard shows calls
`dashboards_changed()`, and every cached aggregate is keyed by `dashboards_generation()`.

The generation is bumped twice: at once, so the writer's next read in this process is
fresh, and again when the transaction commits, so a reader in another process that cached
the old data between the two bumps cannot keep it. Entries of an old generation are never
read again and expire on their own.
"""

import uuid
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.db import transaction

GENERATION_KEY = "dashboards:generation"
# A safety net only: writes invalidate explicitly, so entries rarely live this long.
CACHE_SECONDS = 3600


def dashboards_generation() -> str:
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        cache.add(GENERATION_KEY, uuid.uuid4().hex, timeout=None)
        generation = cache.get(GENERATION_KEY)
    return str(generation)


def dashboards_changed() -> None:
    _bump()
    transaction.on_commit(_bump)


def _bump() -> None:
    cache.set(GENERATION_KEY, uuid.uuid4().hex, timeout=None)


def cached(name: str, compute: Callable[[], Any], *, generation: str) -> Any:
    """`compute()`'s value, computed once per generation."""
    return cache.get_or_set(f"dashboard:{name}:{generation}", compute, CACHE_SECONDS)
