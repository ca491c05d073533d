"""`make bench`: every page of issue 17 against the framework floor, in PostgreSQL, in one run.

1. Make sure the organisations exist (benchmarks/databases.py): 100, 1,000 and 10,000
   projects, each in its own database, seeded on first use and reused after.
2. Collect the static files as production serves them (hashed names, gzip and brotli
   copies) into a temporary directory.
3. In one process, with DEBUG off, time the organisation dashboard warm and cold at 100,
   1,000 and 10,000 projects against a trivial logged-in page (the floor), interleaved, and
   the bytes a browser loads (the figures `make bench` gave before issue 17).
4. Every page of issue 17, cold and warm, at 1,000 and 10,000 projects (benchmarks/pages.py).
5. Autosave at both sizes (benchmarks/autosave.py).
6. The organisation report at 10,000 projects, in a process of its own (report_run.py).
7. Deadline day: 200 people at once against gunicorn on a copy of the 1,000-project
   database (deadline_day.py).
8. Print the tables with each target met or not (verdict.py) and write var/bench.json.

Environment: DATABASE_URL (the 1,000-project database's; the others sit beside it),
BENCH_PAGES=org_dashboard,team,... to measure some pages only (`none`: none), BENCH_ROUNDS
(pages' rounds, 11), BENCH_REPORT=0, BENCH_AUTOSAVE=0 and BENCH_DEADLINE=0 to leave those out.
A run that leaves anything out writes var/bench-subset.json instead of var/bench.json.
"""

import gzip
import json
import os
import re
import sys
import tempfile
from pathlib import Path

from benchmarks import databases, deadline_day, verdict
from benchmarks.autosave import autosave_for, measure_autosave
from benchmarks.measure import FLOOR, Timing, cold, database, logged_in_client, queries_of, timed
from benchmarks.pages import PAGE_NAMES, SIZES, measure_pages, page_catalogue
from benchmarks.report_run import generate_report

BASE_DIR = databases.BASE_DIR
DASHBOARD = "/org/"
WARM_SAMPLES, COLD_SAMPLES, WARM_UP = 60, 9, 3
DASHBOARD_SIZES = ("100", "1k", "10k")
TARGETS = {"ratio_to_floor": 5.0, "growth_100_to_1000": 1.3, "queries": 12, "repeat_kb": 150}


# --- Setting up -------------------------------------------------------------------------------


def _setup_django(urls: dict[str, str], static_root: Path) -> None:
    os.environ.update(DATABASE_URL=urls["1k"], DEBUG="0", STATIC_MANIFEST="1", LOG_LEVEL="WARNING")
    os.environ.setdefault("CACHE_URL", databases.BENCH_CACHE_URL)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mlops_portal.settings")
    sys.path.insert(0, str(BASE_DIR))
    import django
    from django.conf import settings

    django.setup()
    settings.STATIC_ROOT = static_root
    # Every API request of the bench uses one token: its rate limit is not what is measured.
    settings.API_RATE_LIMIT_PER_MINUTE = 10**9
    for alias, url in urls.items():
        settings.DATABASES[alias] = {
            **settings.DATABASES["default"],
            "NAME": databases.database_name(url),
        }
    from django.core.management import call_command

    print("collecting static files (hashed, gzip and brotli)", flush=True)
    call_command("collectstatic", interactive=False, verbosity=0)


def _reader(alias: str, username: str):
    client = logged_in_client(alias, username)
    return client.get


def _api_reader(alias: str):
    """GET as the manager through the API, with a personal token made for this run."""
    import datetime

    from django.contrib.auth.models import User
    from django.test import Client
    from django.utils import timezone

    from accounts.api_tokens import api_token_create

    with database(alias):
        manager = User.objects.get(username="manager")
        _, secret = api_token_create(
            kind="personal",
            name="make bench",
            expires_on=timezone.localdate() + datetime.timedelta(days=2),
            actor=manager,
            user=manager,
        )
    client = Client()
    return lambda path: client.get(path, headers={"Authorization": f"Bearer {secret}"})


# --- The dashboard as before issue 17: warm and cold at 100, 1,000 and 10,000 projects ---------


