"""The table `make bench` prints marks each target of issue 17 met or missed from the figures
it collected (nothing here is timed)."""

from benchmarks import verdict


def _page(**changes) -> dict:
    page = {
        "cold_ratio": 3.5,
        "warm_ratio": 1.2,
        "warm_ratio_large": 1.4,
        "growth": 1.2,
        "queries_small": 9,
        "queries_large": 9,
        "cold_p50_ms": 30.0,
        "cold_p50_ms_large": 36.0,
        "cold_ratio_large": 4.1,
    }
    return page | changes


def _verdicts(checks: list[verdict.Check]) -> dict[str, bool | None]:
    return {check.what: check.met for check in checks}


def test_a_page_within_every_target_meets_them_all():
    assert set(_verdicts(verdict.page_checks("team", _page())).values()) == {True}


def test_each_page_target_is_missed_on_its_own():
    found = _verdicts(
        verdict.page_checks(
            "org", _page(cold_ratio=4.01, warm_ratio_large=2.5, growth=1.51, queries_large=10)
        )
    )
    assert found == {
        "org: cold at 1,000": False,
        "org: warm": False,
        "org: growth 1,000 -> 10,000": False,
        "org: queries 1,000 / 10,000": False,
    }


def test_the_targets_are_the_issues():
    found = _verdicts(verdict.page_checks("p", _page(cold_ratio=4.0, warm_ratio=2.0, growth=1.5)))
    assert set(found.values()) == {True}


def test_autosave_report_and_seeding_are_judged_at_their_worst_size():
    figures = {
        "autosave_ratio": 1.5,
        "autosave_ratio_large": 2.2,
        "autosave_queries": 6,
        "autosave_queries_large": 6,
        "report_s": 61.0,
        "report_peak_mb": 480.0,
        "seeding_large_s": 540.0,
    }
    assert _verdicts(verdict.other_checks(figures)) == {
        "autosave: time": False,
        "autosave: queries": True,
        "organisation report at 10,000: time": False,
        "organisation report at 10,000: peak memory": True,
        "seeding 10,000 projects x 20 quarters": True,
    }


def test_what_was_not_measured_is_said_not_judged():
    checks = verdict.other_checks({"report_error": "not done after 300 s"})
    found = _verdicts(checks)
    assert found["organisation report at 10,000"] is False
    assert found["seeding 10,000 projects x 20 quarters"] is None
    assert "not measured" in "\n".join(verdict.checks_table(checks))


def test_the_summary_names_every_missed_target():
    checks = verdict.all_checks({"pages": {"team": _page(growth=2.0)}, "seeding_large_s": 700})
    assert verdict.summary(checks) == (
        "3 of 5 targets met; missed: team: growth 1,000 -> 10,000; "
        "seeding 10,000 projects x 20 quarters"
    )
