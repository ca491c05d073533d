"""The API's world: the personas of tests/conftest.py in units, a unit manager, tokens of
every kind, and a small organisation with results, actions, targets and initiatives.

Units: "Risk and Customer" holds "Fraud" (team, led by alice); "Search" holds other_team
(led by dave). uma manages "Risk and Customer", so she reads team and not other_team.
"""

import datetime
from collections.abc import Callable
from types import SimpleNamespace

import pytest
from django.utils import timezone

from accounts.api_tokens import api_token_create, api_token_revoke
from accounts.models import ApiToken
from improvement.models import InitiativeWeek
from teams.people import unit_manager_set
from teams.units import team_move, unit_create
from tests.assessments.factories import DIMENSIONS, quarter_periods, score_assessment
from tests.factories import UserFactory
from tests.improvement.factories import ActionFactory, InitiativeFactory, TargetRuleFactory

API = "/api/v1"


@pytest.fixture
def units(team, other_team) -> SimpleNamespace:
    division = unit_create(name="Risk and Customer", parent=None, actor=None)
    fraud = unit_create(name="Fraud", parent=division, actor=None)
    search = unit_create(name="Search", parent=None, actor=None)
    team_move(team=team, unit=fraud, actor=None)
    team_move(team=other_team, unit=search, actor=None)
    team.refresh_from_db()
    other_team.refresh_from_db()
    return SimpleNamespace(division=division, fraud=fraud, search=search)


@pytest.fixture
def uma(units):
    """A manager of "Risk and Customer", in no team."""
    user = UserFactory(username="uma", first_name="Uma")
    unit_manager_set(user=user, units=[units.division], actor=None)
    return user


@pytest.fixture
def api_personas(personas, uma) -> dict:
    """The page matrix's personas (no anonymous: that is the "none" kind of token), plus
    the unit manager."""
    return {name: user for name, user in personas.items() if name != "anonymous"} | {
        "unit_manager": uma
    }


def personal_token(user, *, days: int = 30) -> tuple[ApiToken, str]:
    return api_token_create(
        kind=ApiToken.Kind.PERSONAL,
        name=f"{user.username}'s laptop",
        expires_on=timezone.localdate() + datetime.timedelta(days=days),
        actor=user,
        user=user,
    )


def service_token(actor, *, scopes: list[str], project=None) -> tuple[ApiToken, str]:
    return api_token_create(
        kind=ApiToken.Kind.SERVICE,
        name=f"service {'+'.join(scopes)}",
        expires_on=timezone.localdate() + datetime.timedelta(days=30),
        actor=actor,
        scopes=scopes,
        project=project,
    )


def expire(token: ApiToken) -> ApiToken:
    """Let the token's expiry pass (a token cannot be created already expired)."""
    ApiToken.objects.filter(pk=token.pk).update(
        expires_at=timezone.now() - datetime.timedelta(days=1)
    )
    token.refresh_from_db()
    return token


@pytest.fixture
def tokens(erin, project) -> Callable:
    """tokens(user) -> {kind: secret or None} for the kinds of the access matrix."""

    def for_user(user) -> dict[str, str | None]:
        _, personal = personal_token(user)
        expired, expired_secret = personal_token(user)
        expire(expired)
        revoked, revoked_secret = personal_token(user)
        api_token_revoke(token=revoked, actor=user)
        return {"personal": personal, "expired": expired_secret, "revoked": revoked_secret}

    return for_user


@pytest.fixture
def service_read(erin) -> str:
    return service_token(erin, scopes=[ApiToken.Scope.READ])[1]


@pytest.fixture
def service_events(erin, project) -> str:
    return service_token(erin, scopes=[ApiToken.Scope.EVENTS_WRITE], project=project)[1]


@pytest.fixture
def api_get(client) -> Callable:
    """api_get("/projects", secret, team="x") -> the response to GET /api/v1/projects."""

    def get(path: str, secret: str | None = None, **params):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"} if secret else {}
        return client.get(f"{API}{path}", params, **headers)

    return get


@pytest.fixture
def world(units, project, other_project, uma, alice, dave) -> SimpleNamespace:
    """Two quarters of results for project (team, in Fraud) and other_project (other_team,
    in Search), an action on each plan, a target rule for production projects, and two
    initiatives: one of the whole organisation, one of other_team only."""
    earlier, latest = quarter_periods(2)
    results = {}
    for index, subject in enumerate((project, other_project)):
        for quarter, period in enumerate((earlier, latest)):
            levels = {
                key: (index + order + quarter) % 3 for order, (key, _) in enumerate(DIMENSIONS)
            }
            results[subject.slug, period.key] = score_assessment(
                project=subject, period=period, levels=levels, gaps=["data-tests"]
            )
    TargetRuleFactory(level=2, due_on=timezone.localdate() + datetime.timedelta(days=200))
    everyone = InitiativeFactory(title="Monitoring everywhere")
    InitiativeWeek.objects.create(
        initiative=everyone,
        week_start=datetime.date(2026, 10, 5),
        projects_in_scope=2,
        projects_complete=1,
        practices_in_place=1,
        practices_total=2,
    )
    search_only = InitiativeFactory(title="Search ranking drift")
    search_only.teams.set([other_project.team])
    return SimpleNamespace(
        periods=(earlier, latest),
        assessment=results[project.slug, latest.key],
        other_assessment=results[other_project.slug, latest.key],
        action=ActionFactory(project=project, owner=alice),
        other_action=ActionFactory(project=other_project, owner=dave),
        initiative=everyone,
        other_initiative=search_only,
        units=units,
    )
