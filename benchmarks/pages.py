"""The plan and initiative pages in `make bench`: cold and warm, at both sizes.

Each page is timed in the same interleaved loop as the floor, so the ratios compare like
with like; "cold" clears the cache before every request. The paths are found in each
database (the first team with a plan, the first initiative), so the two sizes measure the
same page of their own organisation.
"""

from collections.abc import Callable

PAGE_SAMPLES = 15


def page_paths() -> dict[str, str]:
    """The bench's extra pages in the current default database, by name."""
    from improvement.models import Action, Initiative

    team_slug = (
        Action.objects.order_by("team__name").values_list("team__slug", flat=True).first() or ""
    )
    initiative_slug = Initiative.objects.order_by("pk").values_list("slug", flat=True).first()
    paths = {}
    if team_slug:
        paths["plan"] = f"/teams/{team_slug}/plan/"
    if initiative_slug:
        paths["initiative"] = f"/initiatives/{initiative_slug}/"
    paths["initiatives"] = "/initiatives/"
    return paths


def measure_pages(
    *,
    clients: dict[str, object],
    database: Callable,
    timed: Callable[[Callable[[], object]], float],
    floor_path: str,
) -> dict[str, dict]:
    """p50 warm and cold for each page at both sizes, the floor beside them, and queries."""
    import statistics

    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    paths = {}
    for alias in ("large", "small"):
        with database(alias):
            paths[alias] = page_paths()
    names = sorted(set(paths["large"]) & set(paths["small"]))
    samples: dict[tuple[str, str, str], list[float]] = {}
    floor: list[float] = []
    for _ in range(PAGE_SAMPLES):
        with database("large"):
            floor.append(timed(lambda: clients["large"].get(floor_path)))
        for name in names:
            for alias in ("large", "small"):
                path = paths[alias][name]
                with database(alias):
                    clients[alias].get(path)
                    samples.setdefault((name, alias, "warm"), []).append(
                        timed(lambda: clients[alias].get(path))  # noqa: B023
                    )
                    cache.clear()
                    samples.setdefault((name, alias, "cold"), []).append(
                        timed(lambda: clients[alias].get(path))  # noqa: B023
                    )
    floor_p50 = statistics.median(floor)
    figures = {}
    for name in names:
        queries = {}
        for alias in ("large", "small"):
            with database(alias):
                cache.clear()
                with CaptureQueriesContext(connection) as captured:
                    clients[alias].get(paths[alias][name])
                queries[alias] = len(captured)
        p50 = {
            key[1:]: statistics.median(value) for key, value in samples.items() if key[0] == name
        }
        figures[name] = {
            "path": paths["large"][name],
            "cold_p50_ms": round(p50[("large", "cold")], 2),
            "warm_p50_ms": round(p50[("large", "warm")], 2),
            "cold_ratio": round(p50[("large", "cold")] / floor_p50, 2),
            "warm_ratio": round(p50[("large", "warm")] / floor_p50, 2),
            "growth": round(p50[("large", "cold")] / p50[("small", "cold")], 2),
            "queries_small": queries["small"],
            "queries_large": queries["large"],
        }
    return figures


def pages_report(pages: dict[str, dict]) -> list[str]:
    lines = [
        "",
        f"{'page (1,000 projects)':30}{'cold ms':>9}{'cold x':>8}{'warm x':>8}"
        f"{'growth':>8}{'queries 100/1,000':>19}",
    ]
    for name, page in pages.items():
        same = "" if page["queries_small"] == page["queries_large"] else "  QUERIES GROW"
        lines.append(
            f"{name:30}{page['cold_p50_ms']:>9.1f}{page['cold_ratio']:>8.2f}"
            f"{page['warm_ratio']:>8.2f}{page['growth']:>8.2f}"
            f"{page['queries_small']:>10} / {page['queries_large']:<6}{same}"
        )
    return lines
