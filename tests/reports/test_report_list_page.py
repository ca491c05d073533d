"""The reports page offers every period that has opened and every team to generate a
report for, in a fixed number of queries however many teams there are."""

import re

import pytest

from tests.factories import TeamFactory


def options(page: str, name: str) -> list[tuple[str, bool, str]]:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', page, re.S)
    assert select, page
    return [
        (value, bool(selected), label)
        for value, selected, label in re.findall(
            r'<option value="([^"]*)"( selected)?>([^<]*)</option>', select.group(1)
        )
    ]


def test_it_offers_the_whole_organisation_first_and_then_every_team_by_name(
    client_for, carol, period, team, other_team
):
    page = client_for(carol).get("/reports/").text
    teams = sorted([team, other_team], key=lambda t: t.name)
    assert options(page, "team") == [
        ("", True, "Whole organisation"),
        *[(str(t.pk), False, t.name) for t in teams],
    ]
    assert (str(period.pk), False, period.key) in options(page, "period")
    assert '<label for="id_team">Scope</label>' in page


def test_it_keeps_the_chosen_team_when_the_request_is_refused(
    client_for, carol, period, team, other_team
):
    response = client_for(carol).post("/reports/generate/", {"period": "", "team": team.pk})
    assert response.status_code == 422
    chosen = [option for option in options(response.text, "team") if option[1]]
    assert chosen == [(str(team.pk), True, team.name)]
    assert 'aria-invalid="true"' in response.text


@pytest.mark.parametrize("teams", [1, 8])
def test_it_reads_the_page_in_fixed_queries(
    client_for, carol, period, teams, django_assert_num_queries
):
    for number in range(teams):
        TeamFactory(name=f"Team {number}")
    client = client_for(carol)
    client.get("/reports/")  # warm the session
    # Session and user (2), management (1), the periods, the teams, the reports.
    with django_assert_num_queries(6):
        page = client.get("/reports/").text
    assert len(options(page, "team")) == teams + 1