def _measure_dashboard(managers: dict) -> tuple[dict[str, Timing], dict[str, int]]:
    timings = {key: Timing() for key in ("floor", *DASHBOARD_SIZES)}
    timings |= {f"{size}_cold": Timing() for size in DASHBOARD_SIZES}
    for _ in range(WARM_UP):
        for size in DASHBOARD_SIZES:
            with database(size):
                managers[size](DASHBOARD)
                managers[size](FLOOR)
    for _ in range(WARM_SAMPLES):
        with database("1k"):
            timings["floor"].samples.append(timed(lambda: managers["1k"](FLOOR)))
        for size in DASHBOARD_SIZES:
            with database(size):
                timings[size].samples.append(timed(lambda: managers[size](DASHBOARD)))  # noqa: B023
    for _ in range(COLD_SAMPLES):
        for size in DASHBOARD_SIZES:
            with database(size):
                timings[f"{size}_cold"].samples.append(cold(lambda: managers[size](DASHBOARD)))  # noqa: B023
    queries = {
        f"{size}_{state}": queries_of(
            size,
            lambda: managers[size](DASHBOARD),  # noqa: B023
            cold=state == "cold",
        )
        for size in DASHBOARD_SIZES
        for state in ("cold", "warm")
    }
    return timings, queries


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


def _dashboard_figures(timings: dict[str, Timing], queries: dict[str, int], sizes: dict) -> dict:
    """Today's keys, with their meaning kept: warm at 1,000 projects, growth from 100."""
    dashboard, floor = timings["1k"], timings["floor"]
    return {
        "dashboard_p50_ms": round(dashboard.p50, 2),
        "dashboard_p95_ms": round(dashboard.p95, 2),
        "floor_p50_ms": round(floor.p50, 2),
        "ratio_to_floor": round(dashboard.p50 / floor.p50, 2),
        "queries_small": queries["100_cold"],
        "queries_large": queries["1k_cold"],
        "growth_100_to_1000": round(dashboard.p50 / timings["100"].p50, 2),
        "first_load_bytes": sizes["html_gz"] + sizes["static_gz"],
        "repeat_load_bytes": sizes["html_gz"],
        "floor_p95_ms": round(floor.p95, 2),
        "dashboard_small_p50_ms": round(timings["100"].p50, 2),
        "dashboard_large_p50_ms": round(timings["10k"].p50, 2),
        "dashboard_cold_p50_ms": round(timings["1k_cold"].p50, 2),
        "dashboard_cold_p95_ms": round(timings["1k_cold"].p95, 2),
        "dashboard_small_cold_p50_ms": round(timings["100_cold"].p50, 2),
        "dashboard_large_cold_p50_ms": round(timings["10k_cold"].p50, 2),
        "growth_100_to_1000_cold": round(timings["1k_cold"].p50 / timings["100_cold"].p50, 2),
        "growth_1000_to_10000_cold": round(timings["10k_cold"].p50 / timings["1k_cold"].p50, 2),
        "queries_small_warm": queries["100_warm"],
        "queries_large_warm": queries["1k_warm"],
        "queries_10k": queries["10k_cold"],
        "queries_10k_warm": queries["10k_warm"],
        "html_bytes_uncompressed": sizes["html_raw"],
        "static_bytes_gzip": sizes["static_gz"],
        "samples": {"warm": WARM_SAMPLES, "cold": COLD_SAMPLES},
    }


def _mark(value: float, target: str) -> str:
    return verdict.MET if value <= TARGETS[target] else verdict.MISSED


