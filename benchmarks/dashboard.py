"""`make bench`: the organisation dashboard against the framework floor, in PostgreSQL.

1. Make sure two demo organisations exist, creating and seeding each database on first use:
   the large one (200 teams x 5 projects, 12 quarters) in DATABASE_URL, by default
   postgres://postgres@127.0.0.1:5432/mlops_bench, and a small one (20 teams x 5 projects,
   12 quarters) in the same server's `<name>_small`. Growth is measured between the two.
2. Collect the static files as production serves them (hashed names, gzip and brotli
   copies) into a temporary directory.
3. In one process, with DEBUG off, time GET /org/ for both organisations and a trivial
   logged-in page (the framework floor), interleaved so that machine noise hits all alike.
   The dashboard is timed warm (its rendered fragments cached, as for every view after the
   first since the data last changed) and cold (cache cleared before each request).
4. Time the plan and initiative pages the same way, cold and warm, at both sizes
   (benchmarks/pages.py).
5. Print a table and write var/bench.json.
"""

import gzip
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from benchmarks.pages import measure_pages, pages_report

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/mlops_bench"
TEAMS_LARGE, TEAMS_SMALL, PROJECTS_PER_TEAM, PAST_QUARTERS = 200, 20, 5, 11
WARM_SAMPLES, COLD_SAMPLES, WARM_UP = 60, 9, 5
DASHBOARD, FLOOR = "/org/", "/accounts/password_change/"
TARGETS = {"ratio_to_floor": 5.0, "growth_100_to_1000": 1.3, "queries": 12, "repeat_kb": 150}


# --- Databases --------------------------------------------------------------------------------


