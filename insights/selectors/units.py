"""The organisation by unit: which units a viewer reads, the rows at the current drill
level, and each row's roll-up of the teams' figures.

A row is a unit with its whole subtree, the teams in no unit, or a team. The heatmap and
the counts are summed from the per-team aggregates the dashboard already reads; only the
median overall score needs a query of its own, grouped by the same rows in SQL.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, F, IntegerField, Value, When
from django.http import Http404
from django.urls import reverse

from assessments.models import Assessment
from assessments.review_scope import ReviewScope
from assessments.rules.levels import LEVELS
from insights.selectors import quarters
from insights.selectors.common import SUBMITTED, dimension_columns, quartiles_by, scope_q
from insights.shapes import (
    NO_UNIT_CHOICE,
    DashboardChoices,
    DashboardFilters,
    Heatmap,
    Rollup,
    RollupRow,
    TeamChoice,
    UnitChoice,
)

UNIT, NO_UNIT_ROW, TEAM = "unit", "no-unit", "team"

# A team's cells, keyed (team id, dimension key): mean_level, projects (assessed in the
# dimension), not_assessed, mostly_na, and the dimension's name and order.
type TeamCells = Mapping[tuple[int, str], Mapping[str, Any]]


# --- Who reads which units --------------------------------------------------------------------


def top_most(paths: Iterable[str]) -> tuple[str, ...]:
    """The paths not below another of `paths`: a manager of a unit and of a unit inside it
    reads the outer unit's subtree once."""
    unique = sorted(set(paths))
    return tuple(
        path for path in unique if not any(path.startswith(p) for p in unique if p != path)
    )


def choices_within(choices: DashboardChoices, within: tuple[str, ...]) -> DashboardChoices:
    """The choices inside the subtrees `within` (a unit manager's units)."""

    def inside(path: str) -> bool:
        return any(path.startswith(top) for top in within) if path else False

    return DashboardChoices(
        periods=choices.periods,
        teams=[team for team in choices.teams if inside(team.unit_path)],
        units=[unit for unit in choices.units if inside(unit.path)],
        within=within,
    )


def require_visible(asked: Mapping[str, str], *, every: DashboardChoices, mine: DashboardChoices):
    """A unit or team the address names that exists but lies outside the viewer's units
    answers 404, as a team page outside them does; an unknown name falls back to the default."""
    unit, team = asked.get("unit", ""), asked.get("team", "")
    known_units = {NO_UNIT_CHOICE.slug} | {u.slug for u in every.units}
    if unit in known_units - {u.slug for u in mine.units}:
        raise Http404("No such unit among yours.")
    if team in {t.slug for t in every.teams} - {t.slug for t in mine.teams}:
        raise Http404("No such team among your units.")


def keeps(filters: DashboardFilters, team: TeamChoice) -> bool:
    """Whether the unit filters keep `team`, as common.scope_q keeps its records."""
    path = team.unit_path
    if filters.within and not any(path.startswith(top) for top in filters.within if path):
        return False
    if filters.unit is not None and filters.unit.is_no_unit:
        return not path
    return filters.unit is None or path.startswith(filters.unit.path)


# --- The drill level --------------------------------------------------------------------------


@dataclass(frozen=True)
class DrillRow:
    key: int  # minus the unit's pk, 0 for the teams in no unit, or the team's pk
    kind: str  # UNIT, NO_UNIT_ROW or TEAM
    name: str
    url: str
    path: str = ""  # a unit row's subtree

    def holds(self, team: TeamChoice) -> bool:
        if self.kind == UNIT:
            return team.unit_path.startswith(self.path)
        if self.kind == NO_UNIT_ROW:
            return not team.unit_path
        return team.pk == self.key


def default_unit(choices: DashboardChoices) -> UnitChoice | None:
    """The unit filter when the address names none: a manager of one unit reads that unit,
    anyone else the top of what they read."""
    if len(choices.within) != 1:
        return None
    return next((unit for unit in choices.units if unit.path == choices.within[0]), None)


def drill_rows(filters: DashboardFilters, choices: DashboardChoices) -> list[DrillRow]:
    """The rows at the current drill level: the children of the unit filtered on, else the
    top of what the viewer reads (no query: the choices hold the tree)."""
    parent = filters.unit

    def unit_row(unit: UnitChoice) -> DrillRow:
        kind = NO_UNIT_ROW if unit.is_no_unit else UNIT
        url = _drill_url(filters, unit.slug)
        return DrillRow(key=-unit.pk, kind=kind, name=unit.name, url=url, path=unit.path)

    if parent is None and not choices.units:
        return team_rows(choices.teams)  # an organisation without units, as before units
    if parent is None and choices.within:
        return [unit_row(unit) for unit in choices.units if unit.path in choices.within]
    if parent is None:
        tops = [unit_row(unit) for unit in choices.units if unit.parent_id is None]
        return [*tops, unit_row(NO_UNIT_CHOICE)]
    if parent.is_no_unit:
        return team_rows(team for team in choices.teams if not team.unit_path)
    children = [unit_row(unit) for unit in choices.units if unit.parent_id == parent.pk]
    return children + team_rows(team for team in choices.teams if team.unit_path == parent.path)


