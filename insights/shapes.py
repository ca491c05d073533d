"""The plain data the insights selectors return, and the figures and reports draw.

Frozen dataclasses and named tuples only: cheap to cache, and free of the ORM.
"""

import datetime
import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple
from urllib.parse import urlencode

from django.urls import reverse

from assessments.rules.levels import level_position
from assessments.rules.recommendations import CommonGap
from insights.review_counts import ReviewCounts
from teams.models import Project

# Stalled: below the top level with the same overall level for this many quarters (a year).
STALLED_QUARTERS = 4
LIST_LIMIT = 10
TEAM_GAPS = 5


@dataclass(frozen=True)
class Quartiles:
    low: float
    median: float
    high: float
    count: int


@dataclass(frozen=True)
class TrendPoint:
    quarter: str
    quartiles: Quartiles
    framework_version: int = 1  # of the quarter's period; levels differ between versions


@dataclass(frozen=True)
class QuarterLevels:
    """How many projects were due, assessed, and at each overall level in one quarter."""

    quarter: str
    due: int
    assessed: int
    by_level: tuple[int, int, int]  # of the results that count (see `counted`)
    framework_version: int = 1
    reviews: ReviewCounts = field(default_factory=ReviewCounts)

    @property
    def counted(self) -> int:
        """The assessed projects whose levels count: not those awaiting review when the
        organisation leaves them out (assessments.review_scope)."""
        return self.assessed - self.reviews.not_counted

    @property
    def completion_percent(self) -> int:
        return _percent(self.assessed, self.due)

    @property
    def level_1_or_more_percent(self) -> int:
        return _percent(self.by_level[1] + self.by_level[2], self.counted)

    @property
    def level_2_percent(self) -> int:
        return _percent(self.by_level[2], self.counted)


