"""Units at scale: the dashboard runs as many queries for 20 teams as for 2, with units or
without, at every drill level and for unit managers; and 200 teams in 15 units read as a
handful of rows."""

import pytest
from django.core.cache import cache

from insights.page_figures import STRONGEST_ROWS, WEAKEST_ROWS
from tests.assessments.factories import scored_organisation
from tests.insights.unit_data import place_in_units, unit_manager

# session, user, management group, the navigation's reviewer checks (group, units); on a
# cache miss: quarters, teams, units, the review policy, the roll-ups' counts (with the
# teams' scores: the rows' medians), the organisation's stored quartiles, heatmap, gaps,
# movers, stalled, the Targets card's three (the projects by their stored phase on the day,
# the projects behind listed, behind per team; no target here, so none listed to judge) and
# the Reviews card's two (signals, exemptions).
MANAGEMENT_QUERIES = 19
# A unit: the same but the stored quartiles, as a unit's come from its teams' scores.
UNIT_QUERIES = MANAGEMENT_QUERIES - 1
# A unit manager: session, user, groups and reviewed units, the units they manage, then
# what a unit costs.
UNIT_MANAGER_QUERIES = UNIT_QUERIES + 1
WARM_QUERIES = 3  # the page from the cache: session, user, the user's groups and reviewed units


@pytest.mark.parametrize("units", [False, True], ids=["no-units", "units"])
@pytest.mark.parametrize("teams", [2, 20], ids=["2-teams", "20-teams"])
def test_management_runs_as_many_queries_whatever_the_size(
    teams, units, client_for, carol, django_assert_num_queries
):
    organisation = scored_organisation(teams=teams, projects_per_team=3, quarters=4)
    tree = place_in_units(organisation.teams, divisions=2, departments=2) if units else []
    client = client_for(carol)
    with django_assert_num_queries(MANAGEMENT_QUERIES):
        assert client.get("/org/").status_code == 200
    with django_assert_num_queries(WARM_QUERIES):
        client.get("/org/")
    if tree:
        cache.clear()
        with django_assert_num_queries(UNIT_QUERIES):
            assert client.get(f"/org/?unit={tree[0].slug}").status_code == 200
        cache.clear()
        with django_assert_num_queries(UNIT_QUERIES):
            assert client.get(f"/org/?unit={tree[1].slug}").status_code == 200


@pytest.mark.parametrize("teams", [2, 20], ids=["2-teams", "20-teams"])
def test_a_unit_manager_runs_as_many_queries_whatever_the_size(
    teams, db, client_for, django_assert_num_queries
):
    organisation = scored_organisation(teams=teams, projects_per_team=3, quarters=4)
    tree = place_in_units(organisation.teams, divisions=2, departments=2)
    client = client_for(unit_manager(tree[0], tree[4]))  # a division, another's department
    with django_assert_num_queries(UNIT_MANAGER_QUERIES):
        response = client.get("/org/")
    assert response.status_code == 200
    rows = {row.name for row in response.context["page"].rollup.rows}
    assert "Division 01" in rows and rows <= {"Division 01", "Department 02.1"}
    with django_assert_num_queries(WARM_QUERIES + 1):  # and the units they manage
        client.get("/org/")


@pytest.fixture
def two_hundred_teams(db):
    """200 teams in 15 units: 5 divisions of 2 departments each; one team in no unit."""
    organisation = scored_organisation(teams=200, projects_per_team=1, quarters=1)
    units = place_in_units(organisation.teams, divisions=5, departments=2)
    return organisation, units


def test_200_teams_in_15_units_read_as_a_few_rows(client_for, carol, two_hundred_teams):
    _, units = two_hundred_teams
    assert len(units) == 15
    client = client_for(carol)
    page = client.get("/org/").context["page"]
    heatmap = page.charts["heatmap"]["data"][0]
    # The five divisions, nothing condensed; the team in no unit has only a draft.
    assert sorted(heatmap["y"]) == [f"Division 0{n} ({40 - (n == 5)} teams)" for n in range(1, 6)]
    assert not page.condensed
    no_unit = page.rollup.rows[-1]
    assert (no_unit.name, no_unit.assessed, no_unit.due) == ("No unit", 0, 1)
    assert sum(row.due for row in page.rollup.rows) == 200
    division = client.get(f"/org/?unit={units[0].slug}").context["page"]
    assert [row.name for row in division.rollup.rows] == ["Department 01.1", "Department 01.2"]
    department = client.get(f"/org/?unit={units[1].slug}").context["page"]
    assert len(department.rollup.rows) == 20  # its teams
    assert len(department.charts["heatmap"]["data"][0]["y"]) == WEAKEST_ROWS + 1 + STRONGEST_ROWS
