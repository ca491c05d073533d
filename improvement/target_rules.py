"""Targets: which target applies to a project, and whether the project is on track for it.
Pure Python, no Django: the selectors feed it plain values read from the database.

1. Which target applies, for the overall level and for each dimension separately: the
   project's own override, else its team's, else the organisation's rule for the project's
   stage; with none of the three the project has no target. A dimension has a target only
   where a rule or an override names that dimension.
2. Where the project stands: its latest *submitted* assessment. Its level is the stored
   level; its position is the level plus the progress towards the next level
   (`levels.level_position`: 1.45 is level 1, 45 % of the way to level 2), the overall
   position the lowest of its dimensions' positions. The position, not the stored score,
   is what rises towards a target: under scoring rule 2 the score measures coverage, and a
   dimension can score 1.8 at level 0, so "score + pace >= target level" would call a
   project on track that has not moved. Under rule 1 a dimension's score is its position.
3. Met: the level is at or above the target level.
   No assessment: never submitted (or, for a dimension, not assessed in the latest one).
   Pace: how much the position rose per quarter, from the earliest submitted assessment
   among the project's last four on the latest one's framework version to the latest (0
   without such an earlier one). Positions of two framework versions are never compared.
   Quarters between two periods: the months between their opening days, over three.
   Quarters left: from today to the due date, fractional; 0 once the date has passed.
   On track: position + pace x quarters left reaches the target level, and the due date
   has not passed. Otherwise behind; behind with the due date passed is *overdue*.
4. The gap: target level - level, in levels; target level - position, in points.
5. A project with several targets (overall and dimensions) stands at the worst of the ones
   judged: behind < on track < met.
"""

import datetime
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Final

MET: Final = "met"
ON_TRACK: Final = "on_track"
BEHIND: Final = "behind"
NO_ASSESSMENT: Final = "no_assessment"
NO_TARGET: Final = "no_target"
STATUS_LABELS: Final = {
    MET: "met",
    ON_TRACK: "on track",
    BEHIND: "behind",
    NO_ASSESSMENT: "no assessment",
    NO_TARGET: "no target",
}
# Worst first: a project with several targets stands at the worst it is judged on.
RANK: Final = {BEHIND: 0, ON_TRACK: 1, MET: 2}

ORGANISATION: Final = "organisation"
TEAM: Final = "team"
PROJECT: Final = "project"

DAYS_PER_QUARTER: Final = 365.25 / 4
# Beyond this a projection says "not within ten years" rather than a quarter in 2061.
HORIZON_QUARTERS: Final = 40


@dataclass(frozen=True)
class Target:
    """A target level by a date, and where it comes from (ORGANISATION, TEAM or PROJECT)."""

    level: int
    due_on: datetime.date
    source: str = ORGANISATION
    reason: str = ""  # an override's reason
    set_by: str = ""
    set_at: datetime.datetime | None = None


def applicable(
    *, project: Target | None, team: Target | None, organisation: Target | None
) -> Target | None:
    """The project's override, else its team's, else the organisation's rule (rule 1)."""
    return project or team or organisation


@dataclass(frozen=True)
class Reading:
    """One submitted assessment as targets read it: its quarter, level and position."""

    quarter: str
    opens_on: datetime.date
    level: int
    position: float


@dataclass(frozen=True)
class Judgement:
    status: str
    target_level: int
    due_on: datetime.date
    level: int | None = None
    position: float | None = None
    quarter: str = ""  # of the latest submitted assessment
    pace: float = 0.0  # points a quarter
    since: str = ""  # the quarter the pace runs from; "" without one
    quarters_left: float = 0.0
    overdue: bool = False
    missing: str = ""  # why there is no reading, when there is none
    # The day judged on: the explanation, written only when shown (a dashboard judges every
    # project but explains the few it lists), reads the projection from it.
    today: datetime.date | None = field(default=None, compare=False, repr=False)

    @cached_property
    def explanation(self) -> str:
        """One sentence: why the status is what it is."""
        if self.status == NO_ASSESSMENT or self.today is None:
            return self.missing
        return explanation(self, today=self.today)

    @property
    def label(self) -> str:
        return "overdue" if self.overdue else STATUS_LABELS[self.status]

    @property
    def gap_levels(self) -> int | None:
        return None if self.level is None else max(self.target_level - self.level, 0)

    @property
    def gap_points(self) -> float | None:
        return None if self.position is None else max(self.target_level - self.position, 0.0)


