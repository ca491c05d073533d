"""What the printed report shows per unit: plain frozen data, and the sums it is added up
from (`reports.rollup` reads them from the database and adds them up the unit tree)."""

from dataclasses import dataclass, field

from assessments.rules.levels import LEVELS
from assessments.rules.recommendations import CommonGap

UNIT, TEAM = "unit", "team"


def percent(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


def level_class(mean: float | None) -> str:
    """The colour of a mean level, as the heatmaps colour it: by the level it has reached."""
    if mean is None:
        return "none"
    return "l2" if mean >= 2 else "l1" if mean >= 1 else "l0"


def short_name(name: str) -> str:
    """A dimension's name in a narrow column: its first word ("Training pipeline and
    continuous training" -> "Training")."""
    return name.split()[0].rstrip(",") if name else name


# --- Sums: what adds up from teams to units to the organisation --------------------------------


@dataclass
class CountSums:
    """Assessments of a quarter: due, submitted, counted in the levels (the review policy),
    at each overall level, and against their overall target."""

    due: int = 0
    assessed: int = 0
    counted: int = 0
    by_level: list[int] = field(default_factory=lambda: [0] * len(LEVELS))
    with_target: int = 0  # counted, with an overall target
    below_target: int = 0  # of those, below it

    def add(self, other: "CountSums") -> None:
        self.due += other.due
        self.assessed += other.assessed
        self.counted += other.counted
        self.with_target += other.with_target
        self.below_target += other.below_target
        self.by_level = [
            mine + theirs for mine, theirs in zip(self.by_level, other.by_level, strict=True)
        ]


@dataclass
class DimensionSums:
    """Dimension scores of a quarter in one dimension: levels, and against the targets."""

    level_sum: int = 0
    levels: int = 0  # projects assessed in the dimension
    targeted: int = 0  # of those, projects with a target for it
    target_sum: int = 0
    targeted_level_sum: int = 0
    below: int = 0  # projects below their target in it

    def add(self, other: "DimensionSums") -> None:
        self.level_sum += other.level_sum
        self.levels += other.levels
        self.targeted += other.targeted
        self.target_sum += other.target_sum
        self.targeted_level_sum += other.targeted_level_sum
        self.below += other.below

    @property
    def mean_level(self) -> float | None:
        return self.level_sum / self.levels if self.levels else None


# --- What the report shows -------------------------------------------------------------------


@dataclass(frozen=True)
class Completion:
    due: int
    assessed: int
    counted: int
    by_level: tuple[int, ...]
    with_target: int = 0
    below_target: int = 0

    @classmethod
    def of(cls, sums: CountSums) -> "Completion":
        return cls(
            due=sums.due,
            assessed=sums.assessed,
            counted=sums.counted,
            by_level=tuple(sums.by_level),
            with_target=sums.with_target,
            below_target=sums.below_target,
        )

    @property
    def completion_percent(self) -> int:
        return percent(self.assessed, self.due)

    @property
    def level_1_or_more_percent(self) -> int:
        return percent(sum(self.by_level[1:]), self.counted)

    @property
    def level_2_percent(self) -> int:
        return percent(self.by_level[-1], self.counted)


@dataclass(frozen=True)
class DimensionStanding:
    """A dimension of a unit in the quarter: the mean level of its assessed projects, their
    mean target, how far short of it they are on average, and the change since last quarter."""

    key: str
    name: str
    mean_level: float | None
    projects: int
    target: float | None  # the mean target of the projects with one
    gap: float | None  # that target minus the mean level of the same projects
    below_target: int
    with_target: int
    change: float | None  # since the previous quarter, None across framework versions

    @classmethod
    def of(
        cls, key: str, name: str, now: DimensionSums, before: DimensionSums | None
    ) -> "DimensionStanding":
        targeted = now.targeted
        previous = before.mean_level if before is not None else None
        return cls(
            key=key,
            name=name,
            mean_level=now.mean_level,
            projects=now.levels,
            target=now.target_sum / targeted if targeted else None,
            gap=(now.target_sum - now.targeted_level_sum) / targeted if targeted else None,
            below_target=now.below,
            with_target=targeted,
            change=now.mean_level - previous
            if now.mean_level is not None and previous is not None
            else None,
        )

    @property
    def below_target_percent(self) -> int:
        return percent(self.below_target, self.with_target)

    @property
    def short_name(self) -> str:
        return short_name(self.name)

    @property
    def level_class(self) -> str:
        return level_class(self.mean_level)


@dataclass(frozen=True)
class Line:
    """A row of a unit's table: a unit below it (with its whole subtree) or one of its teams."""

    name: str
    kind: str  # UNIT or TEAM
    teams: int
    figures: Completion
    mean_level: float | None  # over every dimension of its assessed projects
    weakest: str  # the name of its dimension with the lowest mean level

    @property
    def level_class(self) -> str:
        return level_class(self.mean_level)


@dataclass(frozen=True)
class UnitSection:
    """A unit with its whole subtree (or the organisation) in the quarter."""

    name: str
    parent_label: str  # the units above it, below the report's scope: "Retail division"
    depth: int  # 0 for the units right below the report's scope
    teams: int  # with projects due in the quarter
    figures: Completion
    previous: Completion | None  # the previous quarter, on the same framework version
    dimensions: list[DimensionStanding]
    mean_level: float | None
    mean_level_change: float | None
    next_steps: list[CommonGap]
    lines: list[Line]  # weakest first: all, or the weakest when there are many
    strongest: list[Line] = field(default_factory=list)  # then the strongest, after a gap
    lines_hidden: int = 0  # left out between them

    @property
    def level_class(self) -> str:
        return level_class(self.mean_level)

    @property
    def weakest(self) -> list[DimensionStanding]:
        """Its two dimensions with the lowest mean level."""
        assessed = [d for d in self.dimensions if d.mean_level is not None]
        return sorted(assessed, key=lambda d: d.mean_level)[:2]  # type: ignore[arg-type, return-value]

    @property
    def lists_units(self) -> bool:
        """Its table has units (below it) as well as teams."""
        return any(line.kind == UNIT for line in (*self.lines, *self.strongest))

    @property
    def common_target(self) -> float | None:
        """The mean target when every dimension with targets has the same one (to two
        decimals), as under a policy by stage without dimension targets; else None."""
        targets = {round(d.target, 2) for d in self.dimensions if d.target is not None}
        return targets.pop() if len(targets) == 1 else None

    @property
    def level_1_change(self) -> int | None:
        """Percentage points at level 1 or 2 since the previous quarter."""
        if self.previous is None or not self.previous.counted:
            return None
        return self.figures.level_1_or_more_percent - self.previous.level_1_or_more_percent


@dataclass(frozen=True)
class UnitRollup:
    """The report's scope as a whole, then every unit below it with projects due, in tree
    order (parents before their children)."""

    scope: UnitSection
    sections: list[UnitSection]
    columns: list[tuple[str, str]]  # the quarter's dimensions (key, name), in framework order
    previous_quarter: str = ""  # compared with, on the same framework version; "" if none
    framework_change: str = ""  # "v1 → v2" when the previous quarter used another version

    @property
    def column_labels(self) -> list[tuple[str, str]]:
        """(short name, name) of each dimension, for narrow columns and their key."""
        return [(short_name(name), name) for _, name in self.columns]
