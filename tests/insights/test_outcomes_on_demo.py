"""Acceptance: on the demo organisation, the dashboard's delivery outcomes by maturity level
for the latest closed quarter equal a computation by hand, straight from the demo's Event
rows and assessment levels (plain Python here, not the metrics module)."""

import datetime
import io
import statistics
from collections import defaultdict

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.utils import timezone

from assessments.models import Assessment, ReviewPolicy
from evidence.models import Event
from insights.selectors.outcomes import outcomes_by_level

# The smallest demo with at least three projects at each level in the latest closed quarter
# (levels climb with the quarters of history; six quarters give no level 2).
DEMO = {"teams": 8, "projects_per_team": 3, "quarters": 12}
MINIMUM = 3
WEEK = datetime.timedelta(days=7)
HOUR = datetime.timedelta(hours=1)
FIGURES = ("deployments", "change_failure_rate", "lead_time_hours", "restore_hours")


def quarter_key(moment) -> str:
    return f"{moment.year}-Q{(moment.month - 1) // 3 + 1}"


def closed_quarter() -> str:
    today = timezone.localdate()
    year, quarter = today.year, (today.month - 1) // 3 + 1
    return f"{year - 1}-Q4" if quarter == 1 else f"{year}-Q{quarter - 1}"


def by_hand(quarter: str) -> dict[int, dict[str, list[float]]]:
    """level -> figure -> the values of the projects behind it, in the quarter."""
    counts_pending = ReviewPolicy.current().count_awaiting_review
    levels = {}
    for row in Assessment.objects.filter(period__key=quarter, status="submitted").values(
        "project_id", "overall_level", "review_status"
    ):
        if row["review_status"] != "pending" or counts_pending:
            levels[row["project_id"]] = row["overall_level"]
    events = defaultdict(list)
    for event in Event.objects.order_by("occurred_at", "sender_id").values(
        "project_id",
        "kind",
        "occurred_at",
        "sender_id",
        "environment",
        "state",
        "reference",
        "detail",
    ):
        event["occurred_at"] = timezone.localtime(event["occurred_at"])
        events[event["project_id"]].append(event)
    figures = {level: defaultdict(list) for level in (0, 1, 2)}
    for project_id, level in levels.items():
        history = events.get(project_id, [])
        if not any(quarter_key(event["occurred_at"]) == quarter for event in history):
            continue  # no Outcome row: no events in the quarter
        project = project_figures(history, quarter)
        figures[level]["projects"].append(project_id)
        figures[level]["deployments"].append(project["deployments"])
        for name in ("change_failure_rate", "lead_time_hours", "restore_hours"):
            if project[name] is not None:
                figures[level][name].append(project[name])
    return figures


def project_figures(history: list[dict], quarter: str) -> dict:
    """One project's figures in the quarter, by the definitions in docs/events.md."""
    deployed = [
        e for e in history if e["kind"] == "deployment" and e["environment"] == "production"
    ]

    def live_at(moment):
        before = [d for d in deployed if d["occurred_at"] < moment]
        return before[-1] if before else None

    failures = [
        e
        for e in history
        if (e["kind"] == "rollback" and e["environment"] == "production")
        or (e["kind"] == "incident" and e["state"] == "opened")
    ]
    failed = set()
    for failure in failures:
        live = live_at(failure["occurred_at"])
        if live and failure["occurred_at"] - live["occurred_at"] <= WEEK:
            failed.add(live["sender_id"])
    mine = [d for d in deployed if quarter_key(d["occurred_at"]) == quarter]
    lead_times = [
        (d["occurred_at"] - datetime.datetime.fromisoformat(d["detail"]["trained_at"])) / HOUR
        for d in mine
        if d["detail"].get("trained_at")
    ]
    restores = []
    for failure in failures:
        if quarter_key(failure["occurred_at"]) != quarter:
            continue
        if failure["kind"] == "incident":
            resolved = [
                e
                for e in history
                if e["kind"] == "incident"
                and e["state"] == "resolved"
                and e["reference"] == failure["reference"]
                and e["occurred_at"] >= failure["occurred_at"]
            ]
            if resolved:
                restores.append((resolved[0]["occurred_at"] - failure["occurred_at"]) / HOUR)
        elif live := live_at(failure["occurred_at"]):
            restores.append((failure["occurred_at"] - live["occurred_at"]) / HOUR)
    failed_here = sum(1 for d in mine if d["sender_id"] in failed)
    return {
        "deployments": len(mine),
        "change_failure_rate": failed_here / len(mine) if mine else None,
        "lead_time_hours": statistics.median(lead_times) if lead_times else None,
        "restore_hours": statistics.median(restores) if restores else None,
    }


def median_or_none(values: list[float]) -> float | None:
    return statistics.median(values) if len(values) >= MINIMUM else None


@pytest.mark.django_db
def test_the_dashboards_outcomes_by_level_match_a_hand_computation_on_the_demo(client, settings):
    settings.OUTCOMES_MIN_PROJECTS = MINIMUM
    call_command(
        "load_framework",
        "assessments/frameworks/mlops-v1.yaml",
        "assessments/frameworks/mlops-v2.yaml",
        stdout=io.StringIO(),
    )
    call_command("seed_demo", **DEMO, stdout=io.StringIO())
    quarter = closed_quarter()
    expected = by_hand(quarter)
    # The demo is worth reading: every level has enough projects behind its figures.
    assert all(len(expected[level]["projects"]) >= MINIMUM for level in (0, 1, 2)), {
        level: len(expected[level]["projects"]) for level in (0, 1, 2)
    }
    assert Event.objects.exists() and not Event.objects.filter(is_demo=False).exists()

    client.force_login(User.objects.get(username="manager"))
    response = client.get("/org/", {"quarter": quarter})

    assert response.status_code == 200
    page = response.context["page"]
    assert page.filters.period.key == quarter
    found = outcomes_by_level(filters=page.filters)
    assert found.is_demo and found.comparable
    for level in found.levels:
        hand = expected[level.level]
        assert level.projects == len(hand["projects"])
        for name in FIGURES:
            figure = getattr(level, name)
            assert figure.projects == len(hand[name]), (level.level, name)
            assert figure.median == pytest.approx(median_or_none(hand[name])), (level.level, name)
    # What the page draws: each level's n and, where there are enough projects, its median.
    card = page.outcomes
    assert [row.projects for row in card.rows] == [
        len(expected[level]["projects"]) for level in (0, 1, 2)
    ]
    for row in card.rows:
        hand = [expected[row.level][name] for name in FIGURES]
        assert [cell.projects for cell in row.cells] == [len(values) for values in hand]
        assert [cell.too_few for cell in row.cells] == [
            median_or_none(values) is None for values in hand
        ]
    failure_chart = next(
        chart for chart in card.charts if "failure rate" in str(chart["layout"]["title"])
    )
    assert failure_chart["data"][0]["customdata"] == [
        len(expected[level]["change_failure_rate"]) for level in (0, 1, 2)
    ]
    assert failure_chart["data"][0]["y"] == [
        None
        if (rate := median_or_none(expected[level]["change_failure_rate"])) is None
        else round(rate * 100)
        for level in (0, 1, 2)
    ]
    assert "These figures describe the groups side by side" in response.content.decode()
