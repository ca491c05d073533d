"""The targets of issue 17 and the table `make bench` prints: every page cold and warm with
its ratio to the floor, its queries at both sizes and its growth, each target marked met or
not. Pure: it reads the figures `make bench` collected, it measures nothing."""

from dataclasses import dataclass

COLD_RATIO = 4.0  # cold (caches cleared) at 1,000 projects, x the floor
WARM_RATIO = 2.0  # warm, x the floor, at either size
GROWTH = 1.5  # cold, from 1,000 to 10,000 projects
AUTOSAVE_RATIO = 2.0
AUTOSAVE_QUERIES = 6
REPORT_SECONDS = 60.0
REPORT_PEAK_MB = 600.0
SEEDING_SECONDS = 600.0
MET, MISSED = "met", "MISSED"


@dataclass(frozen=True)
class Check:
    what: str
    value: str
    target: str
    met: bool | None  # None: not measured


def page_checks(name: str, page: dict) -> list[Check]:
    warm = max(page["warm_ratio"], page.get("warm_ratio_large", page["warm_ratio"]))
    return [
        Check(f"{name}: cold at 1,000", f"{page['cold_ratio']:.2f}x", f"<= {COLD_RATIO}x",
              page["cold_ratio"] <= COLD_RATIO),
        Check(f"{name}: warm", f"{warm:.2f}x", f"<= {WARM_RATIO}x", warm <= WARM_RATIO),
        Check(f"{name}: growth 1,000 -> 10,000", f"{page['growth']:.2f}x", f"<= {GROWTH}x",
              page["growth"] <= GROWTH),
        Check(
            f"{name}: queries 1,000 / 10,000",
            f"{page['queries_small']} / {page['queries_large']}",
            "equal",
            page["queries_small"] == page["queries_large"],
        ),
    ]  # fmt: skip


def other_checks(figures: dict) -> list[Check]:
    checks = []
    if "autosave_ratio" in figures:
        ratio = max(figures["autosave_ratio"], figures.get("autosave_ratio_large", 0.0))
        queries = max(figures["autosave_queries"], figures.get("autosave_queries_large", 0))
        checks += [
            Check("autosave: time", f"{ratio:.2f}x", f"<= {AUTOSAVE_RATIO}x",
                  ratio <= AUTOSAVE_RATIO),
            Check("autosave: queries", str(queries), f"<= {AUTOSAVE_QUERIES}",
                  queries <= AUTOSAVE_QUERIES),
        ]  # fmt: skip
    if figures.get("report_s") is not None:
        checks += [
            Check("organisation report at 10,000: time",
                  f"{figures['report_s']:.1f} s, {figures.get('report_pages')} pages",
                  f"<= {REPORT_SECONDS:.0f} s", figures["report_s"] <= REPORT_SECONDS),
            Check("organisation report at 10,000: peak memory",
                  f"{figures['report_peak_mb']:.0f} MB "
                  f"({figures.get('report_tree_peak_mb', 0):.0f} with Chromium)",
                  f"<= {REPORT_PEAK_MB:.0f} MB",
                  figures["report_peak_mb"] <= REPORT_PEAK_MB),
        ]  # fmt: skip
    elif "report_error" in figures:
        checks.append(Check("organisation report at 10,000", figures["report_error"], "", False))
    seconds = figures.get("seeding_large_s")
    checks.append(
        Check(
            "seeding 10,000 projects x 20 quarters",
            f"{seconds:.0f} s" if seconds is not None else "not timed in this database",
            f"<= {SEEDING_SECONDS:.0f} s",
            None if seconds is None else seconds <= SEEDING_SECONDS,
        )
    )
    return checks


def _mark(met: bool | None) -> str:
    return "not measured" if met is None else MET if met else MISSED


def pages_table(pages: dict[str, dict]) -> list[str]:
    """Every page's figures in one table: ms and x the floor, cold and warm, at both sizes."""
    header = (
        f"{'page':24}{'cold ms':>9}{'cold x':>8}{'warm x':>8}"
        f"{'10k cold ms':>12}{'10k cold x':>11}{'10k warm x':>11}{'growth':>8}{'queries':>11}"
    )
    lines = [header, "-" * len(header)]
    for name, page in pages.items():
        queries = f"{page['queries_small']}/{page['queries_large']}"
        lines.append(
            f"{name:24}{page['cold_p50_ms']:>9.1f}{page['cold_ratio']:>8.2f}"
            f"{page['warm_ratio']:>8.2f}{page['cold_p50_ms_large']:>12.1f}"
            f"{page['cold_ratio_large']:>11.2f}{page['warm_ratio_large']:>11.2f}"
            f"{page['growth']:>8.2f}{queries:>11}"
        )
    return lines


def checks_table(checks: list[Check]) -> list[str]:
    width = max((len(check.what) for check in checks), default=0) + 2
    lines = [f"{'target':{width}}{'measured':>16}  {'wanted':<10}verdict"]
    for check in checks:
        lines.append(f"{check.what:{width}}{check.value:>16}  {check.target:<10}{_mark(check.met)}")
    return lines


def all_checks(figures: dict) -> list[Check]:
    checks = [
        check
        for name, page in figures.get("pages", {}).items()
        for check in page_checks(name, page)
    ]
    return checks + other_checks(figures)  # fmt: skip


def summary(checks: list[Check]) -> str:
    measured = [check for check in checks if check.met is not None]
    missed = [check.what for check in measured if not check.met]
    if not missed:
        return f"all {len(measured)} measured targets met"
    return f"{len(measured) - len(missed)} of {len(measured)} targets met; missed: " + "; ".join(
        missed
    )
