"""The printed report by unit: the organisation (or a unit) as a whole, then every unit
below it, from the stored scores grouped in SQL.

Five queries whatever the size of the organisation; the unit tree and the teams come from
the dashboards' cached choices:

1. the organisation's target rules (a handful of rows);
2. the assessments per quarter and team: due, submitted, at each overall level, and
   below their overall target;
3. the dimension scores per quarter, team and dimension: the sum and count of the levels,
   and against each project's target for the dimension;
4. the practice gaps per unit and practice in the quarter;
5. the framework's practices, to rank the gaps into next steps.

The quarters are the report's and, on the same framework version, the one before. The
database returns a row per team (and dimension) or per unit (and practice), never one per
assessment (reports.rollup_reads, which also says what a dimension's target is); Python
adds the teams' sums up the unit tree.
"""

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from assessments.review_scope import ReviewScope
from assessments.rules import scoring
from assessments.rules.recommendations import rank_common_gaps
from insights.page_figures import STRONGEST_ROWS, WEAKEST_ROWS
from insights.shapes import (
    NO_UNIT_CHOICE,
    DashboardChoices,
    PeriodChoice,
    TeamChoice,
    UnitChoice,
    framework_change,
)
from reports import rollup_reads as reads
from reports.rollup_shapes import (
    TEAM,
    UNIT,
    Completion,
    CountSums,
    DimensionStanding,
    DimensionSums,
    Line,
    UnitRollup,
    UnitSection,
)


@dataclass(frozen=True)
class _Shown:
    """How much a section shows: every unit and team right below it up to `lines`, else the
    `weakest` and the `strongest` (weakest first); and its first `steps` next steps."""

    lines: int
    weakest: int
    strongest: int
    steps: int


# A unit's section is short; the report's scope, without units below it, lists its teams as
# the dashboard does (insights.page_figures).
SECTION = _Shown(lines=7, weakest=3, strongest=2, steps=3)
SCOPE = _Shown(
    lines=WEAKEST_ROWS + STRONGEST_ROWS + 1, weakest=WEAKEST_ROWS, strongest=STRONGEST_ROWS, steps=5
)


def unit_rollup(
    *,
    period: PeriodChoice,
    unit: UnitChoice | None,
    choices: DashboardChoices,
    rule: ReviewScope,
) -> UnitRollup:
    """The report's scope (the organisation, or `unit` with its subtree) in `period`, and
    each unit below it with projects due (five queries)."""
    previous = _previous(period, choices.periods)
    change = (
        framework_change(previous.framework_version, period.framework_version) if previous else ""
    )
    compared = previous if previous is not None and not change else None
    quarters = [period.pk] + ([compared.pk] if compared else [])
    rules = reads.target_rules()
    path = unit.path if unit is not None and not unit.is_no_unit else ""
    counts = reads.team_counts(quarters, rules, rule, path)
    columns, dimensions = reads.dimension_sums(quarters, rules, rule, path, current=period.pk)
    gaps = reads.unit_gaps(period, rule, path)
    practices = reads.framework_practices(period)

    root = _tree(choices, unit)
    teams = {team.pk: team for team in choices.teams}
    adder = _Adder(period.pk, compared.pk if compared else None, counts, dimensions, gaps)
    totals = adder.totals(root)
    build = _Builder(columns, totals, practices, adder, teams, compared is not None)
    sections = [
        build.section(node, depth, SECTION)
        for node, depth in _walk(root.children, 0)
        if totals[id(node)].now.due
    ]
    return UnitRollup(
        scope=build.section(root, -1, SCOPE),
        sections=sections,
        columns=columns,
        previous_quarter=compared.key if compared else "",
        framework_change=change,
    )


def _previous(period: PeriodChoice, periods: Sequence[PeriodChoice]) -> PeriodChoice | None:
    earlier = [p for p in periods if p.opens_on < period.opens_on]
    return max(earlier, key=lambda p: p.opens_on) if earlier else None


# --- The tree and its sums --------------------------------------------------------------------


@dataclass
class _Node:
    name: str
    above: tuple[str, ...]  # the names of the units above it, below the report's scope
    team_ids: list[int]
    gap_keys: tuple[int | None, ...]  # the units whose practice gaps are its own
    children: list["_Node"] = field(default_factory=list)


def _tree(choices: DashboardChoices, scope: UnitChoice | None) -> _Node:
    """The scope's unit tree, children by name. The organisation holds its top-level units
    and, beside them, the teams in no unit (or every team, without units)."""
    pk_of_path = {unit.path: unit.pk for unit in choices.units}
    teams: dict[int | None, list[int]] = defaultdict(list)
    for team in choices.teams:
        teams[pk_of_path.get(team.unit_path)].append(team.pk)
    children: dict[int | None, list[UnitChoice]] = defaultdict(list)
    for unit in sorted(choices.units, key=lambda unit: _natural(unit.name)):
        children[unit.parent_id].append(unit)

    def node(unit: UnitChoice, above: tuple[str, ...]) -> _Node:
        below = () if scope is not None and unit.pk == scope.pk else (*above, unit.name)
        return _Node(
            name=unit.name,
            above=above,
            team_ids=teams[unit.pk],
            gap_keys=(unit.pk,),
            children=[node(child, below) for child in children[unit.pk]],
        )

    if scope is not None and scope.is_no_unit:
        return _Node(scope.name, (), teams[None], (None,))
    if scope is not None:
        return node(scope, ())
    if not choices.units:
        return _Node("The organisation", (), teams[None], (None,))
    tops = [node(unit, ()) for unit in children[None]]
    if teams[None]:
        tops.append(_Node(NO_UNIT_CHOICE.name, (), teams[None], (None,)))
    return _Node("The organisation", (), [], (), tops)


