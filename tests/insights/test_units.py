"""The organisation dashboard by unit: the unit filter, the heatmap's rows at each drill
level and their links, the units' headline and comparison numbers, the CSV's unit path, and
unit managers, who read the units they manage and nothing else."""

import csv
import io
import re

import pytest

from tests.insights.unit_data import small_tree, unit_manager


@pytest.fixture
def tree(db):
    return small_tree()


def _heatmap(response) -> dict[str, dict]:
    """The drawn heatmap's rows: label -> {"link", "cells"}."""
    figure = response.context["page"].charts["heatmap"]
    trace = figure["data"][0]
    links = figure["layout"]["meta"]["links"]
    return {
        label: {"link": link, "cells": cells}
        for label, link, cells in zip(trace["y"], links, trace["z"], strict=True)
    }


def _comparison(response) -> dict[str, tuple]:
    """The comparison table as a user reads it: name -> (assessed of due, completion,
    at level 1 or 2, median)."""
    rows = response.context["page"].rollup.rows
    return {
        row.name: (
            f"{row.assessed} of {row.due}",
            row.completion_percent,
            row.level_1_or_more_percent,
            row.median_score,
        )
        for row in rows
    }


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.text)


def _crumbs(response) -> list[str]:
    crumbs = response.text[response.text.index('data-testid="unit-breadcrumb"') :]
    return re.findall(r">([^<]+)</(?:a|span)>", crumbs[: crumbs.index("</nav>")])


def _csv_rows(response) -> list[dict]:
    text = b"".join(response.streaming_content).decode("utf-8").removeprefix("\ufeff")
    return list(csv.DictReader(io.StringIO(text)))


# --- The top of the organisation --------------------------------------------------------------


def test_it_shows_the_top_level_units_and_no_unit_as_rows(client_for, carol, tree):
    response = client_for(carol).get("/org/")
    rows = _heatmap(response)
    assert set(rows) == {"Data division (2 teams)", "Retail division (1 team)", "No unit (1 team)"}
    # Data division holds Fraud Detection and Feature Store: data levels 2, 0, 1 and
    # deployment levels 2, 1, 1, each cell the mean of the subtree's projects.
    assert rows["Data division (2 teams)"]["cells"] == [1.0, pytest.approx(4 / 3, abs=0.01)]
    assert rows["Data division (2 teams)"]["link"] == "/org/?quarter=2026-Q1&unit=data-division"
    assert rows["No unit (1 team)"]["link"] == "/org/?quarter=2026-Q1&unit=_none"
    assert "Mean level by unit and dimension, 2026-Q1" in response.text


def test_it_compares_the_units_at_the_top(client_for, carol, tree):
    response = client_for(carol).get("/org/")
    assert _comparison(response) == {
        "Data division": ("3 of 4", 75, 67, 1.5),  # medians of 2.0, 1.0, 1.5
        "Retail division": ("1 of 1", 100, 0, 0.5),
        "No unit": ("1 of 1", 100, 100, 1.75),
    }
    assert list(_comparison(response))[-1] == "No unit"
    table = response.text[response.text.index('data-testid="unit-comparison"') :]
    assert 'href="/org/?quarter=2026-Q1&amp;unit=retail-division"' in table
    assert "Units compared, 2026-Q1" in table


def test_the_headline_adds_up_the_whole_organisation(client_for, carol, tree):
    text = _text(client_for(carol).get("/org/"))
    assert '5 <span class="of">of 6</span>' in text
    assert '60%</div> <div class="label">of assessed projects at level 1 or 2' in text


# --- Drilling down ----------------------------------------------------------------------------


