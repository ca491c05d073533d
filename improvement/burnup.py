"""An initiative's arithmetic: pure Python, no Django, no database.

The definitions, once (the initiative page says each in a sentence):

1. Current answer. A project's current answer to a practice comes from its most recent
   assessment: the open draft, or the latest submission. While that draft has no answer
   to the practice yet, the previous submitted assessment's answer stands (`current_answers`).
2. In place. A practice is in place when its current answer is "yes" (fully in place).
3. Counted. A practice counts for a project unless the project answered it "not
   applicable" or its profile is not asked it. A project is complete when every practice
   of the initiative that counts for it is in place and at least one counts; a project
   for which none counts drops out of the count (`project_progress`).
4. Burn-up. Each week's point is the share of the counted projects that are complete.
5. On pace. A straight line from the first recorded point (0 % at the start date before
   any) to 100 % at the target date (`on_pace_percent`); a team is behind when its share of
   complete projects is below the on-pace share for today (`is_behind`).
"""

import datetime
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from assessments.rules.levels import NOT_APPLICABLE, YES

# Two floats within this many percentage points are equal: a team exactly on the line is
# on pace, whatever the rounding of a division.
EPSILON = 1e-9


@dataclass(frozen=True)
class ProjectProgress:
    """Where one project stands on an initiative's practices."""

    counted: tuple[str, ...]  # the practices that count for it, in the initiative's order
    in_place: tuple[str, ...]  # those answered "yes"
    not_applicable: tuple[str, ...] = ()  # answered "not applicable"

    @property
    def applicable(self) -> bool:
        return bool(self.counted)

    @property
    def complete(self) -> bool:
        return self.applicable and len(self.in_place) == len(self.counted)


def current_answers(
    *,
    latest: Mapping[str, str],
    latest_is_draft: bool,
    previous: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Each practice's current answer (definition 1): the latest assessment's, and for a
    draft, the previous submission's where the draft has none yet. `previous` is the
    submitted assessment before the draft (None when there is none)."""
    if not latest_is_draft or not previous:
        return {key: value for key, value in latest.items() if value}
    answers = {key: value for key, value in previous.items() if value}
    answers.update({key: value for key, value in latest.items() if value})
    return answers


def project_progress(
    *, practice_keys: Sequence[str], answers: Mapping[str, str], asked: Collection[str]
) -> ProjectProgress:
    """Definitions 2 and 3 for one project: `asked` holds the practices its profile is asked."""
    keys = list(dict.fromkeys(practice_keys))
    not_applicable = tuple(k for k in keys if k in asked and answers.get(k) == NOT_APPLICABLE)
    counted = tuple(k for k in keys if k in asked and k not in not_applicable)
    return ProjectProgress(
        counted=counted,
        in_place=tuple(key for key in counted if answers.get(key) == YES),
        not_applicable=not_applicable,
    )


def percent(part: int, whole: int) -> float | None:
    """`part` of `whole` in percent; None when there is nothing to count."""
    if whole <= 0:
        return None
    return 100.0 * part / whole


def week_start(day: datetime.date) -> datetime.date:
    """The Monday of `day`'s week: the date a burn-up point is recorded under."""
    return day - datetime.timedelta(days=day.weekday())


def pace_start(
    *, points: Sequence[tuple[datetime.date, float]], starts_on: datetime.date
) -> tuple[datetime.date, float]:
    """Where the on-pace line starts: the first recorded point, or 0 % at the start date."""
    if points:
        return min(points, key=lambda point: point[0])
    return starts_on, 0.0


def on_pace_percent(
    *,
    start: datetime.date,
    start_percent: float,
    target: datetime.date,
    day: datetime.date,
) -> float:
    """The on-pace share on `day` (definition 5): `start_percent` up to `start`, 100 from the
    target date on, and the straight line between."""
    start_percent = min(max(start_percent, 0.0), 100.0)
    if day >= target:
        return 100.0
    if day <= start:
        return start_percent
    elapsed = (day - start).days / (target - start).days
    return start_percent + (100.0 - start_percent) * elapsed


def is_behind(*, share: float | None, on_pace: float) -> bool:
    """Behind: below the on-pace share. Nothing to count (None) is never behind."""
    return share is not None and share < on_pace - EPSILON


def gap(*, share: float | None, on_pace: float) -> float:
    """How many percentage points below the on-pace share (0 when at or above it)."""
    if share is None:
        return 0.0
    return max(on_pace - share, 0.0)


def week_number(*, starts_on: datetime.date, day: datetime.date) -> int:
    """Which week of the initiative `day` falls in: week 1 holds the start date."""
    return (week_start(day) - week_start(starts_on)).days // 7 + 1