def _with_name(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _ensure_seeded(url: str, *, teams: int) -> None:
    """Create, migrate and seed the database unless it already holds the organisation."""
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(_with_name(url, "postgres"), autocommit=True) as server:
        if not server.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            print(f"creating database {name}", flush=True)
            server.execute(f'CREATE DATABASE "{name}"')
    if _is_seeded(url, teams=teams):
        return
    print(f"seeding {name}: {teams} teams x {PROJECTS_PER_TEAM} projects, 12 quarters", flush=True)
    manage = [sys.executable, str(BASE_DIR / "manage.py")]
    environment = {**os.environ, "DATABASE_URL": url}
    for command in (
        ["migrate", "--no-input", "-v", "0"],
        ["load_framework", "assessments/frameworks/mlops-v1.yaml"],
        [
            "seed_demo",
            f"--teams={teams}",
            f"--projects-per-team={PROJECTS_PER_TEAM}",
            f"--quarters={PAST_QUARTERS}",
        ],
    ):
        subprocess.run([*manage, *command], env=environment, cwd=BASE_DIR, check=True)
    with psycopg.connect(url, autocommit=True) as database:
        database.execute("VACUUM ANALYZE")


def _is_seeded(url: str, *, teams: int) -> bool:
    import psycopg

    try:
        with psycopg.connect(url) as database:
            projects = database.execute("SELECT count(*) FROM teams_project").fetchone()[0]
            periods = database.execute("SELECT count(*) FROM assessments_period").fetchone()[0]
            plans = database.execute("SELECT count(*) FROM improvement_initiative").fetchone()[0]
    except psycopg.errors.UndefinedTable:
        return False
    return projects >= teams * PROJECTS_PER_TEAM and periods >= PAST_QUARTERS + 1 and plans > 0


# --- Measuring --------------------------------------------------------------------------------


@dataclass
class Timing:
    samples: list[float]

    @property
    def p50(self) -> float:
        return statistics.median(self.samples)

    @property
    def p95(self) -> float:
        return statistics.quantiles(self.samples, n=20)[-1]


def _timed(get: Callable[[], object]) -> float:
    started = time.perf_counter()
    response = get()
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, response.status_code
    return elapsed


@contextmanager
def _database(alias: str) -> Iterator[None]:
    """Route the default connection, and so every view, to another database."""
    from django.db import connections

    original = connections["default"]
    connections["default"] = connections[alias]
    try:
        yield
    finally:
        connections["default"] = original


def _logged_in_client(alias: str):
    from django.contrib.auth.models import User
    from django.test import Client

    client = Client()
    with _database(alias):
        client.force_login(User.objects.get(username="manager"))
    return client


def _query_count(client, alias: str, *, cold: bool) -> int:
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with _database(alias):
        if cold:
            cache.clear()
        else:
            client.get(DASHBOARD)
        with CaptureQueriesContext(connection) as queries:
            _timed(lambda: client.get(DASHBOARD))
        # Counted before the default connection is routed back.
        return len(queries)


def _measure(clients: dict[str, object]) -> dict[str, Timing]:
    """Interleave the floor and both dashboards, warm, then both dashboards cold."""
    from django.core.cache import cache

    timings = {key: Timing([]) for key in ("floor", "large", "small", "large_cold", "small_cold")}
    for _ in range(WARM_UP):
        for alias in ("large", "small"):
            with _database(alias):
                clients[alias].get(DASHBOARD)
                clients[alias].get(FLOOR)
    for _ in range(WARM_SAMPLES):
        for key, alias, path in (
            ("floor", "large", FLOOR),
            ("large", "large", DASHBOARD),
            ("small", "small", DASHBOARD),
        ):
            with _database(alias):
                timings[key].samples.append(_timed(lambda: clients[alias].get(path)))  # noqa: B023
    for _ in range(COLD_SAMPLES):
        for alias in ("large", "small"):
            with _database(alias):
                cache.clear()
                timings[f"{alias}_cold"].samples.append(
                    _timed(lambda: clients[alias].get(DASHBOARD))  # noqa: B023
                )
    return timings


# --- Bytes ------------------------------------------------------------------------------------


def _transfer_sizes(html: bytes, static_root: Path) -> dict[str, int]:
    """gzip sizes: the HTML, and each static file the page references (as WhiteNoise serves
    its precompressed copy). Hashed static files are cached immutable, so a repeat load
    transfers the HTML only."""
    from django.conf import settings

    html_gz = len(gzip.compress(html, compresslevel=6))
    assets = 0
    for url in sorted(set(re.findall(rb'(?:src|href)="([^"]+)"', html))):
        path = url.decode()
        if not path.startswith(settings.STATIC_URL):
            continue
        file = static_root / path.removeprefix(settings.STATIC_URL)
        compressed = file.with_name(file.name + ".gz")
        assets += (compressed if compressed.exists() else file).stat().st_size
    return {"html_raw": len(html), "html_gz": html_gz, "static_gz": assets}


# --- Running ----------------------------------------------------------------------------------


def _setup_django(url: str, small_url: str, static_root: Path) -> None:
    os.environ.update(DATABASE_URL=url, DEBUG="0", STATIC_MANIFEST="1", LOG_LEVEL="WARNING")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mlops_portal.settings")
    sys.path.insert(0, str(BASE_DIR))
    import django
    from django.conf import settings

    django.setup()
    settings.STATIC_ROOT = static_root
    settings.DATABASES["large"] = settings.DATABASES["default"]
    settings.DATABASES["small"] = {
        **settings.DATABASES["default"],
        "NAME": urlsplit(small_url).path.lstrip("/"),
    }
    from django.core.management import call_command

    print("collecting static files (hashed, gzip and brotli)", flush=True)
    call_command("collectstatic", interactive=False, verbosity=0)


def run() -> dict:
    url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit(f"make bench needs PostgreSQL; DATABASE_URL is {url}")
    small_url = _with_name(url, urlsplit(url).path.lstrip("/") + "_small")
    _ensure_seeded(url, teams=TEAMS_LARGE)
    _ensure_seeded(small_url, teams=TEAMS_SMALL)
    with tempfile.TemporaryDirectory(prefix="bench-static-") as static_root:
        _setup_django(url, small_url, Path(static_root))
        clients = {alias: _logged_in_client(alias) for alias in ("large", "small")}
        print("measuring", flush=True)
        timings = _measure(clients)
        queries = {
            f"{alias}_{state}": _query_count(clients[alias], alias, cold=state == "cold")
            for alias in ("small", "large")
            for state in ("cold", "warm")
        }
        with _database("large"):
            html = clients["large"].get(DASHBOARD).content
        sizes = _transfer_sizes(html, Path(static_root))
        pages = measure_pages(clients=clients, database=_database, timed=_timed, floor_path=FLOOR)
    return {**_figures(timings, queries, sizes), "pages": pages}


def _figures(timings: dict[str, Timing], queries: dict[str, int], sizes: dict) -> dict:
    from django.db import connections

    with _database("large"):
        from teams.models import Project

        projects = Project.objects.count()
        version = connections["default"].cursor().connection.info.server_version
    dashboard, floor = timings["large"], timings["floor"]
    return {
        "dashboard_p50_ms": round(dashboard.p50, 2),
        "dashboard_p95_ms": round(dashboard.p95, 2),
        "floor_p50_ms": round(floor.p50, 2),
        "ratio_to_floor": round(dashboard.p50 / floor.p50, 2),
        "queries_small": queries["small_cold"],
        "queries_large": queries["large_cold"],
        "growth_100_to_1000": round(dashboard.p50 / timings["small"].p50, 2),
        "first_load_bytes": sizes["html_gz"] + sizes["static_gz"],
        "repeat_load_bytes": sizes["html_gz"],
        "projects": projects,
        "quarters": PAST_QUARTERS + 1,
        # Beyond the keys the issue asks for: the rest of what was measured.
        "floor_p95_ms": round(floor.p95, 2),
        "dashboard_small_p50_ms": round(timings["small"].p50, 2),
        "dashboard_cold_p50_ms": round(timings["large_cold"].p50, 2),
        "dashboard_cold_p95_ms": round(timings["large_cold"].p95, 2),
        "dashboard_small_cold_p50_ms": round(timings["small_cold"].p50, 2),
        "growth_100_to_1000_cold": round(timings["large_cold"].p50 / timings["small_cold"].p50, 2),
        "queries_small_warm": queries["small_warm"],
        "queries_large_warm": queries["large_warm"],
        "html_bytes_uncompressed": sizes["html_raw"],
        "static_bytes_gzip": sizes["static_gz"],
        "postgresql": f"{version // 10000}.{version % 10000}",
        "samples": {"warm": WARM_SAMPLES, "cold": COLD_SAMPLES},
    }


def _verdict(passed: bool) -> str:
    return "meets target" if passed else "MISSES TARGET"


def report(figures: dict) -> str:
    kb = 1024
    lines = [
        f"Organisation dashboard, PostgreSQL {figures['postgresql']}, DEBUG off, "
        f"static files hashed and compressed; {figures['projects']:,} projects in "
        f"{TEAMS_LARGE} teams, {figures['quarters']} quarters (small: "
        f"{TEAMS_SMALL * PROJECTS_PER_TEAM} projects)",
        "",
        f"{'':42}{'p50 ms':>9}{'p95 ms':>9}{'queries':>9}",
        f"{'trivial logged-in page (framework floor)':42}{figures['floor_p50_ms']:>9.2f}"
        f"{figures['floor_p95_ms']:>9.2f}{'3':>9}",
        f"{'dashboard, 1,000 projects':42}{figures['dashboard_p50_ms']:>9.2f}"
        f"{figures['dashboard_p95_ms']:>9.2f}{figures['queries_large_warm']:>9}",
        f"{'dashboard, 100 projects':42}{figures['dashboard_small_p50_ms']:>9.2f}"
        f"{'':>9}{figures['queries_small_warm']:>9}",
        f"{'dashboard, 1,000 projects, cache cleared':42}{figures['dashboard_cold_p50_ms']:>9.2f}"
        f"{figures['dashboard_cold_p95_ms']:>9.2f}{figures['queries_large']:>9}",
        f"{'dashboard, 100 projects, cache cleared':42}"
        f"{figures['dashboard_small_cold_p50_ms']:>9.2f}{'':>9}{figures['queries_small']:>9}",
        "",
        f"dashboard / floor at 1,000 projects   {figures['ratio_to_floor']:.2f}x"
        f"   (target <= {TARGETS['ratio_to_floor']}x: "
        f"{_verdict(figures['ratio_to_floor'] <= TARGETS['ratio_to_floor'])})",
        f"growth from 100 to 1,000 projects     {figures['growth_100_to_1000']:.2f}x"
        f"   (target <= {TARGETS['growth_100_to_1000']}x: "
        f"{_verdict(figures['growth_100_to_1000'] <= TARGETS['growth_100_to_1000'])}); "
        f"cache cleared: {figures['growth_100_to_1000_cold']:.2f}x",
        f"queries, 100 / 1,000 projects         {figures['queries_small']} / "
        f"{figures['queries_large']} with the cache cleared, {figures['queries_small_warm']} / "
        f"{figures['queries_large_warm']} warm   (target <= {TARGETS['queries']}: "
        f"{_verdict(max(figures['queries_small'], figures['queries_large']) <= 12)})",
        f"first load                            {figures['first_load_bytes'] / kb:,.1f} KB"
        f" (HTML {figures['repeat_load_bytes'] / kb:.1f} KB + static files "
        f"{figures['static_bytes_gzip'] / kb:,.1f} KB, gzip)",
        f"repeat load                           {figures['repeat_load_bytes'] / kb:.1f} KB"
        f" (HTML only, {figures['html_bytes_uncompressed'] / kb:.1f} KB uncompressed)"
        f"   (target <= {TARGETS['repeat_kb']} KB: "
        f"{_verdict(figures['repeat_load_bytes'] <= TARGETS['repeat_kb'] * kb)})",
    ]
    lines += pages_report(figures.get("pages", {}))
    return "\n".join(lines)


def main() -> None:
    figures = run()
    print()
    print(report(figures))
    output = BASE_DIR / "var" / "bench.json"
    output.parent.mkdir(exist_ok=True)
    output.write_text(json.dumps(figures, indent=2) + "\n")
    print(f"\nwritten to {output.relative_to(BASE_DIR)}")


if __name__ == "__main__":
    main()
