"""Each chart in words: a one-sentence summary and the chart's data as a table.

Pure functions of the insights app's Plotly figure dictionaries, shown beside every chart
by templates/insights/_chart.html (`chart_text` filters); they return plain strings, which
templates escape. Three shapes are read: categories on the x axis (bars; lines; a band, an
unnamed upper edge and a lower edge filled up to it), a heatmap (rows by columns, rows
possibly linked), and a radar (its outline closed by repeating a point).
"""

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeGuard

NO_DATA = "no data"
NOT_ASSESSED = "not assessed"
EN_DASH = "–"
NUMBER = re.compile(r"-?\d+(\.\d+)?")

Figure = Mapping[str, Any]


@dataclass(frozen=True)
class TableRow:
    label: str
    cells: tuple[str, ...]
    link: str = ""  # a page of this site the row's chart cells open, or ""


@dataclass(frozen=True)
class FigureTable:
    """A chart's data: one row per category (quarter, team, dimension), one column per
    series; `corner` names what the rows are."""

    caption: str
    corner: str
    columns: tuple[str, ...]
    rows: tuple[TableRow, ...]


@dataclass(frozen=True)
class _Series:
    name: str
    x: tuple[str, ...]
    y: tuple[float | None, ...]
    markers: bool
    low: tuple[float | None, ...] = ()  # a band: y is its upper edge, low its lower one

    def value(self, category: str) -> float | None:
        return _at(self.y, self.x.index(category)) if category in self.x else None

    def cell(self, category: str) -> str:
        if self.low and category in self.x:
            low = _at(self.low, self.x.index(category))
            high = self.value(category)
            if low is None or high is None:
                return NO_DATA
            return f"{number(low)}{EN_DASH}{number(high)}"
        return number(self.value(category))

    def points(self) -> list[tuple[str, float]]:
        return [(x, y) for x, y in zip(self.x, self.y, strict=False) if y is not None]


# --- Public API ---------------------------------------------------------------------------------


def figure_title(figure: Figure) -> str:
    title = _layout(figure).get("title")
    text = title.get("text", "") if isinstance(title, Mapping) else title
    return plain(str(text or "")) or "Chart"


def figure_summary(figure: Figure) -> str:
    """One sentence: what the chart shows, its headline and its notes (`meta.notes`), e.g.
    "Organisation trend: Median project rose from 0.61 in 2025-Q2 to 1.48 in 2026-Q4."."""
    title = figure_title(figure)
    kinds = {trace.get("type", "scatter") for trace in _traces(figure)}
    if "heatmap" in kinds:
        headline = _heatmap_headline(figure)
    elif "scatterpolar" in kinds:
        headline = _radar_headline(figure)
    else:
        headline = _category_headline(figure, stacked="bar" in kinds)
    return _sentence("; ".join([f"{title}: {headline}", *map(plain, _meta(figure, "notes"))]))


def figure_table(figure: Figure) -> FigureTable:
    """The chart's data, as a reader of the chart would tabulate it."""
    kinds = {trace.get("type", "scatter") for trace in _traces(figure)}
    if "heatmap" in kinds:
        return _heatmap_table(figure)
    if "scatterpolar" in kinds:
        return _radar_table(figure)
    return _category_table(figure)


def plain(label: str) -> str:
    """A chart label as text: the line breaks figures wrap long labels with become spaces,
    and the entities `figures.plotly_text` escaped names with become characters again (the
    template escapes them for the page)."""
    return html.unescape(" ".join(label.replace("<br>", " ").split()))


def number(value: object) -> str:
    """Counts and levels as they are, scores to two places, a missing value as words."""
    if value is None:
        return NO_DATA
    if isinstance(value, int):  # bool too
        return str(value)
    if isinstance(value, float):
        return f"{value:.2f}"
    return plain(str(value))


# --- Categories on the x axis: bars and lines ---------------------------------------------------


def _category_series(figure: Figure) -> list[_Series]:
    """Every named series with data; a band's two edges become one series with a range."""
    series: list[_Series] = []
    upper: _Series | None = None
    for trace in _traces(figure):
        if trace.get("type", "scatter") not in {"bar", "scatter"}:
            continue
        x = tuple(plain(str(value)) for value in trace.get("x") or ())
        y = tuple(_float(value) for value in trace.get("y") or ())
        name = plain(str(trace.get("name") or ""))
        if not x or all(value is None for value in y):
            upper = None
            continue
        current = _Series(name, x, y, markers="markers" in str(trace.get("mode", "")))
        if trace.get("fill") == "tonexty" and upper is not None and upper.x == x:
            series.append(_Series(name, x, upper.y, markers=False, low=y))
        elif name:
            series.append(current)
        upper = None if name else current
    return series


def _categories(series: Sequence[_Series]) -> list[str]:
    return list(dict.fromkeys(x for one in series for x in one.x))