def team_rows(teams: Iterable[TeamChoice]) -> list[DrillRow]:
    return [DrillRow(key=team.pk, kind=TEAM, name=team.name, url=team.url) for team in teams]


def breadcrumb(filters: DashboardFilters, choices: DashboardChoices) -> list[tuple[str, str]]:
    """(name, address) from the top of what the viewer reads down to the unit filtered on."""
    # A manager of one unit has no level above it: their unit is their top.
    top = [] if len(choices.within) == 1 else ["My units" if choices.within else "Organisation"]
    crumbs = [(name, _drill_url(filters, "")) for name in top]
    unit = filters.unit
    if unit is None:
        return crumbs
    if unit.is_no_unit:
        return [*crumbs, (unit.name, _drill_url(filters, unit.slug))]
    by_pk = {choice.pk: choice for choice in choices.units}  # a manager's: their subtrees only
    chain = [by_pk[int(pk)] for pk in unit.path.strip("/").split("/") if int(pk) in by_pk]
    return crumbs + [(u.name, _drill_url(filters, u.slug)) for u in chain]


def _drill_url(filters: DashboardFilters, unit: str) -> str:
    """The dashboard filtered on `unit` ("" for the top), keeping the quarter and stage."""
    return f"{reverse('insights:org_dashboard')}?{filters.query_string(unit=unit, team='')}"


def rows_of_teams(rows: list[DrillRow], teams: Iterable[TeamChoice]) -> dict[int, DrillRow]:
    """Each team's row (as DrillRow.holds decides): its own, or the unit row whose subtree
    holds it, found among the units above the team rather than by trying every row."""
    by_key = {(row.kind, row.path if row.kind == UNIT else row.key): row for row in rows}
    mapping = {}
    for team in teams:
        row = by_key.get((TEAM, team.pk))
        if row is None and not team.unit_path:
            row = by_key.get((NO_UNIT_ROW, 0))
        parts = team.unit_path.strip("/").split("/") if row is None and team.unit_path else []
        for depth in range(1, len(parts) + 1):
            row = by_key.get((UNIT, "/" + "/".join(parts[:depth]) + "/"))
            if row is not None:
                break
        if row is not None:
            mapping[team.pk] = row
    return mapping


def row_key(rows: list[DrillRow], *, team: str) -> Case | F:
    """The key of each record's row in SQL, as `DrillRow.holds` decides it in Python; `team`
    is the lookup path to the team ("project__team" on assessments)."""
    whens = [
        When(**{f"{team}__unit__path__startswith": row.path}, then=Value(row.key))
        for row in rows
        if row.kind == UNIT
    ]
    if any(row.kind == NO_UNIT_ROW for row in rows):
        whens.append(When(**{f"{team}__unit__isnull": True}, then=Value(0)))
    team_id = F(f"{team}_id")
    return Case(*whens, default=team_id, output_field=IntegerField()) if whens else team_id


# --- The roll-up ------------------------------------------------------------------------------


def rollup(
    *,
    filters: DashboardFilters,
    choices: DashboardChoices,
    cells: TeamCells,
    counts: Mapping[int, Mapping[str, int]],
    rule: ReviewScope,
    scores: Mapping[int, list[float]] | None = None,
) -> Rollup:
    """The rows at the drill level with their heatmap and comparison. `counts`: the chosen
    quarter's due, assessed, level_<n> and awaiting_review counts per team; `rule`: whether
    results awaiting review count in the levels; `scores`: the teams' overall scores that
    count, from the roll-ups (None: the medians take a query)."""
    rows = drill_rows(filters, choices)
    row_of = rows_of_teams(rows, choices.teams)
    medians = _row_medians(filters, rows, row_of, rule, scores)
    totals: dict[int, dict[str, int]] = {}
    for team_id, team_counts in counts.items():
        if team_id in row_of:
            total = totals.setdefault(row_of[team_id].key, {})
            for name, count in team_counts.items():
                total[name] = total.get(name, 0) + count
    compared = [
        RollupRow(
            name=row.name,
            url=row.url,
            kind=row.kind,
            due=totals[row.key]["due"],
            assessed=totals[row.key]["assessed"],
            by_level=tuple(totals[row.key][f"level_{level}"] for level in LEVELS),
            median_score=medians.get(row.key),
            not_counted=0 if rule.awaiting_counted else totals[row.key]["awaiting_review"],
        )
        for row in rows
        if totals.get(row.key, {}).get("due")
    ]
    compared.sort(key=lambda row: (row.kind == NO_UNIT_ROW, row.name.lower()))
    kinds = {TEAM if row.kind == TEAM else UNIT for row in rows}
    return Rollup(
        heatmap=grouped_heatmap(cells, rows=rows, row_of=row_of),
        rows=compared,
        noun="unit or team" if len(kinds) > 1 else (kinds.pop() if kinds else TEAM),
    )


