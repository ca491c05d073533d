"""Every list endpoint runs a fixed number of queries, whatever the size of the
organisation or of the page: pinned at two sizes, for management and for a lead.

The counts include the token's look-up (one query; its "last used" write happens at most
once a minute and is out of the way here) and reading the reader's roles (one for
management, two for a lead: groups, then managed units). Periods need neither role.
"""

import pytest
from django.utils import timezone

from accounts.models import ApiToken
from teams.models import Membership
from teams.units import team_move, unit_create
from tests.api.conftest import personal_token
from tests.assessments.factories import scored_organisation
from tests.improvement.factories import ActionFactory, InitiativeFactory, TargetRuleFactory

pytestmark = pytest.mark.django_db

# list: (queries for management, queries for a lead)
QUERIES = {
    "/units": (4, 5),  # + the page, the units' path names
    "/teams": (4, 5),  # + the page with its active projects, the units' path names
    "/projects": (4, 5),  # + the page with teams and units, the units' path names
    "/periods": (2, 2),  # + the page with frameworks
    "/assessments": (4, 5),  # + the page with projects, teams, units, periods; path names
    "/targets": (8, 9),  # + the page, then project_targets' five (a dimension target)
    "/actions": (3, 4),  # + the page with teams, projects and owners
    "/initiatives": (13, 15),  # + the page, initiatives_progress' ten; a lead's teams
}
SIZES = {"small": (2, 2, 2), "large": (6, 4, 3)}


@pytest.fixture(params=list(SIZES))
def organisation(request, alice):
    teams, projects_per_team, quarters = SIZES[request.param]
    made = scored_organisation(teams=teams, projects_per_team=projects_per_team, quarters=quarters)
    top = unit_create(name="Top", parent=None, actor=None)
    for number, team in enumerate(made.teams):
        team_move(
            team=team, unit=unit_create(name=f"Unit {number}", parent=top, actor=None), actor=None
        )
        ActionFactory(project=made.projects[number * projects_per_team])
        InitiativeFactory(title=f"Initiative {number}").teams.set([team])
    TargetRuleFactory(level=2, dimension_key="data")
    TargetRuleFactory(level=1)
    Membership.objects.create(user=alice, team=made.teams[0], role=Membership.Role.LEAD)
    return made


def _secret(user) -> str:
    token, secret = personal_token(user)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return secret


@pytest.mark.parametrize("path", QUERIES)
def test_every_list_runs_a_fixed_number_of_queries(
    organisation, path, carol, alice, api_get, django_assert_num_queries
):
    for user, expected in zip((carol, alice), QUERIES[path], strict=True):
        secret = _secret(user)
        with django_assert_num_queries(expected):
            response = api_get(path, secret, page_size=200)
        assert response.status_code == 200
        assert response.json()["results"]


def test_the_large_organisation_is_larger(organisation, carol, api_get):
    """The two sizes differ where it counts: more rows, same queries."""
    secret = _secret(carol)
    rows = len(api_get("/assessments", secret, page_size=200).json()["results"])
    assert rows == len(organisation.projects) * len(organisation.periods)