def quarter_of(day: datetime.date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def day_text(day: datetime.date) -> str:
    """As pages show dates ("j M Y"): 30 Jun 2027."""
    return f"{day.day} {day:%b} {day.year}"


def quarters_between(start: datetime.date, end: datetime.date) -> float:
    """Months from `start` to `end` over three: 1 Jan to 1 Apr is exactly one quarter."""
    months = (end.year - start.year) * 12 + end.month - start.month
    return (months + (end.day - start.day) / (DAYS_PER_QUARTER / 3)) / 3


def quarters_left(*, today: datetime.date, due_on: datetime.date) -> float:
    return max(quarters_between(today, due_on), 0.0) if due_on > today else 0.0


def pace(*, latest: Reading, earliest: Reading | None) -> float:
    """The rise of the position per quarter from `earliest` to `latest` (0 without one)."""
    if earliest is None or earliest.opens_on >= latest.opens_on:
        return 0.0
    return (latest.position - earliest.position) / quarters_between(
        earliest.opens_on, latest.opens_on
    )


def status_of(
    *, target_level: int, level: int, position: float, pace: float, left: float, passed: bool
) -> str:
    """Met, on track or behind (rule 3), for a project with a submitted assessment."""
    if level >= target_level:
        return MET
    if not passed and position + pace * left >= target_level:
        return ON_TRACK
    return BEHIND


def judge(
    *,
    target: Target,
    latest: Reading | None,
    earliest: Reading | None,
    today: datetime.date,
    missing: str = "No submitted assessment yet.",
) -> Judgement:
    """How a project stands against `target` today; `missing` explains a missing reading."""
    if latest is None:
        return Judgement(NO_ASSESSMENT, target.level, target.due_on, missing=missing)
    rise = pace(latest=latest, earliest=earliest)
    left = quarters_left(today=today, due_on=target.due_on)
    passed = today > target.due_on
    status = status_of(
        target_level=target.level,
        level=latest.level,
        position=latest.position,
        pace=rise,
        left=left,
        passed=passed,
    )
    return Judgement(
        status=status,
        target_level=target.level,
        due_on=target.due_on,
        level=latest.level,
        position=latest.position,
        quarter=latest.quarter,
        pace=rise,
        since=earliest.quarter if earliest and earliest.opens_on < latest.opens_on else "",
        quarters_left=left,
        overdue=status == BEHIND and passed,
        today=today,
    )


def reaches_in(judgement: Judgement) -> float | None:
    """Quarters from today until the position reaches the target level at the present
    pace; None when it never does (no rise) or already has."""
    if judgement.position is None or judgement.pace <= 0:
        return None
    needed = judgement.target_level - judgement.position
    return needed / judgement.pace if needed > 0 else None


def explanation(judgement: Judgement, *, today: datetime.date) -> str:
    """One sentence: why the status is what it is."""
    j, level = judgement, judgement.target_level
    due = day_text(j.due_on)
    if j.status == MET:
        return f"Level {j.level} in {j.quarter}: the target, level {level} by {due}, is met."
    if j.overdue:
        return f"Overdue: level {level} was due by {due}; {j.quarter} left it at level {j.level}."
    rate = f"At {j.pace:+.2f} a quarter since {j.since}"
    if not j.since:
        needed = f"{(j.gap_points or 0):.2f}"
        return (
            f"One assessment so far on its framework version ({j.quarter}), so no pace yet: "
            f"level {level} by {due} needs +{needed}."
        )
    quarters = reaches_in(j)
    if quarters is None:
        trend = "No rise" if j.pace == 0 else f"Down {-j.pace:.2f} a quarter"
        return f"{trend} since {j.since}: at this pace it does not reach level {level}."
    if quarters > HORIZON_QUARTERS:
        return f"{rate} it would not reach level {level} within ten years."
    when = quarter_of(today + datetime.timedelta(days=math.ceil(quarters * DAYS_PER_QUARTER)))
    if j.status == ON_TRACK:
        return f"{rate} it reaches level {level} by {when}, before {due}."
    return f"{rate} it reaches level {level} around {when}: after {due}."


def worst(statuses: Iterable[str]) -> str | None:
    """The worst of the judged statuses (behind < on track < met); None if none judged."""
    judged = [status for status in statuses if status in RANK]
    return min(judged, key=RANK.__getitem__) if judged else None


def overall_status(*, has_target: bool, statuses: Iterable[str]) -> str:
    """A project's one status: the worst judged target, else no assessment or no target."""
    if not has_target:
        return NO_TARGET
    return worst(statuses) or NO_ASSESSMENT
