"""Where one page's time goes, cold (every cache cleared first), in one of the bench's
databases: its queries by time with EXPLAIN ANALYZE for the slowest, and the Python
functions that took the most time.

    python -m benchmarks.profile_page /org/ [--size 10k] [--reader manager] [--explain 3]

`--size`: 1k (DATABASE_URL's database), 10k (its `_large`) or 100 (its `_small`), seeded
by `make bench`. `--reader`: manager, lead or api (a manager's token). DEBUG off.
"""

import argparse
import cProfile
import io
import os
import pstats
import sys
import time

from benchmarks import databases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path")
    parser.add_argument("--size", default="10k", choices=sorted(databases.ORGANISATIONS))
    parser.add_argument("--reader", default="manager", choices=["manager", "lead", "api"])
    parser.add_argument("--explain", type=int, default=3, help="EXPLAIN ANALYZE the slowest N")
    parser.add_argument("--functions", type=int, default=25)
    options = parser.parse_args()
    base = os.environ.get("DATABASE_URL") or databases.DEFAULT_DATABASE_URL
    url = databases.database_url(base, databases.ORGANISATIONS[options.size])
    # Plain static storage: nothing is collected, and URLs cost the same either way.
    os.environ.update(DATABASE_URL=url, DEBUG="0", STATIC_MANIFEST="0", LOG_LEVEL="WARNING")
    os.environ.setdefault("CACHE_URL", databases.BENCH_CACHE_URL)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mlops_portal.settings")
    sys.path.insert(0, str(databases.BASE_DIR))
    import django

    django.setup()
    from django.conf import settings

    settings.API_RATE_LIMIT_PER_MINUTE = 10**9
    print(profile(options.path, options.reader, explain=options.explain, top=options.functions))


def _get(reader: str):
    from django.contrib.auth.models import User
    from django.test import Client

    from benchmarks.dashboard import _api_reader

    if reader == "api":
        return _api_reader("default")
    client = Client()
    client.force_login(User.objects.get(username=reader))
    return client.get


def profile(path: str, reader: str, *, explain: int, top: int) -> str:
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    get = _get(reader)
    get(path)  # imports, templates, the framework's scoring shapes: warm the process
    cache.clear()
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as captured:
        response = get(path)
    total = (time.perf_counter() - started) * 1000
    queries = sorted(captured.captured_queries, key=lambda q: -float(q["time"]))
    sql_ms = sum(float(q["time"]) for q in queries) * 1000
    lines = [
        f"{path} as {reader}, cold: {response.status_code}, {total:.1f} ms, "
        f"{len(queries)} queries, {sql_ms:.1f} ms in SQL (as the client measured them)",
        "",
        "queries by time:",
    ]
    lines += [f"{float(q['time']) * 1000:8.1f} ms  {q['sql'][:220]}" for q in queries]
    for query in queries[:explain]:
        if not query["sql"].lstrip().upper().startswith("SELECT"):
            continue
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
            plan = "\n".join(f"    {_short(row[0])}" for row in cursor.fetchall())
        lines += ["", f"EXPLAIN ANALYZE of the {float(query['time']) * 1000:.1f} ms query:", plan]
    cache.clear()
    profiler = cProfile.Profile()
    profiler.enable()
    get(path)
    profiler.disable()
    own, everything = io.StringIO(), io.StringIO()
    # The portal's own functions by cumulative time, then everything by time spent inside.
    own_code = f"{databases.BASE_DIR}/(?!\\.venv)"
    pstats.Stats(profiler, stream=own).sort_stats("cumulative").print_stats(own_code, top)
    pstats.Stats(profiler, stream=everything).sort_stats("tottime").print_stats(top)
    lines += [
        "",
        "Python, cold (profiled, so slower): the portal's functions by cumulative time",
        own.getvalue(),
        "and every function by its own time",
        everything.getvalue(),
    ]
    return "\n".join(lines)


def _short(line: str, limit: int = 240) -> str:
    return line if len(line) <= limit else line[:limit] + " ..."


if __name__ == "__main__":
    main()
