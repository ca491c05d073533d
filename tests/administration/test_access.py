"""Administration is for org admins only: every page and action, for every persona.

Anonymous visitors are sent to log in, everyone else who is not an org admin gets 403,
and a refused POST changes nothing.
"""

import pytest

from core.models import AuditEntry
from teams.models import Team, Unit
from tests.factories import UserFactory

LOGIN = "login"
REFUSED = {
    "anonymous": LOGIN,
    "member": 403,
    "lead": 403,
    "other_lead": 403,
    "management": 403,
    "outsider": 403,
}

PAGES = [
    "/manage/",
    "/manage/units/",
    "/manage/units/new/",
    "/manage/units/platform/rename/",
    "/manage/units/platform/move/",
    "/manage/teams/new/",
    "/manage/teams/fraud-detection/rename/",
    "/manage/teams/fraud-detection/move/",
    "/manage/people/",
    "/manage/people/{alice}/",
    "/manage/audit/",
    "/manage/audit.csv",
]
# path: POST data an org admin's request succeeds with (a redirect back to the page).
ACTIONS = {
    "/manage/units/new/": {"name": "Risk", "parent": "none"},
    "/manage/units/platform/rename/": {"name": "ML Platform"},
    "/manage/units/platform/move/": {"parent": "{retail}"},
    "/manage/units/serving/archive/": {},
    "/manage/units/serving/restore/": {},
    "/manage/teams/new/": {"name": "Pricing", "unit": "{retail}"},
    "/manage/teams/fraud-detection/rename/": {"name": "Fraud"},
    "/manage/teams/fraud-detection/move/": {"unit": "{retail}"},
    "/manage/teams/fraud-detection/archive/": {},
    "/manage/people/{dana}/roles/": {"roles": ["reviewer"]},
    "/manage/people/{dana}/teams/": {"team": "{team}", "role": "member"},
    "/manage/people/{dana}/units/": {"units": ["{data}"]},
    "/manage/people/{dana}/deactivate/": {},
    "/manage/people/{dana}/reactivate/": {},
}


def _ids(tree, dana, team) -> dict[str, int]:
    return {"dana": dana.pk, "team": team.pk, **{name: unit.pk for name, unit in tree.items()}}


@pytest.fixture
def dana(db):
    return UserFactory(username="dana", first_name="Dana")


def _outcome(response) -> int | str:
    if response.status_code == 302 and response["Location"].startswith("/accounts/login/"):
        return LOGIN
    return response.status_code


@pytest.mark.parametrize("path", PAGES)
def test_it_opens_every_page_for_org_admins_only(path, personas, client_for, tree, alice):
    url = path.format(alice=alice.pk)
    assert client_for(personas["admin"]).get(url).status_code == 200
    for persona, expected in REFUSED.items():
        assert _outcome(client_for(personas[persona]).get(url)) == expected, persona


@pytest.mark.parametrize("path", ACTIONS)
def test_it_lets_only_org_admins_act(path, personas, client_for, tree, dana, team):
    ids = _ids(tree, dana, team)
    url = path.format(**ids)
    data = {
        key: [v.format(**ids) for v in value] if isinstance(value, list) else value.format(**ids)
        for key, value in ACTIONS[path].items()
    }
    if path.endswith("reactivate/"):
        dana.is_active = False
        dana.save()
    if path.endswith("restore/"):
        Unit.objects.filter(pk=tree["serving"].pk).update(archived_at="2026-01-01T00:00Z")
    entries = AuditEntry.objects.count()
    for persona, expected in REFUSED.items():
        assert _outcome(client_for(personas[persona]).post(url, data)) == expected, persona
    assert AuditEntry.objects.count() == entries  # nothing was done
    assert Unit.objects.filter(name="Risk").count() == Team.objects.filter(name="Pricing").count()
    response = client_for(personas["admin"]).post(url, data)
    assert response.status_code == 302, response.content[:500]
    assert AuditEntry.objects.count() == entries + 1


POST_ONLY = [path for path in ACTIONS if not path.endswith(("new/", "rename/", "move/"))]


@pytest.mark.parametrize("path", POST_ONLY)
def test_it_refuses_get_on_actions_that_only_post(path, client_for, erin, tree, dana, team):
    url = path.format(**_ids(tree, dana, team))
    assert client_for(erin).get(url).status_code == 405


def test_it_asks_anonymous_htmx_requests_to_log_in_with_401(client, tree):
    response = client.post("/manage/units/new/", {"name": "Risk"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 401
    assert not Unit.objects.filter(name="Risk").exists()


def test_it_refuses_an_org_admin_who_was_deactivated(client_for, erin, tree):
    client = client_for(erin)
    erin.is_active = False
    erin.save()
    assert _outcome(client.get("/manage/")) == LOGIN
