"""The pure review rules: which submissions wait, and the signals with their sentences."""

from hypothesis import given
from hypothesis import strategies as st

from assessments.rules import review as rules

DATA = rules.DimensionClaim("data", "Data", 1, 6, 0)
MODEL = rules.DimensionClaim("model", "Model", 0, 6, 0)


def _signals(**overrides):
    arguments = {
        "claims": [DATA, MODEL],
        "previous_levels": {"data": 1, "model": 0},
        "previous_overall": 0,
        "overall_level": 0,
        "top_level_unevidenced": [],
        "last_day_rises": 0,
        "due_on_text": "15 December 2026",
    } | overrides
    return rules.inflation_signals(**arguments)


def test_an_honest_steady_submission_has_no_signal():
    assert _signals() == []


def test_a_rise_of_two_levels_names_the_dimension():
    assert _signals(previous_levels={"model": 0}) == []  # no earlier level to compare
    (signal,) = _signals(
        claims=[rules.DimensionClaim("data", "Data", 2, 6, 0), MODEL],
        previous_levels={"data": 0, "model": 0},
    )
    assert signal.kind == rules.BIG_RISE
    assert signal.text == "Data rose 2 levels in one quarter; most teams climb one level at a time."


def test_many_rising_dimensions_are_counted_and_three_named():
    claims = [rules.DimensionClaim(f"d{i}", f"Dimension {i}", 2, 6, 0) for i in range(5)]
    (signal,) = _signals(
        claims=claims,
        previous_levels={f"d{i}": 0 for i in range(5)},
        previous_overall=0,
        overall_level=2,
    )
    assert signal.text == (
        "The overall level rose from 0 to 2 and 5 dimensions rose 2 levels (Dimension 0, "
        "Dimension 1, Dimension 2 and 2 more) in one quarter; most teams climb one level at a "
        "time."
    )


def test_a_rise_of_one_level_is_no_signal():
    signals = _signals(
        claims=[rules.DimensionClaim("data", "Data", 2, 6, 0), MODEL],
        previous_levels={"data": 1, "model": 0},
    )
    assert rules.BIG_RISE not in rules.signal_kinds(s.as_dict() for s in signals)


def test_unevidenced_level_two_claims_are_counted_by_dimension():
    (signal,) = _signals(top_level_unevidenced=["Data", "Model", "Data", "Ops", "Serving", "X"])
    assert signal.text == (
        "6 level-2 practices answered “fully in place” with no evidence link and no note, in "
        "Data (2), Model (1), Ops (1) and 2 more dimensions."
    )
    (signal,) = _signals(top_level_unevidenced=["Monitoring"])
    assert signal.text.endswith("no evidence link and no note, in Monitoring.")


def test_more_than_a_third_not_applicable_is_a_signal_exactly_a_third_is_not():
    third = rules.DimensionClaim("ops", "Operations", 1, 6, 2)
    more = rules.DimensionClaim("ops", "Operations", 1, 6, 3)
    assert _signals(claims=[third], previous_levels={}) == []
    (signal,) = _signals(claims=[more], previous_levels={})
    assert (
        signal.text == "Operations: 3 of its 6 practices are “not applicable”, more than a third."
    )


def test_last_day_rises_from_five():
    assert _signals(last_day_rises=4) == []
    (signal,) = _signals(last_day_rises=5)
    assert "5 answers were raised in the last day before the due date (15 December 2026)" in (
        signal.text
    )


def test_whole_dimension_not_applicable_is_flagged_not_hidden():
    """Marking every practice of a dimension "not applicable" once scored it level 2."""
    gamed = rules.DimensionClaim("monitoring", "Monitoring", None, 5, 5)
    (signal,) = _signals(claims=[gamed], previous_levels={})
    assert signal.kind == rules.MANY_NOT_APPLICABLE


@given(
    levels=st.lists(st.one_of(st.none(), st.integers(0, 2)), min_size=1, max_size=6),
    before=st.lists(st.one_of(st.none(), st.integers(0, 2)), min_size=1, max_size=6),
)
def test_policies_nest_every_then_level_one_and_rises_then_never(levels, before):
    claims = [rules.DimensionClaim(f"d{i}", f"D{i}", level, 4, 0) for i, level in enumerate(levels)]
    previous = {f"d{i}": level for i, level in enumerate(before)}

    def waits(policy: str, exemptions: int = 0) -> bool:
        return rules.needs_review(
            policy=policy, claims=claims, previous_levels=previous, exemptions_requested=exemptions
        )

    assert waits(rules.EVERY)
    assert not waits(rules.NEVER)
    assert waits(rules.NEVER, exemptions=1)
    assert rules.needs_review(
        policy=rules.NEVER, claims=claims, previous_levels=previous, was_returned=True
    )
    # A rise ends at level 1 or more, so whatever waits for rising also claims level 1.
    assert not waits(rules.RISES) or waits(rules.CLAIMS_LEVEL_ONE)


def test_answers_rise_towards_fully_in_place_only():
    assert rules.is_rise("no", "partly") and rules.is_rise("partly", "yes")
    assert not rules.is_rise("yes", "no")
    assert not rules.is_rise("na", "yes") and not rules.is_rise("", "yes")
