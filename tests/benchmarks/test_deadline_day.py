"""The deadline-day benchmark's arithmetic and its verdict, on given figures and rows (no
server, no database)."""

import json

from benchmarks import deadline_day
from benchmarks.deadline_day import Recorder, failures, kind_figures, lost_answers, table


def _result(**changes) -> dict:
    """A passing run's figures, as deadline_day.run returns them."""
    result = {
        "users": 4, "leads": 1, "seconds": 10, "workers": 3, "threads": 4, "elapsed_s": 10.0,
        "client_cpu_s": 0.5, "load_average": [1.0, 1.0, 1.0],
        "kinds": kind_figures({kind: [10.0] for kind in deadline_day.KINDS}, 10),
        "pages": kind_figures({"floor": [10.0], "team": [30.0]}, 10),
        "server_errors": 0, "connection_errors": 0, "unexpected_statuses": {},
        "server_log": "var/deadline_day_server.log", "server_log_tracebacks": 0,
        "acknowledged_answers": 7, "lost_answers": 0, "acknowledged_submits": 1,
        "unacknowledged_submits": 0, "lost_submits": 0,
    }  # fmt: skip
    result |= changes
    return result | {"failures": failures(result)}


def test_it_gives_each_kind_as_a_ratio_to_the_floor():
    figures = kind_figures({"floor": [10.0] * 4, "pages": [20.0] * 4 + [40.0] * 4}, seconds=2)
    assert figures["floor"] == {
        "requests": 4, "p50_ms": 10.0, "p95_ms": 10.0, "per_second": 2.0,
        "p50_x": 1.0, "p95_x": 1.0, "rate_x": 1.0,
    }  # fmt: skip
    assert figures["pages"]["p50_x"] == 3.0
    assert figures["pages"]["p95_x"] == 4.0
    assert figures["pages"]["rate_x"] == 2.0


def test_it_takes_the_95th_percentile_of_many_samples():
    figures = kind_figures({"floor": [float(ms) for ms in range(1, 101)]}, seconds=100)
    assert figures["floor"]["p50_ms"] == 50.5
    assert 95.0 <= figures["floor"]["p95_ms"] <= 96.0


def test_it_gives_no_ratio_for_a_kind_without_requests_or_without_a_floor():
    figures = kind_figures({"floor": [10.0], "submit": []}, seconds=1)
    assert figures["submit"]["requests"] == 0
    assert figures["submit"]["p50_ms"] is None
    assert figures["submit"]["p50_x"] is None
    assert kind_figures({"pages": [5.0]}, seconds=1)["pages"]["p50_x"] is None


def test_it_finds_every_acknowledged_answer_that_is_not_stored():
    acknowledged = {
        (1, "kept"): (3, "yes"),
        (1, "older"): (4, "no"),
        (1, "other-value"): (2, "partly"),
        (2, "missing"): (1, "yes"),
        (2, "later-save"): (5, "no"),
    }
    stored = {
        (1, "kept"): (3, "yes"),
        (1, "older"): (3, "no"),
        (1, "other-value"): (2, "yes"),
        (2, "later-save"): (6, "yes"),  # a later save whose response never came
    }
    assert lost_answers(acknowledged, stored) == [(1, "older"), (1, "other-value"), (2, "missing")]


def test_it_loses_nothing_when_every_save_is_stored():
    saves = {(1, "a"): (1, "yes"), (1, "b"): (2, "no")}
    assert lost_answers(saves, dict(saves)) == []


def test_it_sorts_what_it_records_by_kind_and_status():
    recorder = Recorder()
    recorder.record("pages", "team", "/teams/a/", 200, 12.0, (200,))
    recorder.record("pages", "team", "/teams/a/", 500, 40.0, (200,))
    recorder.record("autosave", "autosave", "/x/", 409, 8.0, (200, 409))
    recorder.record("pages", "org_dashboard", "/org/", 403, 5.0, (200,))
    recorder.record("submit", "submit", "/s/", "ConnectionResetError", 0.0, (302,))
    assert recorder.samples == {
        "pages": {"team": [12.0, 40.0], "org_dashboard": [5.0]},
        "autosave": {"autosave": [8.0]},
    }
    assert recorder.server_errors == {"500 /teams/a/": 1}
    assert recorder.unexpected == {"403 org_dashboard": 1}
    assert recorder.connection_errors == {"ConnectionResetError /s/": 1}


def test_a_clean_run_passes():
    assert _result()["failures"] == []


def test_any_server_error_connection_error_or_loss_fails_the_run():
    result = _result(server_errors=2, connection_errors=1, lost_answers=3, lost_submits=1)
    assert result["failures"] == [
        "2 server errors (5xx)",
        "1 connection errors",
        "3 answers lost",
        "1 submissions lost",
    ]


def test_the_table_shows_every_kind_and_the_verdict():
    lines = table(_result(server_errors=1))
    kinds = ["floor", "pages", "team", "autosave", "submit"]
    assert [line.split()[0] for line in lines[2:7]] == kinds
    assert lines[-1] == "deadline day: 1 server errors (5xx)"
    assert len(table(_result(), pages=False)) == len(lines) - 1
    json.dumps(_result())  # what var/deadline_day.json holds
