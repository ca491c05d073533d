"""The outcome metrics from hand-made event histories, each value worked out by hand in the
comments, and their properties over generated histories."""

import datetime
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evidence.rules.outcomes import (
    EventFact,
    last_quarters,
    quarter_after,
    quarter_before,
    quarter_bounds,
    quarter_of,
    quarter_outcome,
)

UTC = datetime.UTC
Q4 = "2026-Q4"


def at(month: int, day: int, hour: int = 0, minute: int = 0, year: int = 2026) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, tzinfo=UTC)


def deployment(sender_id, occurred_at, *, trained_at=None, environment="production"):
    return EventFact(
        "deployment", occurred_at, sender_id, environment=environment, trained_at=trained_at
    )


def rollback(sender_id, occurred_at, *, environment="production"):
    return EventFact("rollback", occurred_at, sender_id, environment=environment)


def incident(sender_id, occurred_at, state, reference, *, environment=""):
    return EventFact(
        "incident",
        occurred_at,
        sender_id,
        environment=environment,
        state=state,
        reference=reference,
    )


def training(sender_id, occurred_at, *, passed=True):
    return EventFact("pipeline_run", occurred_at, sender_id, training_passed=passed)


# A quarter of a project's history, by hand:
#
# d1  5 Oct 10:00, trained 4 Oct 22:00                      lead time 12 h
# d2 20 Oct 09:00, trained 19 Oct 09:00                     lead time 24 h
# r1 22 Oct 09:00 rollback, 2 days after d2: d2 failed;     restored after 48 h
# d3  2 Nov 12:00, no training time
# i7 11 Nov 12:00 incident INC-7 opened, 9 days after d3:   not d3's failure; never resolved
# s1  2 Dec 00:00 a staging deployment:                     not counted, never "live"
# d4  1 Dec 08:00, trained 30 Nov 20:00                     lead time 12 h
# i9  3 Dec 08:00 incident INC-9 opened, 2 days after d4:   d4 failed
# i9r 3 Dec 11:00 INC-9 resolved:                           restored after 3 h
#
# deployments 4 (d1..d4), failed 2 (d2, d4): rate 2 / 4 = 0.5
# lead times 12, 24, 12: median 12 h of 3
# restore times 48 (r1) and 3 (INC-9; INC-7 unresolved is not counted): median 25.5 h of 2
#
# Trainings that passed: 24 Sep (2026-Q3), 8 Oct, 29 Oct, 5 Nov; the run of 15 Oct failed
# its training and the run of 20 Nov had none. Intervals ending in 2026-Q4: 14 days (24 Sep
# to 8 Oct), 21 days (to 29 Oct) and 7 days (to 5 Nov): median 14 days of 3.
HISTORY = [
    deployment("d1", at(10, 5, 10), trained_at=at(10, 4, 22)),
    deployment("d2", at(10, 20, 9), trained_at=at(10, 19, 9)),
    rollback("r1", at(10, 22, 9)),
    deployment("d3", at(11, 2, 12)),
    incident("i7", at(11, 11, 12), "opened", "INC-7"),
    deployment("s1", at(12, 2), environment="staging"),
    deployment("d4", at(12, 1, 8), trained_at=at(11, 30, 20)),
    incident("i9", at(12, 3, 8), "opened", "INC-9"),
    incident("i9r", at(12, 3, 11), "resolved", "INC-9"),
    training("p1", at(9, 24)),
    training("p2", at(10, 8)),
    training("p3", at(10, 15), passed=False),
    training("p4", at(10, 29)),
    training("p5", at(11, 5)),
    EventFact("pipeline_run", at(11, 20), "p6"),
]


def test_a_quarter_worked_out_by_hand():
    found = quarter_outcome(HISTORY, Q4)

    assert (found.deployments, found.failed_deployments) == (4, 2)
    assert found.change_failure_rate == 0.5
    assert (found.lead_time_hours, found.lead_time_count) == (12.0, 3)
    assert (found.restore_hours, found.restore_count) == (25.5, 2)
    assert (found.retraining_days, found.retraining_count) == (14.0, 3)
    assert found.retraining_source == "events"