def test_a_unit_filter_scopes_every_figure_to_its_subtree(client_for, carol, tree):
    response = client_for(carol).get("/org/?unit=data-division")
    text = _text(response)
    assert "<h2>2026-Q1 · Data division</h2>" in text
    assert '3 <span class="of">of 4</span>' in text  # the draft is due, not assessed
    assert '75%</div> <div class="label">completion' in text
    assert '67%</div> <div class="label">of assessed projects at level 1 or 2' in text
    data = response.context["page"].data
    assert {team.name for team in data.completion_by_team} == {"Fraud Detection", "Feature Store"}
    assert data.trend[-1].quartiles.median == 1.5
    assert response.context["page"].charts["trend"]["layout"]["title"]["text"] == (
        "Data division trend"
    )
    assert '<option value="data-division" selected>' in text


def test_a_unit_of_units_shows_its_units(client_for, carol, tree):
    response = client_for(carol).get("/org/?unit=data-division")
    assert list(_heatmap(response)) == ["Platform (2 teams)"]
    assert _comparison(response) == {"Platform": ("3 of 4", 75, 67, 1.5)}


def test_a_unit_with_teams_shows_its_teams_beside_its_units(client_for, carol, tree):
    response = client_for(carol).get("/org/?unit=platform")
    rows = _heatmap(response)
    assert rows["Serving (1 team)"]["link"] == "/org/?quarter=2026-Q1&unit=serving"
    assert rows["Feature Store"]["link"] == "/teams/feature-store/"
    assert _comparison(response) == {
        "Feature Store": ("1 of 2", 50, 100, 1.5),
        "Serving": ("2 of 2", 100, 50, 1.5),
    }
    assert "Mean level by unit or team and dimension" in response.text
    assert '<a href="/teams/feature-store/">Feature Store</a> <span class="small muted">(team)' in (
        response.text
    )


def test_a_unit_of_teams_shows_its_teams(client_for, carol, tree):
    response = client_for(carol).get("/org/?unit=serving&stage=production")
    rows = _heatmap(response)
    assert list(rows) == ["Fraud Detection"]
    assert rows["Fraud Detection"]["cells"] == [1.0, 1.5]
    assert "Mean level by team and dimension" in response.text
    assert _crumbs(response) == ["Organisation", "Data division", "Platform", "Serving"]
    assert 'href="/org/?quarter=2026-Q1&amp;unit=platform&amp;stage=production"' in response.text


def test_the_teams_in_no_unit_open_as_a_level_of_their_own(client_for, carol, tree):
    response = client_for(carol).get("/org/?unit=_none")
    assert list(_heatmap(response)) == ["Loose Ends"]
    assert '1 <span class="of">of 1</span>' in _text(response)


def test_a_team_outside_the_chosen_unit_gives_way_to_the_unit(client_for, carol, tree):
    response = client_for(carol).get("/org/?unit=retail-division&team=fraud-detection")
    assert response.status_code == 200
    assert response.context["filters"].team is None
    assert list(_heatmap(response)) == ["Search Ranking"]
    # The team list offers the unit's teams only.
    assert '<option value="fraud-detection"' not in response.text


def test_the_htmx_fragment_keeps_the_unit_in_the_address(client_for, carol, tree):
    response = client_for(carol).get("/org/?unit=serving", headers={"HX-Request": "true"})
    assert response["HX-Push-Url"] == "/org/?quarter=2026-Q1&unit=serving"
    assert 'href="/org/export.csv?quarter=2026-Q1&amp;unit=serving"' in response.text


def test_an_unknown_unit_falls_back_to_the_whole_organisation(client_for, carol, tree):
    response = client_for(carol).get("/org/?unit=atlantis")
    assert response.status_code == 200
    assert "was not recognised" in response.text
    assert "Data division (2 teams)" in _heatmap(response)


# --- CSV --------------------------------------------------------------------------------------


def test_the_csv_carries_each_teams_unit_path(client_for, carol, tree):
    rows = _csv_rows(client_for(carol).get("/org/export.csv"))
    paths = {row["team"]: row["unit_path"] for row in rows}
    assert paths == {
        "Fraud Detection": "Data division / Platform / Serving",
        "Feature Store": "Data division / Platform",
        "Search Ranking": "Retail division",
        "Loose Ends": "",
    }


