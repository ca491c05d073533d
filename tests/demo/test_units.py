"""The demo organisation in units: two divisions with departments, and a director."""

import io

from django.contrib.auth.models import User
from django.core.management import call_command

from core.access import visible_teams_q
from teams.models import Team, Unit


def test_the_demo_puts_its_teams_in_two_divisions_with_a_director(db):
    call_command("seed_demo", teams=6, projects_per_team=1, quarters=0, stdout=io.StringIO())
    divisions = Unit.objects.filter(parent__isnull=True)
    assert set(divisions.values_list("name", flat=True)) == {
        "Risk and Customer",
        "Digital Commerce",
    }
    assert not Team.objects.filter(unit__isnull=True).exists()
    assert Team.objects.get(name="Fraud Detection").unit.parent.name == "Risk and Customer"
    director = User.objects.get(username="director")
    assert director.check_password("demo")
    seen = set(Team.objects.filter(visible_teams_q(director)).values_list("name", flat=True))
    assert seen == {"Fraud Detection", "Customer Churn", "Document Intelligence"}


def test_a_large_demo_spreads_its_teams_over_about_fifteen_units(db):
    call_command("seed_demo", teams=40, projects_per_team=1, quarters=0, stdout=io.StringIO())
    assert 12 <= Unit.objects.count() <= 20
    assert not Team.objects.filter(unit__isnull=True).exists()
    call_command("seed_demo", teams=40, projects_per_team=1, quarters=0, stdout=io.StringIO())
    assert Unit.objects.count() <= 20  # running it again adds nothing


def test_a_very_large_demo_keeps_departments_to_about_twenty_five_teams(db):
    from demo.organisation import seed_organisation
    from demo.units import TEAMS_PER_DEPARTMENT

    seed_organisation(teams=400, projects_per_team=1, seed=3)
    assert not Team.objects.filter(unit__isnull=True).exists()
    generated = Unit.objects.filter(name__contains=" department ")
    sizes = [unit.teams.count() for unit in generated]
    assert len(sizes) == 16 and max(sizes) <= TEAMS_PER_DEPARTMENT
    divisions = Unit.objects.filter(parent__isnull=True, name__endswith=" division")
    assert divisions.count() == 2
    assert all(unit.children.count() == 8 for unit in divisions)
