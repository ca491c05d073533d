"""The demo organisation: believable teams, people and projects, deterministic for a seed."""

import random
from dataclasses import dataclass
from functools import cache

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, User
from django.db import transaction
from django.utils.text import slugify

from assessments.models import ProjectProfile
from demo.profiles import demo_profile
from demo.units import place_in_units
from teams.models import MANAGEMENT_GROUP, Membership, Project, Team

DEMO_PASSWORD = "demo"

TEAM_CATALOGUE = [
    ("Fraud Detection", "Scores card payments and account events for fraud in real time."),
    ("Search Ranking", "Ranks products and articles for every search on the site and app."),
    ("Demand Forecasting", "Forecasts store and warehouse demand to drive replenishment."),
    ("Recommendations", "Personalised product and content recommendations."),
    ("Customer Churn", "Predicts which subscribers are likely to leave and why."),
    ("Document Intelligence", "Extracts fields and classifies incoming documents and emails."),
    ("Pricing Science", "Dynamic pricing and markdown optimisation."),
    ("Credit Risk", "Application scoring and early-warning models for lending."),
    ("Marketing Analytics", "Uplift models and media-mix modelling for campaigns."),
    ("Computer Vision", "Visual inspection and shelf recognition from camera images."),
    ("Supply Chain Optimisation", "Routing, ETA prediction and inventory placement."),
    ("Customer Support AI", "Ticket triage, intent detection and answer suggestions."),
]

PROJECT_CATALOGUE = {
    "Fraud Detection": [
        (
            "Card transaction scoring",
            "Flags suspicious card payments within 50 ms.",
            "production",
            "Cut fraud losses without blocking good customers",
            "Fraud loss per 1,000 € of volume",
        ),
        (
            "Account takeover detection",
            "Spots logins and profile changes that suggest a stolen account.",
            "pilot",
            "Stop account takeovers before money moves",
            "Takeovers caught before first payout",
        ),
        (
            "Fraud case assistant",
            "Answers analysts' questions about a case from its notes and past decisions, "
            "with a hosted LLM over an index of the case files.",
            "pilot",
            "Shorter fraud investigations",
            "Minutes per case review",
        ),
        (
            "Chargeback prediction",
            "Predicts which orders will end in a chargeback.",
            "exploration",
            "Reduce chargeback fees",
            "Chargeback rate",
        ),
        (
            "Merchant risk monitoring",
            "Scores merchants weekly for unusual refund patterns.",
            "production",
            "Find risky merchants early",
            "Share of losses from flagged merchants",
        ),
    ],
    "Search Ranking": [
        (
            "Product search ranker",
            "Learning-to-rank model for the main product search.",
            "production",
            "Help shoppers find what they want",
            "Search conversion rate",
        ),
        (
            "Query understanding",
            "Classifies queries and corrects spelling.",
            "production",
            "Fewer zero-result searches",
            "Zero-result rate",
        ),
        (
            "Semantic retrieval",
            "Embedding-based candidate retrieval for long-tail queries.",
            "pilot",
            "Better results for vague queries",
            "Click-through on long-tail queries",
        ),
    ],
    "Demand Forecasting": [
        (
            "Store demand forecast",
            "Daily demand per product and store for 28 days ahead.",
            "production",
            "Fewer empty shelves and less waste",
            "Forecast error (WAPE)",
        ),
        (
            "Promotion uplift model",
            "Estimates extra sales from planned promotions.",
            "pilot",
            "Plan stock for promotions",
            "Promotion forecast error",
        ),
        (
            "New product forecasting",
            "Forecasts demand for products without sales history.",
            "exploration",
            "Better launch quantities",
            "Launch stock-out rate",
        ),
    ],
    "Recommendations": [
        (
            "Home page recommendations",
            "Personalised carousel on the home page.",
            "production",
            "More engaged visits",
            "Revenue per visit",
        ),
        (
            "Similar items",
            "Item-to-item recommendations on product pages.",
            "production",
            "Help shoppers compare",
            "Add-to-basket rate from widget",
        ),
        (
            "Email recommendations",
            "Personalised products in weekly emails.",
            "pilot",
            "More clicks from email",
            "Email click-through rate",
        ),
    ],
    "Customer Churn": [
        (
            "Subscriber churn model",
            "Monthly churn risk for every subscriber.",
            "production",
            "Keep more subscribers",
            "Monthly churn rate",
        ),
        (
            "Retention offer targeting",
            "Chooses which retention offer to show.",
            "pilot",
            "Spend retention budget well",
            "Saved subscribers per 1,000 €",
        ),
        (
            "Subscriber help assistant",
            "Answers subscribers' questions from the help-centre articles with a hosted LLM.",
            "production",
            "Fewer support tickets",
            "Questions resolved without a ticket",
        ),
    ],
    "Document Intelligence": [
        (
            "Invoice field extraction",
            "Reads supplier invoices into structured fields.",
            "production",
            "Less manual data entry",
            "Invoices processed without touch",
        ),
        (
            "Email intent classifier",
            "Routes incoming customer emails to the right queue.",
            "production",
            "Faster first response",
            "Misrouted email rate",
        ),
        (
            "Contract clause finder",
            "Asks a hosted LLM to find risky clauses in supplier contracts.",
            "exploration",
            "Faster legal review",
            "Review hours per contract",
        ),
    ],
}

