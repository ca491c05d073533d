"""The demo organisation's units: divisions with departments, and a director who manages
one division. Idempotent: units are found again by slug, teams are only placed once."""

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
# A large organisation (make bench) spreads its generated teams over this many departments.
GENERATED_DEPARTMENTS_PER_DIVISION = 4
GENERATED_DIVISIONS = ("Retail", "Finance")


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
    generated = [team for team in unplaced if team.name not in departments]
    spare = _generated_departments() if generated else []
    for index, team in enumerate(unplaced):
        department = departments.get(team.name) or spare[index % len(spare)]
        Team.objects.filter(pk=team.pk, unit__isnull=True).update(unit=department)
    return list(Unit.objects.order_by("path"))


def _generated_departments() -> list[Unit]:
    departments = []
    for division_name in GENERATED_DIVISIONS:
        division = _unit(f"{division_name} division", None)
        for number in range(1, GENERATED_DEPARTMENTS_PER_DIVISION + 1):
            departments.append(_unit(f"{division_name} department {number}", division))
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