def test_the_quarter_before_sees_only_its_own_events():
    # 2026-Q3 has only the training of 24 Sep: no interval ends there, no deployment.
    found = quarter_outcome(HISTORY, "2026-Q3")

    assert (found.deployments, found.failed_deployments, found.change_failure_rate) == (0, 0, None)
    assert (found.lead_time_hours, found.restore_hours, found.retraining_days) == (None, None, None)
    assert found.retraining_source == ""


def test_a_failure_exactly_7_days_later_counts_and_a_second_later_does_not():
    within = [deployment("d1", at(10, 1, 12)), rollback("r1", at(10, 8, 12))]
    beyond = [
        deployment("d1", at(10, 1, 12)),
        rollback("r1", at(10, 8, 12) + datetime.timedelta(seconds=1)),
    ]

    assert quarter_outcome(within, Q4).failed_deployments == 1
    assert quarter_outcome(beyond, Q4).failed_deployments == 0
    # Either way the rollback restored the service, 7 days (168 h) and a second after d1.
    assert quarter_outcome(within, Q4).restore_hours == 168.0


def test_a_deployment_fails_once_however_many_failures_follow_it():
    # d1 1 Oct; rollbacks 2 h and 5 h later, an incident opened 1 day later and resolved
    # after 4 h: one failed deployment; restore times 2, 5 and 4 h, median 4 h of 3.
    events = [
        deployment("d1", at(10, 1)),
        rollback("r1", at(10, 1, 2)),
        rollback("r2", at(10, 1, 5)),
        incident("i1", at(10, 2), "opened", "INC-1"),
        incident("i2", at(10, 2, 4), "resolved", "INC-1"),
    ]

    found = quarter_outcome(events, Q4)

    assert (found.deployments, found.failed_deployments, found.change_failure_rate) == (1, 1, 1.0)
    assert (found.restore_hours, found.restore_count) == (4.0, 3)


def test_a_failure_is_blamed_on_the_deployment_live_at_the_time_only():
    # d1 1 Oct, d2 2 Oct, rollback 3 Oct: d2 was live; d1, though within 7 days, did not fail.
    events = [deployment("d1", at(10, 1)), deployment("d2", at(10, 2)), rollback("r1", at(10, 3))]

    found = quarter_outcome(events, Q4)

    assert (found.deployments, found.failed_deployments, found.change_failure_rate) == (2, 1, 0.5)
    assert found.restore_hours == 24.0  # from d2


def test_a_deployment_at_the_moment_of_a_failure_is_not_what_failed():
    events = [deployment("d1", at(10, 1)), deployment("d2", at(10, 3)), rollback("r1", at(10, 3))]

    found = quarter_outcome(events, Q4)

    assert found.failed_deployments == 1  # d1, live until d2 replaced it
    assert found.restore_hours == 48.0


def test_deployments_at_the_same_moment_are_ordered_by_their_ids():
    events = [deployment("b", at(10, 1)), deployment("a", at(10, 1)), rollback("r", at(10, 2))]

    found = quarter_outcome(events, Q4)

    assert (found.deployments, found.failed_deployments) == (2, 1)


def test_only_production_deployments_and_rollbacks_count_but_incidents_anywhere_do():
    # Staging: a deployment and a rollback right after it change nothing. An incident in
    # staging, 1 day after the production deployment d1, fails d1 and is resolved in 6 h.
    events = [
        deployment("d1", at(10, 1)),
        deployment("s1", at(10, 5), environment="staging"),
        rollback("s2", at(10, 5, 1), environment="staging"),
        incident("i1", at(10, 2), "opened", "INC-1", environment="staging"),
        incident("i2", at(10, 2, 6), "resolved", "INC-1", environment="staging"),
    ]

    found = quarter_outcome(events, Q4)

    assert (found.deployments, found.failed_deployments) == (1, 1)
    assert (found.restore_hours, found.restore_count) == (6.0, 1)


