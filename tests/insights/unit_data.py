"""Organisations with units for the roll-up tests: a small hand-made tree whose numbers are
worked out by hand, and generated ones of any size."""

from dataclasses import dataclass

from assessments.models import Period
from teams.models import Team, Unit, UnitManager
from teams.units import team_move, unit_create
from tests.assessments.factories import (
    DIMENSIONS,
    DimensionFactory,
    FrameworkFactory,
    PracticeFactory,
    draft_assessment,
    quarter_periods,
    score_assessment,
)
from tests.factories import ProjectFactory, TeamFactory, UserFactory


@dataclass
class Tree:
    units: dict[str, Unit]
    teams: dict[str, Team]
    periods: list[Period]


def small_tree() -> Tree:
    """Data division > Platform > Serving, and Retail division; in 2026-Q1:

    - Fraud Detection (Serving): levels 2/2 (overall 2, score 2.0) and 0/1 (0, 1.0)
    - Feature Store (Platform itself): 1/1 (overall 1, score 1.5), and a draft
    - Search Ranking (Retail division): 0/0 (overall 0, score 0.5)
    - Loose Ends (no unit): 1/2 (overall 1, score 1.75)
    """
    framework = FrameworkFactory()
    for order, (key, name) in enumerate(DIMENSIONS):
        dimension = DimensionFactory(framework=framework, key=key, name=name, order=order)
        PracticeFactory(framework=framework, dimension=dimension, key=f"{key}-tests", level=1)
    periods = quarter_periods(2, framework=framework)
    data = unit_create(name="Data division", parent=None, actor=None)
    platform = unit_create(name="Platform", parent=data, actor=None)
    serving = unit_create(name="Serving", parent=platform, actor=None)
    retail = unit_create(name="Retail division", parent=None, actor=None)
    teams = {
        "fraud": TeamFactory(name="Fraud Detection", slug="fraud-detection", unit=serving),
        "features": TeamFactory(name="Feature Store", slug="feature-store", unit=platform),
        "search": TeamFactory(name="Search Ranking", slug="search-ranking", unit=retail),
        "loose": TeamFactory(name="Loose Ends", slug="loose-ends"),
    }
    latest = periods[-1]
    for team, (data_level, deployment_level) in [
        ("fraud", (2, 2)),
        ("fraud", (0, 1)),
        ("features", (1, 1)),
        ("search", (0, 0)),
        ("loose", (1, 2)),
    ]:
        levels = {"data": data_level, "deployment": deployment_level}
        score_assessment(project=ProjectFactory(team=teams[team]), period=latest, levels=levels)
    draft_assessment(project=ProjectFactory(team=teams["features"]), period=latest)
    units = {"data": data, "platform": platform, "serving": serving, "retail": retail}
    return Tree(units=units, teams=teams, periods=periods)


def place_in_units(teams: list[Team], *, divisions: int, departments: int) -> list[Unit]:
    """`divisions` top-level units of `departments` units each, the teams dealt round the
    departments; the last team stays in no unit. Returns every unit."""
    units, leaves = [], []
    for number in range(divisions):
        division = unit_create(name=f"Division {number + 1:02d}", parent=None, actor=None)
        units.append(division)
        for sub in range(departments):
            department = unit_create(
                name=f"Department {number + 1:02d}.{sub + 1}", parent=division, actor=None
            )
            units.append(department)
            leaves.append(department)
    for index, team in enumerate(teams[:-1]):
        team_move(team=team, unit=leaves[index % len(leaves)], actor=None)
    return units


def unit_manager(*units: Unit, username: str = "uma"):
    user = UserFactory(username=username, first_name=username.title())
    for unit in units:
        UnitManager.objects.create(user=user, unit=unit)
    return user