def _natural(name: str) -> tuple:
    """Names in reading order: "Department 2" before "Department 10"."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name.lower()))


def _walk(nodes: Iterable[_Node], depth: int) -> Iterable[tuple[_Node, int]]:
    for node in nodes:
        yield node, depth
        yield from _walk(node.children, depth + 1)


@dataclass
class _Totals:
    now: CountSums = field(default_factory=CountSums)
    before: CountSums = field(default_factory=CountSums)
    dimensions: dict[str, DimensionSums] = field(default_factory=lambda: defaultdict(DimensionSums))
    dimensions_before: dict[str, DimensionSums] = field(
        default_factory=lambda: defaultdict(DimensionSums)
    )
    gaps: Counter = field(default_factory=Counter)
    teams: int = 0  # with projects due

    def add(self, other: "_Totals") -> None:
        self.now.add(other.now)
        self.before.add(other.before)
        for mine, theirs in (
            (self.dimensions, other.dimensions),
            (self.dimensions_before, other.dimensions_before),
        ):
            for key, sums in theirs.items():
                mine[key].add(sums)
        self.gaps.update(other.gaps)
        self.teams += other.teams


class _Adder:
    """Each team's figures, and each node's: its teams' and its children's, added up."""

    def __init__(
        self,
        period: int,
        previous: int | None,
        counts: Mapping[tuple[int, int], CountSums],
        dimensions: Mapping[tuple[int, int], Mapping[str, DimensionSums]],
        gaps: Mapping[int | None, Counter],
    ) -> None:
        self.period, self.previous = period, previous
        self.counts, self.dimensions, self.gaps = counts, dimensions, gaps

    def team(self, team_id: int) -> _Totals:
        totals = _Totals()  # a copy: a node's totals are added to, the read sums stay as read
        totals.add(
            _Totals(
                now=self.counts.get((self.period, team_id)) or CountSums(),
                before=self.counts.get((self.previous or 0, team_id)) or CountSums(),
                dimensions=dict(self.dimensions.get((self.period, team_id), {})),
                dimensions_before=dict(self.dimensions.get((self.previous or 0, team_id), {})),
            )
        )
        totals.teams = int(bool(totals.now.due))
        return totals

    def totals(self, root: _Node) -> dict[int, _Totals]:
        """id(node) -> its totals, for `root` and every node below it."""
        found: dict[int, _Totals] = {}

        def visit(node: _Node) -> _Totals:
            totals = _Totals()
            for team_id in node.team_ids:
                totals.add(self.team(team_id))
            for child in node.children:
                totals.add(visit(child))
            for key in node.gap_keys:
                totals.gaps.update(self.gaps.get(key, Counter()))
            found[id(node)] = totals
            return totals

        visit(root)
        return found


def _mean(sums: Mapping[str, DimensionSums]) -> float | None:
    levels = sum(s.levels for s in sums.values())
    return sum(s.level_sum for s in sums.values()) / levels if levels else None


class _Builder:
    """Sections and table lines from the totals."""

    def __init__(
        self,
        columns: list[tuple[str, str]],
        totals: Mapping[int, _Totals],
        practices: list[scoring.Practice],
        adder: _Adder,
        teams: Mapping[int, TeamChoice],
        compared: bool,
    ) -> None:
        self.columns, self.totals, self.practices = columns, totals, practices
        self.adder, self.teams, self.compared = adder, teams, compared

    def section(self, node: _Node, depth: int, shown: _Shown) -> UnitSection:
        totals = self.totals[id(node)]
        before = totals.dimensions_before if self.compared else {}
        mean, mean_before = _mean(totals.dimensions), _mean(before)
        lines = sorted(self._lines(node), key=_weakest_first)
        weakest, strongest, hidden = lines, [], 0
        if len(lines) > shown.lines:
            weakest, strongest = lines[: shown.weakest], lines[-shown.strongest :]
            hidden = len(lines) - shown.weakest - shown.strongest
        return UnitSection(
            name=node.name,
            parent_label=" / ".join(node.above),
            depth=depth,
            teams=totals.teams,
            figures=Completion.of(totals.now),
            previous=Completion.of(totals.before) if self.compared and totals.before.due else None,
            dimensions=[
                DimensionStanding.of(
                    key, name, totals.dimensions.get(key) or DimensionSums(), before.get(key)
                )
                for key, name in self.columns
            ],
            mean_level=mean,
            mean_level_change=mean - mean_before
            if mean is not None and mean_before is not None
            else None,
            next_steps=rank_common_gaps(
                held_back_counts=totals.gaps,
                project_count=totals.now.counted,
                practices=self.practices,
                limit=shown.steps,
            ),
            lines=weakest,
            strongest=strongest,
            lines_hidden=hidden,
        )

    def _lines(self, node: _Node) -> Iterable[Line]:
        for child in node.children:
            totals = self.totals[id(child)]
            if totals.now.due:
                yield self._line(child.name, UNIT, totals)
        for team_id in node.team_ids:
            totals = self.adder.team(team_id)
            if totals.now.due:
                yield self._line(self.teams[team_id].name, TEAM, totals)

    def _line(self, name: str, kind: str, totals: _Totals) -> Line:
        names = dict(self.columns)
        assessed = [
            (s.mean_level, names.get(key, key)) for key, s in totals.dimensions.items() if s.levels
        ]
        return Line(
            name=name,
            kind=kind,
            teams=totals.teams,
            figures=Completion.of(totals.now),
            mean_level=_mean(totals.dimensions),
            weakest=min(assessed)[1] if assessed else "",
        )


def _weakest_first(line: Line) -> tuple[bool, float, str]:
    """Nothing submitted first (its table says 0 assessed), then by mean level."""
    return (line.mean_level is not None, line.mean_level or 0.0, line.name.lower())