def _category_table(figure: Figure) -> FigureTable:
    series = _category_series(figure)
    corner = _axis_title(figure, "xaxis") or "Category"
    return _series_table(figure, corner, _categories(series), series)


def _series_table(
    figure: Figure, corner: str, categories: Sequence[str], series: Sequence[_Series]
) -> FigureTable:
    """A row per category, a column per series."""
    return FigureTable(
        caption=figure_title(figure),
        corner=corner,
        columns=tuple(one.name for one in series),
        rows=tuple(
            TableRow(label=category, cells=tuple(one.cell(category) for one in series))
            for category in categories
        ),
    )


def _category_headline(figure: Figure, *, stacked: bool) -> str:
    series = _category_series(figure)
    if not series:
        return "no data yet"
    if stacked:
        return _stacked_headline(series)
    lines = [one for one in series if not one.low]
    leading = [one for one in lines if one.markers] or lines[:1]
    references = [one for one in lines if one not in leading]
    clauses = [f"{one.name} {_movement(one)}" for one in leading if one.points()]
    if not clauses:
        return "no data yet"
    last = leading[0].points()[-1][0] if leading[0].points() else ""
    against = [
        f"{number(value)} for {one.name}"
        for one in references
        if (value := one.value(last)) is not None
    ]
    return "; ".join(clauses) + (f", against {_join(against)} in {last}" if against else "")


def _movement(series: _Series) -> str:
    points = series.points()
    (first, start), (last, end) = points[0], points[-1]
    if len(points) == 1:
        return f"was {number(end)} in {last}"
    if end == start:
        return f"stayed at {number(end)} from {first} to {last}"
    verb = "rose" if end > start else "fell"
    return f"{verb} from {number(start)} in {first} to {number(end)} in {last}"


def _stacked_headline(series: Sequence[_Series]) -> str:
    categories = _categories(series)
    filled = [c for c in categories if any(one.value(c) is not None for one in series)]
    if not filled:
        return "no data yet"
    last, first = filled[-1], filled[0]
    parts = [f"{number(one.value(last) or 0)} {one.name}" for one in series]
    total = sum(one.value(last) or 0 for one in series)
    total = int(total) if float(total).is_integer() else total
    headline = f"in {last}, {_join(parts)} ({number(total)} in all)"
    if first != last:
        earlier = [number(one.value(first) or 0) for one in series]
        headline += f"; in {first}, {_join(earlier)}"
    return headline


# --- Heatmaps -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Grid:
    rows: list[str]
    columns: list[str]
    values: list[list[float | None]]
    marks: list[list[str]]  # what a cell's label adds to its number, e.g. a flag
    links: list[str]
    details: list[list[str]]  # hover texts: why an empty cell is empty

    def value(self, row: int, column: int) -> float | None:
        return _at(_at(self.values, row) or [], column)

    def mark(self, row: int, column: int) -> str:
        return _at(_at(self.marks, row) or [], column) or ""

    def detail(self, row: int, column: int) -> str:
        return _at(_at(self.details, row) or [], column) or ""

    def is_data_row(self, row: int) -> bool:
        """False for a label row (a condensed grid's gap): no link, no value."""
        if not any(self.links) or self.links[row]:
            return True
        return any(self.value(row, column) is not None for column in range(len(self.columns)))


def _grid(figure: Figure) -> _Grid:
    trace = next(trace for trace in _traces(figure) if trace.get("type") == "heatmap")
    rows = [plain(str(value)) for value in trace.get("y") or ()]
    links = _meta(figure, "links")
    return _Grid(
        rows=rows,
        columns=[plain(str(value)) for value in trace.get("x") or ()],
        values=[[_float(value) for value in row] for row in trace.get("z") or ()],
        marks=[[_mark(label) for label in row] for row in trace.get("text") or ()],
        links=[url if is_site_path(url := _at(links, i)) else "" for i in range(len(rows))],
        details=[[plain(str(text)) for text in row] for row in trace.get("customdata") or ()],
    )


def _mark(label: object) -> str:
    """What a cell's drawn label says besides its number: "1.2 ⚑" -> "⚑"."""
    return " ".join(w for w in plain(str(label or "")).split(" ") if not NUMBER.fullmatch(w))


def _heatmap_table(figure: Figure) -> FigureTable:
    grid = _grid(figure)
    table_rows = []
    for row, label in enumerate(grid.rows):
        cells = tuple(
            _heatmap_cell(grid, row, column) if grid.is_data_row(row) else ""
            for column in range(len(grid.columns))
        )
        table_rows.append(TableRow(label=label, cells=cells, link=grid.links[row]))
    return FigureTable(
        caption=figure_title(figure),
        corner=_axis_title(figure, "yaxis") or "Row",
        columns=tuple(grid.columns),
        rows=tuple(table_rows),
    )