def test_a_failure_without_any_deployment_before_it():
    # Nothing to blame: no failed deployment, and the rollback has no restore time; the
    # incident still has one (2 h).
    events = [
        rollback("r1", at(10, 1)),
        incident("i1", at(10, 2), "opened", "INC-1"),
        incident("i2", at(10, 2, 2), "resolved", "INC-1"),
    ]

    found = quarter_outcome(events, Q4)

    assert (found.deployments, found.failed_deployments, found.change_failure_rate) == (0, 0, None)
    assert (found.restore_hours, found.restore_count) == (2.0, 1)


def test_across_a_quarters_end_the_deployment_fails_in_its_quarter_and_the_restore_in_the_next():
    # d1 on 30 Dec, rolled back on 2 Jan 6:00 (3 days 6 hours = 78 h later).
    events = [deployment("d1", at(12, 30)), rollback("r1", at(1, 2, 6, year=2027))]

    q4, q1 = quarter_outcome(events, Q4), quarter_outcome(events, "2027-Q1")

    assert (q4.deployments, q4.failed_deployments, q4.restore_count) == (1, 1, 0)
    assert (q1.deployments, q1.failed_deployments) == (0, 0)
    assert (q1.restore_hours, q1.restore_count) == (78.0, 1)


def test_an_incident_counts_its_first_resolution_after_its_opening():
    # A resolution of INC-1 before the opening (an earlier incident reusing the id) is not
    # this one's; the first after it, 10 h later, is.
    events = [
        incident("old", at(10, 1), "resolved", "INC-1"),
        incident("i1", at(10, 3), "opened", "INC-1"),
        incident("i2", at(10, 3, 10), "resolved", "INC-1"),
        incident("i3", at(10, 4), "resolved", "INC-1"),
        incident("other", at(10, 3, 1), "resolved", "INC-2"),
    ]

    assert quarter_outcome(events, Q4).restore_hours == 10.0


def test_lead_times_are_medians_of_the_deployments_that_say_when_they_were_trained():
    # 6 h and 30 h: median 18 h of 2; the deployment without a training time is not counted.
    events = [
        deployment("d1", at(10, 1, 6), trained_at=at(10, 1)),
        deployment("d2", at(10, 10, 6), trained_at=at(10, 9)),
        deployment("d3", at(10, 12)),
        deployment("s1", at(10, 12, 1), trained_at=at(1, 1), environment="staging"),
    ]

    found = quarter_outcome(events, Q4)

    assert (found.lead_time_hours, found.lead_time_count) == (18.0, 2)


def test_retraining_cadence_counts_each_interval_in_the_quarter_of_its_later_run():
    # Trainings 20 Dec, 3 Jan, 13 Jan, 14 Jan 12:00: 2026-Q4 has none ending in it (its one
    # run starts the first interval); 2027-Q1 has 14, 10 and 1.5 days: median 10 of 3.
    events = [
        training("p1", at(12, 20)),
        training("p2", at(1, 3, year=2027)),
        training("p3", at(1, 13, year=2027)),
        training("p4", at(1, 14, 12, year=2027)),
    ]

    assert quarter_outcome(events, "2027-Q1").retraining_days == 10.0
    assert quarter_outcome(events, "2027-Q1").retraining_count == 3
    assert quarter_outcome(events, Q4).retraining_days is None


def test_without_two_successful_trainings_the_mlflow_fact_stands_in():
    events = [training("p1", at(10, 1)), training("p2", at(10, 20), passed=False)]

    found = quarter_outcome(events, Q4, mlflow_retraining=(30.0, 4))

    assert (found.retraining_days, found.retraining_count, found.retraining_source) == (
        30.0,
        4,
        "mlflow",
    )


def test_events_take_precedence_over_mlflow_for_retraining():
    events = [training("p1", at(10, 1)), training("p2", at(10, 8))]

    found = quarter_outcome(events, Q4, mlflow_retraining=(30.0, 4))

    assert (found.retraining_days, found.retraining_count, found.retraining_source) == (
        7.0,
        1,
        "events",
    )


