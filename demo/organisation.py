"""The demo organisation: believable teams, people and projects, deterministic for a seed."""

import random
from dataclasses import dataclass
from functools import cache

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, User
from django.db import transaction
from django.utils.text import slugify

from assessments.models import ProjectProfile
from demo.catalogue import (
    FIRST_NAMES,
    GENERIC_PROJECTS,
    LAST_NAMES,
    PROJECT_CATALOGUE,
    TEAM_CATALOGUE,
)
from demo.profiles import demo_profile
from demo.units import place_in_units
from teams.models import MANAGEMENT_GROUP, Membership, Project, Team

LEAD, MEMBER = Membership.Role.LEAD, Membership.Role.MEMBER
BATCH_SIZE = 2000

DEMO_PASSWORD = "demo"


@dataclass(frozen=True)
class DemoOrganisation:
    teams: list[Team]
    projects: list[Project]
    created_projects: int


def _team_specs(count: int) -> list[tuple[str, str]]:
    specs = list(TEAM_CATALOGUE[:count])
    for number in range(len(specs), count):
        base_name, description = TEAM_CATALOGUE[number % len(TEAM_CATALOGUE)]
        specs.append((f"{base_name} {number // len(TEAM_CATALOGUE) + 1}", description))
    return specs


def _project_specs(team_name: str, count: int) -> list[tuple[str, str, str, str, str]]:
    specs = list(PROJECT_CATALOGUE.get(team_name, []))[:count]
    number = 0
    while len(specs) < count:
        name, description, stage, goal, kpi = GENERIC_PROJECTS[number % len(GENERIC_PROJECTS)]
        suffix = (
            f" {number // len(GENERIC_PROJECTS) + 1}" if number >= len(GENERIC_PROJECTS) else ""
        )
        specs.append((f"{team_name} {name.lower()}{suffix}", description, stage, goal, kpi))
        number += 1
    return specs


def _user(username: str, *, first: str, last: str, **flags: bool) -> User:
    user, created = User.objects.get_or_create(
        username=username,
        defaults={
            "first_name": first,
            "last_name": last,
            "email": f"{username}@example.com",
            **flags,
        },
    )
    if created:
        user.password = _demo_password_hash()
        user.save(update_fields=["password"])
    return user


@cache
def _demo_password_hash() -> str:
    # Hashing is deliberately slow; one hash serves every demo account.
    return make_password(DEMO_PASSWORD)


def _demo_accounts() -> dict[str, User]:
    accounts = {
        "admin": _user("admin", first="Ada", last="Admin", is_staff=True, is_superuser=True),
        "manager": _user("manager", first="Morgan", last="Manager"),
        "lead": _user("lead", first="Lena", last="Lead"),
        "member": _user("member", first="Max", last="Member"),
        "director": _user("director", first="Dana", last="Director"),
    }
    management, _ = Group.objects.get_or_create(name=MANAGEMENT_GROUP)
    accounts["manager"].groups.add(management)
    return accounts


@transaction.atomic
def seed_organisation(
    *, teams: int = 6, projects_per_team: int = 3, seed: int = 42
) -> DemoOrganisation:
    """Create (or complete) the demo organisation; running it again adds nothing. Rows are
    written in bulk, so that `make bench` can seed thousands of teams."""
    rng = random.Random(seed)
    accounts = _demo_accounts()
    existing_slugs = set(Project.objects.values_list("slug", flat=True))
    specs = _team_specs(teams)
    all_teams = _teams(specs)
    _staff(all_teams, rng, accounts)
    all_projects = _projects(all_teams, projects_per_team)
    place_in_units(all_teams, director=accounts["director"])
    created = sum(1 for project in all_projects if project.slug not in existing_slugs)
    return DemoOrganisation(teams=all_teams, projects=all_projects, created_projects=created)


def _teams(specs: list[tuple[str, str]]) -> list[Team]:
    slugs = [slugify(name) for name, _ in specs]
    existing = set(Team.objects.filter(slug__in=slugs).values_list("slug", flat=True))
    Team.objects.bulk_create(
        [
            Team(slug=slug, name=name, description=description)
            for slug, (name, description) in zip(slugs, specs, strict=True)
            if slug not in existing
        ],
        batch_size=BATCH_SIZE,
    )
    found = Team.objects.in_bulk(slugs, field_name="slug")
    return [found[slug] for slug in slugs]


def _staff(teams: list[Team], rng: random.Random, accounts: dict[str, User]) -> None:
    """A lead and a member in every team; the demo lead and member in the first."""
    people: list[tuple[Team, tuple[str, str, str], str]] = []
    for index, team in enumerate(teams):
        if index == 0:
            people += [(team, ("lead", "", ""), LEAD), (team, ("member", "", ""), MEMBER)]
            continue
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        people.append((team, (f"{slugify(first)}.{slugify(last)}.{index}", first, last), LEAD))
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        people.append((team, (f"{slugify(first)}.{slugify(last)}.{index}m", first, last), MEMBER))
    usernames = [username for _, (username, _, _), _ in people]
    existing = set(User.objects.filter(username__in=usernames).values_list("username", flat=True))
    User.objects.bulk_create(
        [
            User(
                username=username,
                first_name=first,
                last_name=last,
                email=f"{username}@example.com",
                password=_demo_password_hash(),
            )
            for _, (username, first, last), _ in people
            if username not in existing
        ],
        batch_size=BATCH_SIZE,
    )
    users = User.objects.in_bulk(usernames, field_name="username")
    # A person already in the team keeps their role (as get_or_create would).
    Membership.objects.bulk_create(
        [
            Membership(user=users[username], team=team, role=role)
            for team, (username, _, _), role in people
        ],
        batch_size=BATCH_SIZE,
        ignore_conflicts=True,
    )


def _projects(teams: list[Team], per_team: int) -> list[Project]:
    specs = [(team, spec) for team in teams for spec in _project_specs(team.name, per_team)]
    slugs = [slugify(spec[0])[:140] for _, spec in specs]
    existing = set(Project.objects.filter(slug__in=slugs).values_list("slug", flat=True))
    Project.objects.bulk_create(
        [
            Project(
                slug=slug,
                team=team,
                name=name,
                description=description,
                stage=stage,
                business_goal=goal,
                kpi=kpi,
            )
            for slug, (team, (name, description, stage, goal, kpi)) in zip(
                slugs, specs, strict=True
            )
            if slug not in existing
        ],
        batch_size=BATCH_SIZE,
    )
    found = Project.objects.in_bulk(slugs, field_name="slug")
    projects = [found[slug] for slug in slugs]
    # Also gives projects seeded before profiles existed their profile.
    ProjectProfile.objects.bulk_create(
        [
            ProjectProfile(project=project, **demo_profile(project.name).as_dict())
            for project in projects
        ],
        batch_size=BATCH_SIZE,
        ignore_conflicts=True,
    )
    return projects
