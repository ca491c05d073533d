"""Quartiles of values given with how often each occurs, interpolated as PostgreSQL's
percentile_cont does: the q-quantile of n sorted values lies at position (n - 1) q."""

import math
from collections.abc import Mapping
from typing import NamedTuple


class Spread(NamedTuple):
    low: float
    median: float
    high: float
    size: int


def quartiles_of(counts: Mapping[float, int]) -> Spread | None:
    """The quartiles of the values `counts` holds (value -> occurrences); None for none."""
    values = sorted((value, count) for value, count in counts.items() if count > 0)
    size = sum(count for _, count in values)
    if not size:
        return None

    def at(position: int) -> float:
        seen = 0
        for value, count in values:
            seen += count
            if position < seen:
                return value
        raise IndexError(position)  # pragma: no cover: position < size always

    def quantile(q: float) -> float:
        position = (size - 1) * q
        low, high = math.floor(position), math.ceil(position)
        below, above = at(low), at(high)
        return below + (above - below) * (position - low)

    return Spread(low=quantile(0.25), median=quantile(0.5), high=quantile(0.75), size=size)
