"""An initiative's burn-up chart as a Plotly dictionary: pure, no ORM, no Plotly.

Built like `figures` (same look, title, axes, hover text and download button) and drawn by
static/js/charts.js; its text alternative comes from `figure_text` like every other chart:
the recorded weeks and the on-pace line are two series over the same dates.
"""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from improvement import burnup
from improvement.selectors.initiative_progress import InitiativeProgress, week_share
from insights.figures import BRAND, INK, MUTED, axis, base_layout, figure_dict, plotly_text

COMPLETE = "Projects complete (%)"
ON_PACE = "On pace (%)"
PACE_COLOUR = "#9ca3af"


@dataclass(frozen=True)
class BurnupPoint:
    week_start: datetime.date
    share: float  # percent of the counted projects that are complete
    complete: int
    in_scope: int


def _day(day: datetime.date) -> str:
    return f"{day.day} {day:%b %Y}"


def burnup_chart(
    *,
    points: Sequence[BurnupPoint],
    starts_on: datetime.date,
    target_on: datetime.date,
    today: datetime.date,
    pace_start: tuple[datetime.date, float],
    projects_in_scope: int,
    filename: str,
) -> dict:
    """The recorded weekly points as a line, a dashed straight line from the first point
    (0 % at the start date before any) to 100 % at the target date, and a mark at today."""
    start, start_percent = pace_start
    pace_days = [start, *[p.week_start for p in points if start < p.week_start < target_on]]
    pace_days.append(target_on)

    def on_pace(day: datetime.date) -> int:
        return round(
            burnup.on_pace_percent(
                start=start, start_percent=start_percent, target=target_on, day=day
            )
        )

    complete = {
        "type": "scatter",
        "mode": "lines+markers",
        "name": COMPLETE,
        "x": [point.week_start.isoformat() for point in points],
        "y": [round(point.share) for point in points],
        "customdata": [[point.complete, point.in_scope] for point in points],
        "line": {"color": BRAND, "width": 3},
        "marker": {"size": 8},
        "hovertemplate": "Week of %{x|%-d %b %Y}<br>%{y}% complete: %{customdata[0]} of "
        "%{customdata[1]} projects<extra></extra>",
    }
    pace = {
        "type": "scatter",
        "mode": "lines",
        "name": ON_PACE,
        "x": [day.isoformat() for day in pace_days],
        "y": [on_pace(day) for day in pace_days],
        "line": {"color": PACE_COLOUR, "width": 2, "dash": "dash"},
        "hovertemplate": "%{x|%-d %b %Y}<br>on pace: %{y}%<extra></extra>",
    }
    today_pace = on_pace(today)
    first = min([starts_on, start, *[point.week_start for point in points]])
    last = max([target_on, today, *[point.week_start for point in points]])
    layout = base_layout(
        "Projects with every practice in place, week by week",
        subtitle=f"Share of the {projects_in_scope} project{'s' if projects_in_scope != 1 else ''}"
        f" in scope; on pace reaches 100 % on {_day(target_on)}",
        height=380,
        xaxis=axis(
            "Week (starting Monday)",
            type="date",
            range=[
                (first - datetime.timedelta(days=4)).isoformat(),
                (last + datetime.timedelta(days=6)).isoformat(),
            ],
            tickformat="%-d %b",
            hoverformat="%-d %b %Y",
        ),
        yaxis=axis("Projects complete (%)", range=[0, 105], ticksuffix="%", dtick=25),
        shapes=[_today_line(today)],
        annotations=[
            _label(today, f"Today: on pace {today_pace}%", colour=INK),
            _label(target_on, f"Target {_day(target_on)}", colour=MUTED),
        ],
        meta={
            "notes": [
                *_no_week(points),
                f"today ({_day(today)}) on pace means {today_pace} % complete",
            ]
        },
    )
    return figure_dict([complete, pace], layout, filename=filename)


def _no_week(points: Sequence[BurnupPoint]) -> list[str]:
    return [] if points else ["no week recorded yet"]


def _today_line(today: datetime.date) -> dict:
    return {
        "type": "line",
        "xref": "x",
        "yref": "paper",
        "x0": today.isoformat(),
        "x1": today.isoformat(),
        "y0": 0,
        "y1": 1,
        "line": {"color": INK, "width": 1.5, "dash": "dot"},
    }


def _label(day: datetime.date, text: str, *, colour: str) -> dict:
    """A label above the plot, ending at `day`: it never runs off the right edge."""
    return {
        "xref": "x",
        "yref": "paper",
        "x": day.isoformat(),
        "y": 1,
        "xanchor": "right",
        "yanchor": "bottom",
        "showarrow": False,
        "text": plotly_text(text),
        "font": {"size": 11, "color": colour},
    }


def initiative_burnup(progress: InitiativeProgress) -> dict:
    """The burn-up of an initiative's progress (improvement.selectors), for its page."""
    initiative = progress.initiative
    points = [
        BurnupPoint(
            week_start=week.week_start,
            share=share,
            complete=week.projects_complete,
            in_scope=week.projects_in_scope,
        )
        for week in progress.weeks
        if (share := week_share(week)) is not None
    ]
    return burnup_chart(
        points=points,
        starts_on=initiative.starts_on,
        target_on=initiative.target_on,
        today=progress.today,
        pace_start=progress.pace_start,
        projects_in_scope=progress.projects_in_scope,
        filename=f"burn-up-{initiative.slug}",
    )