def dashboard_report(figures: dict) -> list[str]:
    kb = 1024
    rows = [
        ("trivial logged-in page (framework floor)", "floor_p50_ms", "floor_p95_ms", "3"),
        ("dashboard, 1,000 projects", "dashboard_p50_ms", "dashboard_p95_ms",
         figures["queries_large_warm"]),
        ("dashboard, 100 projects", "dashboard_small_p50_ms", None, figures["queries_small_warm"]),
        ("dashboard, 10,000 projects", "dashboard_large_p50_ms", None,
         figures["queries_10k_warm"]),
        ("dashboard, 1,000 projects, cache cleared", "dashboard_cold_p50_ms",
         "dashboard_cold_p95_ms", figures["queries_large"]),
        ("dashboard, 100 projects, cache cleared", "dashboard_small_cold_p50_ms", None,
         figures["queries_small"]),
        ("dashboard, 10,000 projects, cache cleared", "dashboard_large_cold_p50_ms", None,
         figures["queries_10k"]),
    ]  # fmt: skip
    lines = [f"{'':44}{'p50 ms':>9}{'p95 ms':>9}{'queries':>9}"]
    for label, p50, p95, queries in rows:
        tail = f"{figures[p95]:>9.2f}" if p95 else f"{'':>9}"
        lines.append(f"{label:44}{figures[p50]:>9.2f}{tail}{queries:>9}")
    lines += [
        "",
        f"dashboard / floor at 1,000 projects   {figures['ratio_to_floor']:.2f}x   (target <= "
        f"{TARGETS['ratio_to_floor']}x: {_mark(figures['ratio_to_floor'], 'ratio_to_floor')})",
        f"growth from 100 to 1,000 projects     {figures['growth_100_to_1000']:.2f}x   (target "
        f"<= {TARGETS['growth_100_to_1000']}x: "
        f"{_mark(figures['growth_100_to_1000'], 'growth_100_to_1000')}); "
        f"cache cleared: {figures['growth_100_to_1000_cold']:.2f}x",
        f"first load                            {figures['first_load_bytes'] / kb:,.1f} KB "
        f"(HTML {figures['repeat_load_bytes'] / kb:.1f} KB + static files "
        f"{figures['static_bytes_gzip'] / kb:,.1f} KB, gzip)",
        f"repeat load                           {figures['repeat_load_bytes'] / kb:.1f} KB "
        f"(HTML only, {figures['html_bytes_uncompressed'] / kb:.1f} KB uncompressed)   (target "
        f"<= {TARGETS['repeat_kb']} KB: {_mark(figures['repeat_load_bytes'] / kb, 'repeat_kb')})",
    ]
    return lines


# --- Running ----------------------------------------------------------------------------------


def _chosen_pages() -> list[str]:
    asked = os.environ.get("BENCH_PAGES", "").strip()
    if not asked:
        return list(PAGE_NAMES)
    if asked == "none":
        return []
    names = [name.strip() for name in asked.split(",") if name.strip()]
    unknown = sorted(set(names) - set(PAGE_NAMES))
    if unknown:
        sys.exit(f"unknown pages {unknown}; the pages are {', '.join(PAGE_NAMES)}")
    return names


def _report_period() -> str:
    """The last closed quarter: all its projects submitted, the report e-mailed at close."""
    from assessments.models import Period

    with database("10k"):
        return Period.objects.filter(closed_at__isnull=False).order_by("-opens_on")[0].key


def run(pages: list[str], *, autosave: bool, report: bool, deadline: bool) -> dict:
    base_url = os.environ.get("DATABASE_URL") or databases.DEFAULT_DATABASE_URL
    if not base_url.startswith(("postgres://", "postgresql://")):
        sys.exit(f"make bench needs PostgreSQL; DATABASE_URL is {base_url}")
    urls = {
        alias: databases.database_url(base_url, organisation)
        for alias, organisation in databases.ORGANISATIONS.items()
    }
    for alias, organisation in databases.ORGANISATIONS.items():
        databases.ensure_seeded(urls[alias], organisation)
    with tempfile.TemporaryDirectory(prefix="bench-static-") as static_root:
        _setup_django(urls, Path(static_root))
        readers = {
            (size, username): _reader(size, username)
            for size in DASHBOARD_SIZES
            for username in ("manager", "lead")
        }
        readers |= {(size, "api"): _api_reader(size) for size in SIZES}
        managers = {size: readers[(size, "manager")] for size in DASHBOARD_SIZES}
        print("measuring the dashboard at 100, 1,000 and 10,000 projects", flush=True)
        timings, queries = _measure_dashboard(managers)
        with database("1k"):
            html = managers["1k"](DASHBOARD).content
        figures = _dashboard_figures(timings, queries, _transfer_sizes(html, Path(static_root)))
        print(f"measuring {len(pages)} pages at 1,000 and 10,000 projects", flush=True)
        rounds = int(os.environ.get("BENCH_ROUNDS", "11"))
        measured = measure_pages(readers, pages, rounds=rounds) if pages else {}
        figures["floor_by_size_p50_ms"] = measured.pop("_floor", {})
        figures["pages"] = measured
        if autosave:
            print("measuring autosave", flush=True)
            figures |= _autosave()
        figures |= _sizes()
    if report:
        period = _report_period()
        print(f"generating the organisation report of {period} at 10,000 projects", flush=True)
        figures |= generate_report(database_url=urls["10k"], period_key=period, base_dir=BASE_DIR)
    seeded = databases.seeding_log().get(databases.database_name(urls["10k"]), {})
    figures["seeding_large_s"] = seeded.get("seconds")
    figures["seeding_large"] = seeded or None
    if deadline:
        from django.db import connections

        connections.close_all()  # a database being copied must have no connection
        print("deadline day: 200 people for 120 s against gunicorn", flush=True)
        figures["deadline_day"] = deadline_day.run(
            base_url=urls["1k"], users=200, leads=50, seconds=120, workers=3, threads=4
        )
    return figures