def _row_medians(
    filters: DashboardFilters,
    rows: list[DrillRow],
    row_of: Mapping[int, DrillRow],
    rule: ReviewScope,
    scores: Mapping[int, list[float]] | None,
) -> dict[int, float]:
    """Row key -> the median overall score of the row's results in the quarter: from the
    teams' scores the roll-ups keep (`scores`, team pk -> its overall scores that count),
    else from the stored results, in one query."""
    if scores is not None:
        by_row: dict[int, list[float]] = defaultdict(list)
        for team_id, team_scores in scores.items():
            if team_id in row_of:
                by_row[row_of[team_id].key].extend(team_scores)
        medians = {key: quarters.median_of(values) for key, values in by_row.items()}
        return {key: median for key, median in medians.items() if median is not None}
    results = Assessment.objects.counted().filter(
        scope_q(filters, team="project__team_id"),
        rule.assessments_q(),
        period_id=filters.period.pk,
        status=SUBMITTED,
    )
    found = quartiles_by(
        results.annotate(row_key=row_key(rows, team="project__team")),
        group="row_key",
        value="overall_score",
    )
    return {key: quartiles.median for key, quartiles in found.items()}


def team_heatmap(cells: TeamCells, *, teams: Iterable[TeamChoice]) -> Heatmap:
    """One row per team, whatever the drill level (the flags and printed reports read it):
    grouped_heatmap's with a group per team, without grouping (every team is listed)."""
    columns = dimension_columns(cells.values())
    grid = {}
    for team in teams:
        row = [cells.get((team.pk, key), NO_CELL) for key, _ in columns]
        if any(cell is not NO_CELL for cell in row):
            grid[team] = row

    def weakest_first(team: TeamChoice) -> tuple[bool, float, str]:
        known = [cell["mean_level"] for cell in grid[team] if cell["mean_level"] is not None]
        return (not known, sum(known) / len(known) if known else 0.0, team.name)

    shown = sorted(grid, key=weakest_first)

    def field(name: str) -> list[list]:
        return [[cell[name] for cell in grid[team]] for team in shown]

    return Heatmap(
        rows=[team.name for team in shown],
        columns=[name for _, name in columns],
        values=field("mean_level"),
        counts=field("projects"),
        row_links=[team.url for team in shown],
        not_assessed=field("not_assessed"),
        mostly_not_applicable=field("mostly_na"),
    )


# A team with no result in a dimension: as grouped_heatmap merges no cells.
NO_CELL = {"mean_level": None, "projects": 0, "not_assessed": 0, "mostly_na": 0}


def grouped_heatmap(
    cells: TeamCells, *, rows: list[DrillRow], row_of: Mapping[int, DrillRow]
) -> Heatmap:
    """Rows by dimension, the weakest row (lowest mean over its dimensions) first; a cell is
    the mean level of the row's projects assessed in the dimension."""
    grouped: dict[tuple[int, str], list[Mapping[str, Any]]] = {}
    teams: dict[int, set[int]] = {}
    for (team_id, key), cell in cells.items():
        if team_id in row_of:
            grouped.setdefault((row_of[team_id].key, key), []).append(cell)
            teams.setdefault(row_of[team_id].key, set()).add(team_id)
    columns = dimension_columns(cells.values())
    shown = [row for row in rows if row.key in teams]
    grid = {row.key: [_merged(grouped.get((row.key, k), [])) for k, _ in columns] for row in shown}

    def weakest_first(row: DrillRow) -> tuple[bool, float, str]:
        known = [cell["mean_level"] for cell in grid[row.key] if cell["mean_level"] is not None]
        return (not known, sum(known) / len(known) if known else 0.0, row.name)

    shown.sort(key=weakest_first)

    def label(row: DrillRow) -> str:
        if row.kind == TEAM:
            return row.name
        count = len(teams[row.key])
        return f"{row.name} ({count} team{'s' if count != 1 else ''})"

    def field(name: str) -> list[list]:
        return [[cell[name] for cell in grid[row.key]] for row in shown]

    return Heatmap(
        rows=[label(row) for row in shown],
        columns=[name for _, name in columns],
        values=field("mean_level"),
        counts=field("projects"),
        row_links=[row.url for row in shown],
        not_assessed=field("not_assessed"),
        mostly_not_applicable=field("mostly_na"),
    )


def _merged(cells: list[Mapping[str, Any]]) -> Mapping[str, Any]:
    """Several teams' cells as one: the mean level weighted by the projects assessed."""
    if len(cells) == 1:
        return cells[0]
    projects = sum(cell["projects"] for cell in cells)
    if not cells:
        mean = None
    else:
        weighted = sum(c["mean_level"] * c["projects"] for c in cells if c["projects"])
        mean = weighted / projects if projects else None
    return {
        "mean_level": mean,
        "projects": projects,
        "not_assessed": sum(cell["not_assessed"] for cell in cells),
        "mostly_na": sum(cell["mostly_na"] for cell in cells),
    }