def _percent(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


@dataclass(frozen=True)
class Heatmap:
    """A grid of levels: rows (teams, projects or dimensions) by columns.

    For team rows, each cell also counts its projects: assessed in that dimension
    (`counts`), not assessed (every practice "not applicable"), and mostly not applicable.
    """

    rows: list[str]
    columns: list[str]
    values: list[list[float | None]]
    counts: list[list[int]] = field(default_factory=list)
    row_links: list[str] = field(default_factory=list)
    not_assessed: list[list[int]] = field(default_factory=list)
    mostly_not_applicable: list[list[int]] = field(default_factory=list)
    # Rows left out of a condensed grid, shown as one gap row (see `condensed`).
    hidden_rows: int = 0

    def row_means(self) -> list[float | None]:
        means = []
        for row in self.values:
            known = [value for value in row if value is not None]
            means.append(sum(known) / len(known) if known else None)
        return means

    def condensed(self, *, weakest: int, strongest: int) -> "Heatmap":
        """The first `weakest` and last `strongest` rows (rows come weakest first), with
        one empty row between them that says how many rows it stands for."""
        if len(self.rows) <= weakest + strongest + 1:
            return self
        kept = [*range(weakest), *range(len(self.rows) - strongest, len(self.rows))]
        hidden = len(self.rows) - len(kept)

        def pick(grid: list[list], gap: object) -> list[list]:
            if not grid:
                return grid
            return [
                *(grid[i] for i in kept[:weakest]),
                [gap] * len(self.columns),
                *(grid[i] for i in kept[weakest:]),
            ]

        return Heatmap(
            rows=[
                *self.rows[:weakest],
                f"⋯ {hidden} more in between ⋯",
                *self.rows[-strongest:],
            ],
            columns=self.columns,
            values=pick(self.values, None),
            counts=pick(self.counts, 0),
            row_links=[*self.row_links[:weakest], "", *self.row_links[-strongest:]]
            if self.row_links
            else [],
            not_assessed=pick(self.not_assessed, 0),
            mostly_not_applicable=pick(self.mostly_not_applicable, 0),
            hidden_rows=hidden,
        )


@dataclass(frozen=True)
class NotApplicableFlag:
    """Projects of a team whose answers mark most of a dimension "not applicable"."""

    team: str
    team_url: str
    dimension: str
    projects: int  # mostly not applicable, of which `not_assessed` wholly
    not_assessed: int


@dataclass(frozen=True)
class TeamCompletion:
    name: str
    url: str
    due: int
    assessed: int

    @property
    def completion_percent(self) -> int:
        return _percent(self.assessed, self.due)


@dataclass(frozen=True)
class ProjectChange:
    """A project's overall level and overall score now and in an earlier quarter, both
    scored with the same framework version (selectors never pair two versions)."""

    name: str
    url: str
    team_name: str
    team_url: str
    level: int
    overall_score: float
    earlier_level: int
    earlier_overall_score: float
    review: str = ""  # the later result's review status in words

    @property
    def change(self) -> float:
        return self.overall_score - self.earlier_overall_score


class PeriodChoice(NamedTuple):
    pk: int
    key: str
    opens_on: datetime.date
    framework_id: int
    framework_version: int = 1


def framework_change(earlier: int, later: int) -> str:
    """ "v1 → v2" when two quarters used different framework versions, else "". Levels and
    scores of different versions are never compared without saying so."""
    return f"v{earlier} → v{later}" if earlier != later else ""


def mixed_versions(quarters: Iterable[PeriodChoice | QuarterLevels | TrendPoint]) -> bool:
    """Quarters scored with more than one framework version."""
    return len({quarter.framework_version for quarter in quarters}) > 1


class TeamChoice(NamedTuple):
    pk: int
    slug: str
    name: str
    url: str
    unit_path: str = ""  # its unit's path ("/3/7/"), "" for a team in no unit

    @classmethod
    def of(cls, pk: int, slug: str, name: str, unit_path: str | None = "") -> "TeamChoice":
        url = reverse("portal:team_detail", kwargs={"slug": slug})
        return cls(pk, slug, name, url, unit_path or "")


# The unit filter's value for the teams in no unit: slugify never starts a slug with "_".
NO_UNIT = "_none"


class UnitChoice(NamedTuple):
    pk: int
    slug: str
    name: str
    path: str  # the ids from the top, "/3/7/": its subtree is every path starting so
    parent_id: int | None
    label: str  # the names from the top, "Data division / Platform"

    @property
    def is_no_unit(self) -> bool:
        return self.slug == NO_UNIT


# The teams in no unit, filtered on and shown as one row beside the top-level units.
NO_UNIT_CHOICE = UnitChoice(0, NO_UNIT, "No unit", "", None, "No unit")


@dataclass(frozen=True)
class DashboardChoices:
    """The quarters (newest first), teams and units the filters offer. Plain tuples: every
    view of the dashboard reads them from the cache, and tuples load fast.

    `within`: the subtrees (unit paths) the viewer reads, for a unit manager; empty for
    management, who read the whole organisation."""

    periods: list[PeriodChoice]
    teams: list[TeamChoice]
    units: list[UnitChoice] = field(default_factory=list)
    within: tuple[str, ...] = ()


@dataclass(frozen=True)
class DashboardFilters:
    period: PeriodChoice
    team: TeamChoice | None = None
    stage: str = ""
    unit: UnitChoice | None = None
    within: tuple[str, ...] = ()  # as DashboardChoices.within

    def cache_key(self) -> str:
        team, unit = self.team.pk if self.team else "", self.unit.slug if self.unit else ""
        return f"{self.period.pk}:{team}:{self.stage}:{unit}:{','.join(self.within)}"

    def query_string(self, **changes: str) -> str:
        """The filters as the address shows them, with `changes` (an empty value drops one)."""
        params = {
            "quarter": self.period.key,
            "unit": self.unit.slug if self.unit else "",
            "team": self.team.slug if self.team else "",
            "stage": self.stage,
        } | changes
        return urlencode({name: value for name, value in params.items() if value})

    @property
    def stage_label(self) -> str:
        return Project.Stage(self.stage).label if self.stage else ""


@dataclass(frozen=True)
class RollupRow:
    """A row of the roll-up: a unit with its whole subtree, the teams in no unit, or a team,
    with its figures for the chosen quarter."""

    name: str
    url: str  # a unit's row filters on it; a team's opens the team
    kind: str  # "unit", "no-unit" or "team"
    due: int
    assessed: int
    by_level: tuple[int, ...]
    median_score: float | None  # the median overall score of its assessed projects
    not_counted: int = 0  # assessed but awaiting review, left out of the levels

    @property
    def completion_percent(self) -> int:
        return _percent(self.assessed, self.due)

    @property
    def level_1_or_more_percent(self) -> int:
        return _percent(sum(self.by_level[1:]), self.assessed - self.not_counted)


@dataclass(frozen=True)
class Rollup:
    """The organisation at the current drill level: the rows are the units below the unit
    filtered on (the top-level units and "No unit" without a filter), and its teams where it
    has any directly; an organisation without units has team rows, as before units."""

    heatmap: Heatmap  # the rows with scores, weakest first
    rows: list[RollupRow]  # the rows with projects due, for the comparison, by name
    noun: str  # what the rows are: "unit", "team" or "unit or team"

    @property
    def plural(self) -> str:
        return {"unit": "units", "team": "teams"}.get(self.noun, "rows")


@dataclass(frozen=True)
class OrganisationDashboard:
    filters: DashboardFilters
    quarters: list[QuarterLevels]  # oldest first, up to the chosen quarter
    trend: list[TrendPoint]
    heatmap: Heatmap
    completion_by_team: list[TeamCompletion]
    gaps: list[CommonGap]
    movers: list[ProjectChange]
    stalled: list[ProjectChange]
    stalled_total: int
    # Projects assessed in both quarters but left out of the movers: the quarters used
    # different framework versions (see `framework_change`).
    movers_not_compared: int = 0
    # The rows at the current drill level; `heatmap` keeps one row per team (the flags and
    # the printed reports read it).
    rollup: Rollup | None = None

    @property
    def current(self) -> QuarterLevels:
        return self.quarters[-1]

    @functools.cached_property
    def not_applicable_flags(self) -> list[NotApplicableFlag]:
        """Team x dimension cells where projects mark most practices "not applicable"."""
        grid = self.heatmap
        return [
            NotApplicableFlag(
                team=team,
                team_url=grid.row_links[row] if grid.row_links else "",
                dimension=dimension,
                projects=grid.mostly_not_applicable[row][column],
                not_assessed=grid.not_assessed[row][column],
            )
            for row, team in enumerate(grid.rows)
            for column, dimension in enumerate(grid.columns)
            if grid.mostly_not_applicable and grid.mostly_not_applicable[row][column]
        ]

    @property
    def previous(self) -> QuarterLevels | None:
        return self.quarters[-2] if len(self.quarters) > 1 else None

    @property
    def framework_change(self) -> str:
        """ "v1 → v2" when the previous quarter used another framework version, else ""."""
        before = self.previous
        if before is None:
            return ""
        return framework_change(before.framework_version, self.current.framework_version)

    @property
    def framework_since(self) -> str | None:
        """The quarter the chosen quarter's framework version began in, if an earlier
        version came before it."""
        version = self.current.framework_version
        for index in range(len(self.quarters) - 1, 0, -1):
            if self.quarters[index - 1].framework_version != version:
                return self.quarters[index].quarter
        return None

    @property
    def stalled_not_judged(self) -> bool:
        """The last four quarters span two framework versions: no project can have stalled
        for a year on one, and a level is not compared across versions."""
        return mixed_versions(self.quarters[-STALLED_QUARTERS:])

    @property
    def changes(self) -> dict[str, int]:
        """Changes since the previous quarter: projects assessed, and percentage points.
        Across a change of framework version only the counts: levels are not compared."""
        now, before = self.current, self.previous
        if before is None:
            return {}
        changes = {
            "assessed": now.assessed - before.assessed,
            "completion": now.completion_percent - before.completion_percent,
        }
        if self.framework_change:
            return changes
        return changes | {
            "level_1_or_more": now.level_1_or_more_percent - before.level_1_or_more_percent,
            "level_2": now.level_2_percent - before.level_2_percent,
        }


@dataclass(frozen=True)
class DimensionPoint:
    key: str
    name: str
    level: int | None  # None: not assessed
    progress: int | None
    score: float | None

    @property
    def position(self) -> float | None:
        """Level plus progress (see levels.level_position): what level-coloured charts show."""
        return level_position(self.level, self.progress)


@dataclass(frozen=True)
class QuarterScores:
    quarter: str
    overall_level: int | None
    overall_score: float | None
    dimensions: list[DimensionPoint]
    framework_version: int = 1