GENERIC_PROJECTS = [
    (
        "Baseline model",
        "The team's first production model.",
        "production",
        "Automate a manual decision",
        "Decisions automated per week",
    ),
    (
        "Feature pipeline",
        "Shared features for the team's models.",
        "pilot",
        "Reuse features across models",
        "Models using shared features",
    ),
    (
        "Experiment",
        "A new modelling idea under evaluation.",
        "exploration",
        "Prove value before investing",
        "Offline lift over baseline",
    ),
    (
        "Batch scoring",
        "Nightly scoring of the full customer base.",
        "production",
        "Fresh scores every morning",
        "On-time delivery of scores",
    ),
    (
        "Realtime service",
        "Low-latency predictions behind an API.",
        "pilot",
        "Decisions at request time",
        "p95 latency",
    ),
    (
        "Knowledge assistant",
        "Answers staff questions from the team's documents with a hosted LLM.",
        "pilot",
        "Less time searching for answers",
        "Questions answered without escalation",
    ),
]

FIRST_NAMES = [
    "Priya",
    "Jonas",
    "Amara",
    "Mateo",
    "Sofia",
    "Kenji",
    "Leila",
    "Noah",
    "Ines",
    "Tariq",
    "Hanna",
    "Diego",
    "Mei",
    "Oskar",
    "Zainab",
    "Lucas",
    "Aisha",
    "Erik",
    "Nadia",
    "Ravi",
]
LAST_NAMES = [
    "Shah",
    "Berg",
    "Okafor",
    "Garcia",
    "Rossi",
    "Tanaka",
    "Haddad",
    "Müller",
    "Costa",
    "Rahman",
    "Nieminen",
    "López",
    "Chen",
    "Lind",
    "Yusuf",
    "Martin",
    "Bello",
    "Johansson",
    "Petrova",
    "Iyer",
]


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
    """Create (or complete) the demo organisation; running it again adds nothing."""
    rng = random.Random(seed)
    accounts = _demo_accounts()
    existing_slugs = set(Project.objects.values_list("slug", flat=True))
    all_teams, all_projects = [], []
    for index, (name, description) in enumerate(_team_specs(teams)):
        team, _ = Team.objects.get_or_create(
            slug=slugify(name), defaults={"name": name, "description": description}
        )
        all_teams.append(team)
        _staff_team(team, index, rng, accounts)
        for spec in _project_specs(name, projects_per_team):
            all_projects.append(_project(team, spec))
    place_in_units(all_teams, director=accounts["director"])
    created = sum(1 for project in all_projects if project.slug not in existing_slugs)
    return DemoOrganisation(teams=all_teams, projects=all_projects, created_projects=created)


def _staff_team(team: Team, index: int, rng: random.Random, accounts: dict[str, User]) -> None:
    if index == 0:
        people = [
            (accounts["lead"], Membership.Role.LEAD),
            (accounts["member"], Membership.Role.MEMBER),
        ]
    else:
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        lead = _user(f"{slugify(first)}.{slugify(last)}.{index}", first=first, last=last)
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        member = _user(f"{slugify(first)}.{slugify(last)}.{index}m", first=first, last=last)
        people = [(lead, Membership.Role.LEAD), (member, Membership.Role.MEMBER)]
    for user, role in people:
        Membership.objects.get_or_create(user=user, team=team, defaults={"role": role})


def _project(team: Team, spec: tuple[str, str, str, str, str]) -> Project:
    name, description, stage, goal, kpi = spec
    project, _ = Project.objects.get_or_create(
        slug=slugify(name)[:140],
        defaults={
            "team": team,
            "name": name,
            "description": description,
            "stage": stage,
            "business_goal": goal,
            "kpi": kpi,
        },
    )
    # Also gives projects seeded before profiles existed their profile.
    ProjectProfile.objects.get_or_create(project=project, defaults=demo_profile(name).as_dict())
    return project