def _autosave() -> dict:
    saves, floors = {}, {}
    for size in SIZES:
        with database(size):
            path = page_catalogue()["questionnaire"].path
            client = logged_in_client(size, "lead")
            saves[size] = autosave_for(client, path)
            floors[size] = lambda c=client: c.get(FLOOR)
    return measure_autosave(saves, floors, SIZES)


def _sizes() -> dict:
    from django.db import connections

    from teams.models import Project, Unit

    found = {}
    for size in ("1k", "10k"):
        with database(size):
            found[size] = (Project.objects.count(), Unit.objects.count())
            version = connections["default"].cursor().connection.info.server_version
    return {
        "projects": found["1k"][0],
        "quarters": databases.ORGANISATIONS["1k"].past_quarters + 1,
        "projects_large": found["10k"][0],
        "quarters_large": databases.ORGANISATIONS["10k"].past_quarters + 1,
        "units_large": found["10k"][1],
        "postgresql": f"{version // 10000}.{version % 10000}",
    }


def report(figures: dict) -> str:
    from django.conf import settings

    checks = verdict.all_checks(figures)
    lines = [
        f"make bench: PostgreSQL {figures['postgresql']}, DEBUG off, static files hashed and "
        f"compressed, cache {settings.CACHES['default']['BACKEND'].rsplit('.', 1)[-1]}; "
        f"{figures['projects']:,} and {figures['projects_large']:,} projects "
        f"({figures['quarters']} and {figures['quarters_large']} quarters, "
        f"{figures['units_large']} units at 10,000); load average "
        f"{', '.join(f'{load:.1f}' for load in os.getloadavg())}",
        "",
        *dashboard_report(figures),
        "",
        f"Pages, p50 as x the floor of their size (floor: {figures['floor_by_size_p50_ms']} ms)",
        *verdict.pages_table(figures.get("pages", {})),
        "",
        *verdict.checks_table(checks),
        "",
        verdict.summary(checks),
    ]
    if "deadline_day" in figures:
        lines += ["", *deadline_day.table(figures["deadline_day"], pages=False)]
    return "\n".join(lines)


def main() -> None:
    pages = _chosen_pages()
    autosave = os.environ.get("BENCH_AUTOSAVE", "1") != "0"
    report_too = os.environ.get("BENCH_REPORT", "1") != "0"
    deadline = os.environ.get("BENCH_DEADLINE", "1") != "0"
    figures = run(pages, autosave=autosave, report=report_too, deadline=deadline)
    print()
    print(report(figures))
    complete = pages == list(PAGE_NAMES) and autosave and report_too and deadline
    output = BASE_DIR / "var" / ("bench.json" if complete else "bench-subset.json")
    output.parent.mkdir(exist_ok=True)
    output.write_text(json.dumps(figures, indent=2) + "\n")
    print(f"\nwritten to {output.relative_to(BASE_DIR)}")


if __name__ == "__main__":
    main()
