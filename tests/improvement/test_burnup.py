"""The burn-up arithmetic (improvement.burnup): pure, checked over many examples."""

import datetime

from hypothesis import given
from hypothesis import strategies as st

from improvement import burnup

KEYS = ["business-kpi-tracking", "drift-monitoring", "model-registry", "data-versioning"]
answers = st.dictionaries(st.sampled_from(KEYS), st.sampled_from(["", "no", "partly", "yes", "na"]))
days = st.dates(min_value=datetime.date(2024, 1, 1), max_value=datetime.date(2030, 12, 31))
shares = st.floats(min_value=0, max_value=100, allow_nan=False)


@given(start=days, length=st.integers(1, 800), start_percent=shares, a=days, b=days)
def test_it_keeps_the_on_pace_line_straight_rising_and_bounded(start, length, start_percent, a, b):
    target = start + datetime.timedelta(days=length)

    def pace(day):
        return burnup.on_pace_percent(
            start=start, start_percent=start_percent, target=target, day=day
        )

    assert pace(start) == start_percent
    assert pace(target) == 100.0
    assert start_percent <= pace(a) <= 100.0
    early, late = sorted([a, b])
    assert pace(early) <= pace(late) + 1e-9


@given(start=days, length=st.integers(2, 800), start_percent=shares)
def test_it_reaches_half_way_at_half_time(start, length, start_percent):
    target = start + datetime.timedelta(days=length * 2)
    middle = start + datetime.timedelta(days=length)
    pace = burnup.on_pace_percent(
        start=start, start_percent=start_percent, target=target, day=middle
    )
    assert abs(pace - (start_percent + 100) / 2) < 1e-9


def test_it_starts_at_zero_on_the_start_date_before_any_point():
    start = datetime.date(2026, 10, 1)
    assert burnup.pace_start(points=[], starts_on=start) == (start, 0.0)
    first = (datetime.date(2026, 10, 5), 20.0)
    later = (datetime.date(2026, 10, 12), 30.0)
    assert burnup.pace_start(points=[later, first], starts_on=start) == first


@given(latest=answers, previous=answers)
def test_it_takes_the_drafts_answers_and_fills_its_gaps_from_the_last_submission(latest, previous):
    current = burnup.current_answers(latest=latest, latest_is_draft=True, previous=previous)
    for key in KEYS:
        expected = latest.get(key) or previous.get(key)
        assert current.get(key) == (expected or None)


@given(latest=answers, previous=answers)
def test_it_reads_only_a_submission_when_it_is_the_latest(latest, previous):
    current = burnup.current_answers(latest=latest, latest_is_draft=False, previous=previous)
    assert current == {key: value for key, value in latest.items() if value}


@given(values=answers, asked=st.sets(st.sampled_from(KEYS)), keys=st.lists(st.sampled_from(KEYS)))
def test_it_counts_only_asked_applicable_practices(values, asked, keys):
    progress = burnup.project_progress(practice_keys=keys, answers=values, asked=asked)
    assert set(progress.in_place) <= set(progress.counted)
    assert set(progress.counted) == {k for k in keys if k in asked and values.get(k) != "na"}
    assert progress.complete == (
        bool(progress.counted) and all(values.get(k) == "yes" for k in progress.counted)
    )
    assert progress.applicable == bool(progress.counted)


def test_it_drops_a_project_for_which_nothing_counts():
    progress = burnup.project_progress(
        practice_keys=KEYS[:2], answers={KEYS[0]: "na"}, asked={KEYS[0]}
    )
    assert not progress.applicable and not progress.complete
    assert progress.not_applicable == (KEYS[0],)


@given(part=st.integers(0, 500), extra=st.integers(0, 500))
def test_it_gives_shares_in_percent(part, extra):
    whole = part + extra
    share = burnup.percent(part, whole)
    if whole == 0:
        assert share is None
    else:
        assert share is not None and 0 <= share <= 100


@given(share=st.one_of(st.none(), shares), on_pace=shares)
def test_it_calls_behind_exactly_what_has_a_gap(share, on_pace):
    behind = burnup.is_behind(share=share, on_pace=on_pace)
    assert behind == (burnup.gap(share=share, on_pace=on_pace) > 1e-9)
    assert not burnup.is_behind(share=on_pace, on_pace=on_pace)


@given(day=days)
def test_it_records_each_point_under_its_monday(day):
    monday = burnup.week_start(day)
    assert monday.weekday() == 0
    assert 0 <= (day - monday).days <= 6
    assert burnup.week_start(monday) == monday


def test_it_numbers_weeks_from_the_start():
    start = datetime.date(2026, 10, 1)  # a Thursday
    assert burnup.week_number(starts_on=start, day=start) == 1
    assert burnup.week_number(starts_on=start, day=datetime.date(2026, 10, 5)) == 2
