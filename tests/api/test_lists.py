"""What each list holds for each reader, its filters, and its pagination.

The rule is the pages': a lead's token lists only the lead's team's rows, a unit
manager's their units', management's everything. Filters take slugs and keys; a value
that names nothing the token reads answers 422. Pages follow `next` without a gap or a
repeat, and an edited cursor answers 422.
"""

import pytest

from tests.api.conftest import personal_token
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

# list -> what identifies a row
KEYS = {
    "/units": lambda row: row["slug"],
    "/teams": lambda row: row["slug"],
    "/projects": lambda row: row["slug"],
    "/assessments": lambda row: (row["project"]["slug"], row["period"]),
    "/targets": lambda row: row["project"]["slug"],
    "/actions": lambda row: row["team"]["slug"],
    "/initiatives": lambda row: row["slug"],
    "/periods": lambda row: row["key"],
}


def _rows(api_get, path: str, secret: str, **params) -> list:
    response = api_get(path, secret, **params)
    assert response.status_code == 200, response.json()
    return [KEYS[path](row) for row in response.json()["results"]]


@pytest.fixture
def read(world, api_personas, api_get):
    """read(persona, "/projects", **filters) -> the identities of the rows listed."""
    secrets = {name: personal_token(user)[1] for name, user in api_personas.items()}

    def rows(persona: str, path: str, **params) -> list:
        return _rows(api_get, path, secrets[persona], **params)

    return rows


def test_a_lead_lists_only_their_team_s_projects(read, project, other_project):
    assert read("lead", "/projects") == [project.slug]
    assert read("member", "/projects") == [project.slug]
    assert read("other_lead", "/projects") == [other_project.slug]
    assert read("unit_manager", "/projects") == [project.slug]
    assert read("management", "/projects") == [project.slug, other_project.slug]
    assert read("admin", "/projects") == [project.slug, other_project.slug]
    assert read("reviewer", "/projects") == []
    assert read("outsider", "/projects") == []


def test_every_list_holds_the_reader_s_rows_only(read, world, team, other_team, project):
    fraud, division, search = world.units.fraud, world.units.division, world.units.search
    latest, earlier = world.periods[-1].key, world.periods[0].key
    assert read("lead", "/units") == [fraud.slug]
    assert read("unit_manager", "/units") == [division.slug, fraud.slug]
    assert sorted(read("management", "/units")) == sorted([division.slug, fraud.slug, search.slug])
    assert read("outsider", "/units") == []
    assert read("lead", "/teams") == [team.slug]
    assert read("other_lead", "/teams") == [other_team.slug]
    assert read("lead", "/assessments") == [(project.slug, latest), (project.slug, earlier)]
    assert read("reviewer", "/assessments") == []
    assert read("lead", "/targets") == [project.slug]
    assert read("lead", "/actions") == [team.slug]
    assert read("unit_manager", "/actions") == [team.slug]
    assert read("management", "/actions") == [team.slug, other_team.slug]
    # The initiative of the whole organisation, and other_team's for its lead.
    assert read("lead", "/initiatives") == [world.initiative.slug]
    assert read("other_lead", "/initiatives") == [
        world.initiative.slug,
        world.other_initiative.slug,
    ]
    assert read("outsider", "/initiatives") == []
    # Periods hold no team's data: every reader lists them.
    assert read("outsider", "/periods") == [latest, earlier]


def test_the_filters_narrow_within_the_reader_s_rows(read, world, project, other_project, team):
    latest = world.periods[-1].key
    division = world.units.division.slug
    assert read("management", "/projects", unit=division) == [project.slug]
    assert read("management", "/projects", team=team.slug) == [project.slug]
    assert read("management", "/projects", stage="pilot") == []
    assert read("management", "/assessments", period=latest, unit=division) == [
        (project.slug, latest)
    ]
    assert read("management", "/assessments", project=other_project.slug, status="draft") == []
    assert len(read("management", "/assessments", status="submitted", stage="production")) == 4
    assert read("management", "/targets", team=team.slug) == [project.slug]
    assert read("management", "/actions", project=other_project.slug) == [other_project.team.slug]
    assert read("management", "/actions", status="done") == []


