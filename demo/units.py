"""The demo organisation's units: divisions with departments, and a director who manages
one division. Idempotent: units are found again by slug, teams are only placed once.

A large organisation (make bench) spreads its generated teams over departments of about
TEAMS_PER_DEPARTMENT teams, ten departments to a division: 2,000 teams sit in about 100
units."""

import math
from collections import defaultdict
from collections.abc import Sequence

from django.contrib.auth.models import User
from django.utils.text import slugify

from teams.models import Team, Unit, UnitManager
from teams.units import unit_create

# division -> departments -> the catalogue teams placed in them.
DEMO_UNITS = {
    "Risk and Customer": {
        "Risk": ["Fraud Detection", "Credit Risk"],
        "Customer Care": ["Customer Churn", "Document Intelligence", "Customer Support AI"],
    },
    "Digital Commerce": {
        "Discovery": ["Search Ranking", "Recommendations", "Marketing Analytics"],
        "Operations": ["Demand Forecasting", "Pricing Science", "Supply Chain Optimisation"],
        "Vision": ["Computer Vision"],
    },
}
# The generated teams go into at least this many departments, in at least two divisions.
MIN_GENERATED_DEPARTMENTS = 8
TEAMS_PER_DEPARTMENT = 25
DEPARTMENTS_PER_DIVISION = 10
GENERATED_DIVISIONS = (
    "Retail",
    "Finance",
    "Logistics",
    "Marketing",
    "Technology",
    "Insurance",
    "Healthcare",
    "Energy",
    "Media",
    "Travel",
)


def place_in_units(teams: Sequence[Team], director: User) -> list[Unit]:
    """Put every team without a unit into a department; the director manages the first
    division (the one with the demo lead's team). Returns the units, top level first."""
    departments: dict[str, Unit] = {}
    divisions = []
    for division_name, department_teams in DEMO_UNITS.items():
        division = _unit(division_name, None)
        divisions.append(division)
        for department_name, team_names in department_teams.items():
            department = _unit(department_name, division)
            for team_name in team_names:
                departments[team_name] = department
    UnitManager.objects.get_or_create(user=director, unit=divisions[0])
    unplaced = [team for team in teams if team.unit_id is None]
    generated = sum(1 for team in teams if team.name not in departments)
    spare = _generated_departments(generated) if generated and unplaced else []
    placed: dict[int, list[int]] = defaultdict(list)
    for index, team in enumerate(unplaced):
        department = departments.get(team.name) or spare[index % len(spare)]
        placed[department.pk].append(team.pk)
        team.unit = department
    for unit_id, team_ids in placed.items():
        Team.objects.filter(pk__in=team_ids, unit__isnull=True).update(unit_id=unit_id)
    return list(Unit.objects.order_by("path"))


def _generated_departments(generated_teams: int) -> list[Unit]:
    count = max(MIN_GENERATED_DEPARTMENTS, math.ceil(generated_teams / TEAMS_PER_DEPARTMENT))
    division_count = max(2, math.ceil(count / DEPARTMENTS_PER_DIVISION))
    per_division = math.ceil(count / division_count)
    departments = []
    for number in range(division_count):
        name = GENERATED_DIVISIONS[number % len(GENERATED_DIVISIONS)]
        if number >= len(GENERATED_DIVISIONS):
            name = f"{name} {number // len(GENERATED_DIVISIONS) + 1}"
        division = _unit(f"{name} division", None)
        for department in range(1, per_division + 1):
            departments.append(_unit(f"{name} department {department}", division))
    return departments


def _unit(name: str, parent: Unit | None) -> Unit:
    slug = slugify(f"{parent.name} {name}" if parent else name)
    existing = Unit.objects.filter(slug=slug).first()
    if existing is not None:
        return existing
    unit = unit_create(name=name, parent=parent, actor=None)
    Unit.objects.filter(pk=unit.pk).update(slug=slug)
    unit.slug = slug
    return unit
