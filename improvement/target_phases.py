"""The spans of days over which a project's standing against its targets stays the same.

Pure Python: the standing on any day comes from `improvement.target_rules`, judged on the
same stored readings; this module only finds the days on which it can change. For one
judged target below its level these are the day after its due date (behind becomes
overdue) and the first day its pace no longer reaches the target in time (on track becomes
behind); the quarters left shrink as the days pass, so that day is found by halving the
days between LONG_AGO and the due date. Met targets and missing readings do not change
with the day.
"""

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from improvement import target_rules as rules

if TYPE_CHECKING:  # the shape judged; no Django is imported here
    from improvement.selectors.targets import ProjectTarget

# Days before this are judged as this one: no organisation reads its targets that far back.
LONG_AGO = datetime.date(2000, 1, 1)
ONE_DAY = datetime.timedelta(days=1)


@dataclass(frozen=True)
class Phase:
    """From `starts_on` to the day before `ends_on` (None: open), the project stands at
    `status`; `overdue` and `gap_points` are those of the target that decides it."""

    starts_on: datetime.date | None
    ends_on: datetime.date | None
    status: str
    overdue: bool
    gap_points: float


def target_phases(judged_on: Callable[[datetime.date], "ProjectTarget"]) -> list[Phase]:
    """The project's phases, oldest first; none for a project without a target.
    `judged_on(day)` is the project judged on that day, with no query."""
    first = judged_on(LONG_AGO)
    if not first.has_target:
        return []
    days = sorted(day for day in changes(s.judgement for s in first.standings) if day > LONG_AGO)
    phases: list[Phase] = []
    for starts_on, judged in [(None, first), *((day, judged_on(day)) for day in days)]:
        deciding = judged.deciding
        gap = (deciding.judgement.gap_points or 0.0) if deciding else 0.0
        phase = Phase(starts_on, None, judged.status, judged.overdue, gap)
        if phases and _same(phases[-1], phase):
            continue
        if phases:
            phases[-1] = _ending(phases[-1], starts_on)
        phases.append(phase)
    return phases


def changes(judgements: Iterable[rules.Judgement]) -> set[datetime.date]:
    """The days on which any of the judgements' status or overdue flag can change."""
    found: set[datetime.date] = set()
    for judgement in judgements:
        found |= _changes(judgement)
    return found


def _changes(judgement: rules.Judgement) -> set[datetime.date]:
    level, position = judgement.level, judgement.position
    if level is None or position is None or level >= judgement.target_level:
        return set()
    due_on = judgement.due_on

    def on_track(day: datetime.date) -> bool:
        status = rules.status_of(
            target_level=judgement.target_level,
            level=level,
            position=position,
            pace=judgement.pace,
            left=rules.quarters_left(today=day, due_on=due_on),
            passed=day > due_on,
        )
        return status == rules.ON_TRACK

    found = {due_on + ONE_DAY}
    low, high = LONG_AGO, due_on
    if low < high and on_track(low) != on_track(high):
        before = on_track(low)
        while high - low > ONE_DAY:  # on_track(low) == before != on_track(high)
            middle = low + (high - low) / 2
            if on_track(middle) == before:
                low = middle
            else:
                high = middle
        found.add(high)
    return found


def _same(earlier: Phase, later: Phase) -> bool:
    return (earlier.status, earlier.overdue, earlier.gap_points) == (
        later.status,
        later.overdue,
        later.gap_points,
    )


def _ending(phase: Phase, ends_on: datetime.date | None) -> Phase:
    return Phase(phase.starts_on, ends_on, phase.status, phase.overdue, phase.gap_points)
