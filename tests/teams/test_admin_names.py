"""Team names edited in the admin are normalised and unique by look, like project names."""


def _post(client, team, name):
    return client.post(
        f"/admin/teams/team/{team.pk}/change/",
        {
            "name": name,
            "slug": team.slug,
            "description": "",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )


def test_it_refuses_a_team_name_that_looks_like_another(client_for, erin, team, other_team):
    response = _post(client_for(erin), other_team, "Fr\u0430ud  Detection\u200b")  # a Cyrillic a
    assert response.status_code == 200
    assert "There is already a team called" in response.text
    other_team.refresh_from_db()
    assert other_team.name == "Search Ranking"


def test_it_stores_a_team_name_normalised(client_for, erin, other_team):
    _post(client_for(erin), other_team, "  Search\u200b   Ranking\x1b  2 ")
    other_team.refresh_from_db()
    assert other_team.name == "Search Ranking 2"