def _heatmap_cell(grid: _Grid, row: int, column: int) -> str:
    value = grid.value(row, column)
    text = (grid.detail(row, column) or NOT_ASSESSED) if value is None else number(value)
    mark = grid.mark(row, column)
    return f"{text} {mark}" if mark else text


def _heatmap_headline(figure: Figure) -> str:
    grid = _grid(figure)
    data_rows = [row for row in range(len(grid.rows)) if grid.is_data_row(row)]
    row_word = _plural(_axis_title(figure, "yaxis") or "row", len(data_rows))
    column_word = _plural(_axis_title(figure, "xaxis") or "column", len(grid.columns))
    shape = f"{len(data_rows)} {row_word} by {len(grid.columns)} {column_word}"
    left_out = [grid.rows[row] for row in range(len(grid.rows)) if row not in data_rows]
    if left_out:
        shape += f" ({'; '.join(left_out)})"
    cells = [
        (value, grid.rows[row], grid.columns[column])
        for row in data_rows
        for column in range(len(grid.columns))
        if (value := grid.value(row, column)) is not None
    ]
    if not cells:
        return f"{shape}, none assessed"
    low = min(cells, key=lambda cell: cell[0])
    high = max(cells, key=lambda cell: cell[0])
    headline = (
        f"{shape}, from {number(low[0])} ({low[1]}, {low[2]}) "
        f"to {number(high[0])} ({high[1]}, {high[2]})"
    )
    missing = len(data_rows) * len(grid.columns) - len(cells)
    return headline + (f"; {missing} without a score" if missing else "")


# --- Radar --------------------------------------------------------------------------------------


def _radar_series(figure: Figure) -> tuple[list[str], list[_Series]]:
    dimensions: list[str] = []
    series = []
    for trace in _traces(figure):
        if trace.get("type") != "scatterpolar":
            continue
        theta = [plain(str(value)) for value in trace.get("theta") or ()]
        r = [_float(value) for value in trace.get("r") or ()]
        if len(theta) > 1 and theta[-1] == theta[0]:  # the repeated point closing the outline
            theta, r = theta[:-1], r[:-1]
        dimensions = dimensions or theta
        name = plain(str(trace.get("name") or ""))
        series.append(_Series(name, tuple(theta), tuple(r), markers=True))
    return dimensions, series


def _radar_table(figure: Figure) -> FigureTable:
    dimensions, series = _radar_series(figure)
    return _series_table(figure, "Dimension", dimensions, series)


def _radar_headline(figure: Figure) -> str:
    dimensions, series = _radar_series(figure)
    if not series or not series[0].points():
        return "no data yet"
    subject, *others = series
    points = subject.points()
    high = max(points, key=lambda point: point[1])
    low = min(points, key=lambda point: point[1])
    headline = (
        f"{subject.name} is highest in {high[0]} ({number(high[1])}) "
        f"and lowest in {low[0]} ({number(low[1])})"
    )
    comparisons = []
    for other in others:
        pairs = [
            (mine, theirs)
            for dimension in dimensions
            if (mine := subject.value(dimension)) is not None
            and (theirs := other.value(dimension)) is not None
        ]
        if pairs:
            at_least = sum(1 for mine, theirs in pairs if mine >= theirs)
            comparisons.append(
                f"at or above “{other.name}” in {at_least} of {len(pairs)} dimensions"
            )
    return headline + (f"; {_join(comparisons)}" if comparisons else "")


# --- Helpers ------------------------------------------------------------------------------------


def is_site_path(url: object) -> TypeGuard[str]:
    """A link a figure may carry: a path on this site, never another site (static/js/charts.js
    follows the same rule)."""
    return isinstance(url, str) and url.startswith("/") and not url.startswith(("//", "/\\"))


def _layout(figure: Figure) -> Mapping[str, Any]:
    layout = figure.get("layout")
    return layout if isinstance(layout, Mapping) else {}


def _meta(figure: Figure, key: str) -> list[str]:
    meta = _layout(figure).get("meta")
    return [str(item) for item in meta.get(key) or ()] if isinstance(meta, Mapping) else []


def _traces(figure: Figure) -> list[Mapping[str, Any]]:
    data = figure.get("data")
    return [trace for trace in data or () if isinstance(trace, Mapping)]


def _axis_title(figure: Figure, axis: str) -> str:
    title = (_layout(figure).get(axis) or {}).get("title")
    text = title.get("text", "") if isinstance(title, Mapping) else title
    return plain(str(text or ""))


def _at[T](values: Sequence[T], index: int) -> T | None:
    return values[index] if index < len(values) else None


def _float(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value


def _plural(word: str, count: int) -> str:
    word = word.lower()
    return word if count == 1 or word.endswith("s") else f"{word}s"


def _join(parts: Sequence[str]) -> str:
    if len(parts) < 2:
        return "".join(parts)
    return f"{', '.join(parts[:-1])} and {parts[-1]}"


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else f"{text}."