@pytest.mark.parametrize(
    ("moment", "quarter"),
    [
        (datetime.date(2026, 1, 1), "2026-Q1"),
        (datetime.date(2026, 3, 31), "2026-Q1"),
        (datetime.date(2026, 4, 1), "2026-Q2"),
        (at(9, 30, 23, 59), "2026-Q3"),
        (at(10, 1), "2026-Q4"),
        (datetime.date(2026, 12, 31), "2026-Q4"),
    ],
)
def test_quarters_are_calendar_quarters(moment, quarter):
    assert quarter_of(moment) == quarter


def test_quarters_step_over_years_and_have_bounds():
    assert quarter_after("2026-Q4") == "2027-Q1"
    assert quarter_after("2026-Q1") == "2026-Q2"
    assert quarter_before("2026-Q1") == "2025-Q4"
    assert quarter_before("2026-Q3") == "2026-Q2"
    assert last_quarters(datetime.date(2026, 2, 1), 3) == ["2025-Q3", "2025-Q4", "2026-Q1"]
    assert quarter_bounds("2026-Q4", UTC) == (at(10, 1), at(1, 1, year=2027))


# --- Properties over generated histories --------------------------------------------------------

START = at(9, 1)
KINDS = [
    ("deployment", "production", ""),
    ("deployment", "staging", ""),
    ("rollback", "production", ""),
    ("rollback", "staging", ""),
    ("incident", "", "opened"),
    ("incident", "production", "resolved"),
    ("pipeline_run", "production", ""),
]


@st.composite
def histories(draw) -> list[EventFact]:
    """Events over four months around 2026-Q4, at whole hours so that ties happen."""
    count = draw(st.integers(min_value=0, max_value=40))
    events = []
    for number in range(count):
        kind, environment, state = draw(st.sampled_from(KINDS))
        hours = draw(st.integers(min_value=0, max_value=24 * 120))
        occurred_at = START + datetime.timedelta(hours=hours)
        trained = draw(st.one_of(st.none(), st.integers(min_value=0, max_value=500)))
        events.append(
            EventFact(
                kind=kind,
                occurred_at=occurred_at,
                sender_id=f"e{number}",
                environment=environment,
                state=state,
                reference=f"INC-{draw(st.integers(min_value=1, max_value=3))}",
                trained_at=(
                    occurred_at - datetime.timedelta(hours=trained)
                    if kind == "deployment" and trained is not None
                    else None
                ),
                training_passed=kind == "pipeline_run" and draw(st.booleans()),
            )
        )
    return events


@settings(max_examples=200, deadline=None)
@given(histories(), st.randoms(use_true_random=False))
def test_the_figures_stay_in_range_and_ignore_the_order_of_arrival(events, shuffler):
    found = quarter_outcome(events, Q4)
    shuffled = list(events)
    shuffler.shuffle(shuffled)

    assert quarter_outcome(shuffled, Q4) == found
    assert 0 <= found.failed_deployments <= found.deployments
    if found.deployments:
        assert 0 <= found.change_failure_rate <= 1
    else:
        assert found.change_failure_rate is None
    for value in (found.lead_time_hours, found.restore_hours, found.retraining_days):
        assert value is None or value >= 0


@settings(max_examples=200, deadline=None)
@given(
    histories(),
    st.sampled_from(["deployment", "rollback"]),
    st.integers(min_value=0, max_value=24 * 120),
)
def test_a_staging_deployment_or_rollback_changes_nothing(events, kind, hours):
    staging = EventFact(kind, START + datetime.timedelta(hours=hours), "staging", "staging")

    assert quarter_outcome([*events, staging], Q4) == quarter_outcome(events, Q4)


def test_every_deployment_counts_once_in_some_quarter():
    rng = random.Random(16)
    events = [
        deployment(f"d{number}", START + datetime.timedelta(hours=rng.randrange(24 * 120)))
        for number in range(50)
    ]
    quarters = ["2026-Q3", "2026-Q4", "2027-Q1"]

    assert sum(quarter_outcome(events, quarter).deployments for quarter in quarters) == 50