@pytest.mark.parametrize(
    ("path", "param"),
    [
        ("/projects", "team"),
        ("/projects", "unit"),
        ("/assessments", "project"),
        ("/assessments", "period"),
        ("/targets", "unit"),
        ("/actions", "team"),
    ],
)
def test_a_filter_naming_nothing_the_token_reads_answers_422(
    world, alice, other_team, other_project, api_get, path, param
):
    _, secret = personal_token(alice)
    outside = {
        "team": other_team.slug,
        "unit": world.units.search.slug,
        "project": other_project.slug,
        "period": "1999-Q1",
    }
    for value in (outside[param], "no-such-thing"):
        response = api_get(path, secret, **{param: value})
        assert response.status_code == 422, (param, value)
        [problem] = response.json()["detail"]
        assert problem["loc"] == ["query", param]
        assert "among those this token reads" in problem["msg"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"stage": "space"}, "stage"),
        ({"status": "finished"}, "status"),
        ({"page_size": 0}, "page_size"),
        ({"page_size": 201}, "page_size"),
        ({"page_size": "ten"}, "page_size"),
        ({"team": "not a slug"}, "team"),
    ],
)
def test_an_invalid_value_answers_422_naming_the_field(world, carol, api_get, params, field):
    _, secret = personal_token(carol)
    response = api_get("/assessments", secret, **params)
    assert response.status_code == 422
    assert [problem["loc"] for problem in response.json()["detail"]] == [["query", field]]


def test_pages_follow_next_without_gaps_or_repeats(world, carol, team, client, api_get):
    for number in range(7):
        ProjectFactory(team=team, name=f"Extra {number}")
    _, secret = personal_token(carol)
    everything = _rows(api_get, "/projects", secret, page_size=200)
    seen, url, pages = [], f"/api/v1/projects?page_size=3&team={team.slug}", 0
    while url:
        body = client.get(url, HTTP_AUTHORIZATION=f"Bearer {secret}").json()
        seen += [row["slug"] for row in body["results"]]
        url, pages = body["next"], pages + 1
        assert url is None or url.startswith("http://testserver/api/v1/projects?")
        assert url is None or f"team={team.slug}" in url  # the filters stay on
    assert pages == 3  # 8 projects of team, 3 a page
    assert seen == [slug for slug in everything if slug in seen]
    assert len(seen) == len(set(seen)) == 8


def test_a_page_after_rows_were_added_continues_where_it_left_off(world, carol, team, client):
    _, secret = personal_token(carol)
    first = client.get("/api/v1/projects?page_size=1", HTTP_AUTHORIZATION=f"Bearer {secret}").json()
    ProjectFactory(team=team, name="Aardvark")  # sorts before every row already seen
    second = client.get(first["next"], HTTP_AUTHORIZATION=f"Bearer {secret}").json()
    assert [row["slug"] for row in second["results"]] != [row["slug"] for row in first["results"]]
    assert "aardvark" not in [row["slug"] for row in second["results"]]


@pytest.mark.parametrize("cursor", ["garbage", "WyJ6eiIsIDFd", "x" * 1001, "", "%00"])
def test_an_edited_or_foreign_cursor_answers_422(world, carol, client, api_get, cursor):
    _, secret = personal_token(carol)
    response = api_get("/projects", secret, cursor=cursor)
    if cursor == "":  # no cursor: the first page
        assert response.status_code == 200
        return
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "cursor"]
    # A genuine cursor of another list is refused too.
    teams = api_get("/teams", secret, page_size=1).json()
    foreign = teams["next"].split("cursor=")[1]
    assert (
        client.get(
            f"/api/v1/projects?cursor={foreign}", HTTP_AUTHORIZATION=f"Bearer {secret}"
        ).status_code
        == 422
    )