def test_the_csv_of_a_unit_holds_its_subtree_and_a_teams_csv_its_path(client_for, carol, tree):
    client = client_for(carol)
    rows = _csv_rows(client.get("/org/export.csv?unit=platform"))
    assert {row["team"] for row in rows} == {"Fraud Detection", "Feature Store"}
    team_rows = _csv_rows(client.get("/teams/fraud-detection/export.csv"))
    assert {row["unit_path"] for row in team_rows} == {"Data division / Platform / Serving"}


# --- Unit managers ----------------------------------------------------------------------------


def test_a_unit_manager_reads_their_unit_as_its_own_dashboard(client_for, tree):
    uma = unit_manager(tree.units["platform"])
    response = client_for(uma).get("/org/")
    assert response.status_code == 200
    text = _text(response)
    assert "<h1>My units</h1>" in text
    assert "<h2>2026-Q1 · Data division / Platform</h2>" in text  # their unit, by default
    assert '3 <span class="of">of 4</span>' in text
    assert response.context["page"].charts["trend"]["layout"]["title"]["text"] == "Platform trend"
    assert set(_heatmap(response)) == {"Serving (1 team)", "Feature Store"}
    assert "Search Ranking" not in response.text and "Loose Ends" not in response.text
    assert '<option value="serving">' in text and "retail-division" not in text


@pytest.mark.parametrize(
    "address",
    [
        "/org/?unit=retail-division",
        "/org/?unit=data-division",  # above the unit they manage
        "/org/?unit=_none",
        "/org/?team=search-ranking",
        "/org/export.csv?unit=retail-division",
        "/org/export.csv?team=loose-ends",
        "/teams/search-ranking/export.csv",
        "/teams/search-ranking/",
    ],
)
def test_a_unit_manager_gets_404_outside_their_units(client_for, tree, address):
    uma = unit_manager(tree.units["platform"])
    assert client_for(uma).get(address).status_code == 404


def test_a_unit_manager_filters_within_their_units_and_exports_them(client_for, tree):
    client = client_for(unit_manager(tree.units["platform"]))
    response = client.get("/org/?unit=serving")
    assert response.status_code == 200
    assert list(_heatmap(response)) == ["Fraud Detection"]
    assert _crumbs(response) == ["Platform", "Serving"]  # nothing above their unit
    rows = _csv_rows(client.get("/org/export.csv"))
    assert {row["team"] for row in rows} == {"Fraud Detection", "Feature Store"}
    assert client.get("/teams/fraud-detection/export.csv").status_code == 200


def test_a_manager_of_several_units_sees_those_and_filters_among_them(client_for, tree):
    uma = unit_manager(tree.units["serving"], tree.units["retail"])
    client = client_for(uma)
    response = client.get("/org/")
    assert set(_heatmap(response)) == {"Serving (1 team)", "Retail division (1 team)"}
    assert _comparison(response) == {
        "Retail division": ("1 of 1", 100, 0, 0.5),
        "Serving": ("2 of 2", 100, 50, 1.5),
    }
    assert '3 <span class="of">of 3</span>' in _text(response)
    assert client.get("/org/?unit=retail-division").status_code == 200
    assert client.get("/org/?unit=platform").status_code == 404
    assert "All my units" in response.text and "No unit" not in response.text


def test_the_navigation_offers_my_units_to_unit_managers(client_for, alice, carol, tree):
    uma = unit_manager(tree.units["retail"])
    assert '<a href="/org/" >My units</a>' in client_for(uma).get("/").text.replace("\n", "")
    assert ">Organisation</a>" in client_for(carol).get("/").text
    assert 'href="/org/"' not in client_for(alice).get("/").text
    assert client_for(alice).get("/org/").status_code == 403


def test_an_archived_unit_manages_nothing(client_for, tree):
    from teams.models import Unit

    uma = unit_manager(tree.units["retail"])
    Unit.objects.filter(pk=tree.units["retail"].pk).update(archived_at="2026-01-01T00:00Z")
    assert client_for(uma).get("/org/").status_code == 403
