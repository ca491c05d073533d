"""Units and teams at /manage/units/: the tree, and every change made in place (htmx)
or by a plain POST, with clear messages for what is refused and the typed text kept."""

import pytest

from core.models import AuditEntry
from teams.models import Team, Unit
from teams.units import unit_archive, unit_move

HTMX = {"HTTP_HX_REQUEST": "true"}


def test_it_shows_the_tree_with_teams_and_managers(admin_client, tree, alice, team):
    tree["platform"].manager_roles.create(user=alice)
    response = admin_client.get("/manage/units/")
    page = response.text
    assert response.status_code == 200
    # Indented: Serving is inside Platform's list, which is inside Data division's.
    data, platform, serving = (
        page.index(f'id="unit-{tree[n].pk}"') for n in ("data", "platform", "serving")
    )
    assert data < platform < page.index(f'id="team-{team.pk}"') < serving
    assert page.count('<ul class="subtree">') == 2  # Data division's, and Platform's in it
    assert f'href="/manage/people/{alice.pk}/">Alice</a>' in page
    assert "Fraud Detection" in page


def test_it_opens_a_form_in_place_and_answers_htmx_with_the_tree_only(admin_client, tree):
    response = admin_client.get(f"/manage/units/{tree['platform'].slug}/rename/", **HTMX)
    assert response.status_code == 200
    assert "<html" not in response.text
    assert 'id="units-tree"' in response.text
    assert 'value="Platform"' in response.text  # the current name, ready to edit
    assert f'hx-post="/manage/units/{tree["platform"].slug}/rename/"' in response.text


def test_it_renames_in_place(admin_client, tree):
    response = admin_client.post(
        f"/manage/units/{tree['platform'].slug}/rename/", {"name": "ML Platform"}, **HTMX
    )
    assert response.status_code == 200
    assert "Renamed “Platform” to “ML Platform”." in response.text
    assert Unit.objects.get(pk=tree["platform"].pk).name == "ML Platform"


def test_it_works_without_javascript(admin_client, tree):
    response = admin_client.post("/manage/units/new/", {"name": "Risk", "parent": tree["data"].pk})
    assert response.status_code == 302
    assert response["Location"] == "/manage/units/"
    follow = admin_client.get("/manage/units/")
    assert "Created the unit “Risk”." in follow.text
    assert Unit.objects.get(name="Risk").parent == tree["data"]


def test_it_opens_the_form_for_a_unit_inside_its_parent(admin_client, tree):
    response = admin_client.get(f"/manage/units/new/?parent={tree['retail'].slug}")
    page = response.text
    retail = page.index(f'id="unit-{tree["retail"].pk}"')
    assert page.index('class="inline-edit"') > retail  # opened in place, under Retail
    assert f'<option value="{tree["retail"].pk}" selected>Retail division</option>' in page


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "Give the unit a name."),
        ("   \t ", "Give the unit a name."),
        ("\x1b\x07\u200b", "Give the unit a name in letters or digits."),
        ("x" * 5000, "Keep the name to 120 characters."),
        ("null\x00byte", "Null characters are not allowed."),
        ("PLATFORM", "There is already a unit called “Platform” here."),
        ("\u0420latform", "There is already a unit called “Platform” here."),  # Cyrillic Er
    ],
)
def test_it_refuses_bad_names_and_keeps_what_was_typed(admin_client, tree, name, message):
    before = Unit.objects.count()
    response = admin_client.post(
        "/manage/units/new/", {"name": name, "parent": tree["data"].pk}, **HTMX
    )
    assert response.status_code == 422
    assert message in response.text
    assert 'id="id_name_error"' in response.text
    if name.strip() and "\x00" not in name and len(name) < 200:
        assert f'value="{name}"' in response.text  # what was typed stays
    assert Unit.objects.count() == before


def test_it_stores_names_cleaned(admin_client, tree):
    admin_client.post(
        "/manage/units/new/", {"name": "  Risk\x1b[31m  \u200bdesk ", "parent": "none"}
    )
    assert Unit.objects.filter(name="Risk[31m desk", parent=None).exists()


def test_it_refuses_moving_a_unit_under_itself_with_the_services_message(admin_client, tree):
    data = tree["data"]
    response = admin_client.post(
        f"/manage/units/{data.slug}/move/", {"parent": tree["serving"].pk}, **HTMX
    )
    assert response.status_code == 422
    assert "A unit cannot move into itself or a unit below it." in response.text
    assert Unit.objects.get(pk=data.pk).parent is None


def test_it_offers_no_unit_of_the_subtree_to_move_into(admin_client, tree):
    response = admin_client.get(f"/manage/units/{tree['data'].slug}/move/")
    options = response.text.split('id="id_parent"')[1].split("</select>")[0]
    assert "Retail division" in options
    assert "Serving" not in options and ">Data division<" not in options


def test_it_refuses_a_stale_move_form_after_a_concurrent_move(admin_client, tree, erin):
    """Retail's move form offered Platform; meanwhile Platform moved under Retail."""
    unit_move(unit=tree["platform"], parent=tree["retail"], actor=erin)
    response = admin_client.post(
        f"/manage/units/{tree['retail'].slug}/move/", {"parent": tree["platform"].pk}, **HTMX
    )
    assert response.status_code == 422
    assert "A unit cannot move into itself or a unit below it." in response.text
    retail = Unit.objects.get(pk=tree["retail"].pk)
    assert (retail.parent, retail.path) == (None, f"/{retail.pk}/")


def test_it_refuses_a_stale_form_naming_a_unit_archived_since(admin_client, tree, erin):
    unit_archive(unit=tree["serving"], actor=erin)
    response = admin_client.post(
        "/manage/teams/new/", {"name": "Latency", "unit": tree["serving"].pk}, **HTMX
    )
    assert response.status_code == 422
    assert "Serving is archived: restore it first." in response.text
    assert 'value="Latency"' in response.text


def test_it_refuses_a_unit_that_no_longer_exists(admin_client, tree):
    response = admin_client.post("/manage/units/new/", {"name": "Risk", "parent": 99999}, **HTMX)
    assert response.status_code == 422
    assert "That unit no longer exists" in response.text
    assert admin_client.get("/manage/units/no-such-unit/rename/").status_code == 404


@pytest.mark.parametrize("parent", ["abc", "1 OR 1=1", "-1", "1.5", "99999999999999999999999"])
def test_it_refuses_tampered_choices(admin_client, tree, parent):
    response = admin_client.post("/manage/units/new/", {"name": "Risk", "parent": parent}, **HTMX)
    assert response.status_code == 422
    assert not Unit.objects.filter(name="Risk").exists()


def test_it_says_what_to_move_before_archiving_a_unit(admin_client, tree):
    response = admin_client.post(f"/manage/units/{tree['platform'].slug}/archive/", **HTMX)
    assert response.status_code == 422
    assert (
        "“Platform” is not archived. Move or archive its 1 team and 1 unit first." in response.text
    )
    plain = admin_client.post(f"/manage/units/{tree['platform'].slug}/archive/", follow=True)
    assert "Move or archive its 1 team and 1 unit first." in plain.text
    assert Unit.objects.get(pk=tree["platform"].pk).archived_at is None


def test_it_archives_and_restores_a_unit(admin_client, tree):
    serving = tree["serving"]
    response = admin_client.post(f"/manage/units/{serving.slug}/archive/", **HTMX)
    assert "Archived “Serving”." in response.text
    assert "Restore<span" in response.text
    response = admin_client.post(f"/manage/units/{serving.slug}/restore/", **HTMX)
    assert "Restored “Serving”." in response.text
    assert Unit.objects.get(pk=serving.pk).archived_at is None


def test_it_creates_renames_moves_and_archives_a_team(admin_client, tree):
    response = admin_client.post(
        "/manage/teams/new/", {"name": "Pricing", "unit": tree["serving"].pk}, **HTMX
    )
    assert "Created the team “Pricing”." in response.text
    team = Team.objects.get(name="Pricing")
    admin_client.post(f"/manage/teams/{team.slug}/rename/", {"name": "Dynamic pricing"}, **HTMX)
    response = admin_client.post(
        f"/manage/teams/{team.slug}/move/", {"unit": tree["retail"].pk}, **HTMX
    )
    assert "Moved “Dynamic pricing” to “Retail division”." in response.text
    response = admin_client.post(f"/manage/teams/{team.slug}/archive/", **HTMX)
    assert "Archived “Dynamic pricing”." in response.text
    team.refresh_from_db()
    assert (team.name, team.unit, team.archived_at is not None) == (
        "Dynamic pricing",
        tree["retail"],
        True,
    )
    actions = list(
        AuditEntry.objects.filter(target_type="team", target_id=team.pk).values_list(
            "action", flat=True
        )
    )
    assert actions == ["team.archive", "team.move", "team.rename", "team.create"]


def test_it_refuses_a_team_name_that_looks_like_another(admin_client, tree, team):
    response = admin_client.post(
        "/manage/teams/new/", {"name": "fraud  detectiоn", "unit": "none"}, **HTMX
    )
    assert response.status_code == 422
    assert "There is already a team called “Fraud Detection” here." in response.text
    assert Team.objects.count() == 1


def test_it_keeps_script_payloads_inert(admin_client, tree):
    payload = "<script>alert(1)</script>"
    admin_client.post("/manage/units/new/", {"name": payload, "parent": "none"})
    page = admin_client.get("/manage/units/").text
    assert payload not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_it_never_falls_back_to_the_top_level_when_a_choice_has_gone(admin_client, tree, erin):
    """The stale choice is not offered again, and nothing else is chosen in its place."""
    unit_move(unit=tree["platform"], parent=tree["retail"], actor=erin)
    response = admin_client.post(
        f"/manage/units/{tree['retail'].slug}/move/", {"parent": tree["platform"].pk}, **HTMX
    )
    select = response.text.split('id="id_parent"')[1].split("</select>")[0]
    assert "selected" not in select  # so the browser shows the first option, "— Choose —"
    assert select.index("— Choose —") < select.index("— Top level —")
    response = admin_client.post(
        f"/manage/units/{tree['retail'].slug}/move/", {"parent": ""}, **HTMX
    )
    assert response.status_code == 422
    assert "Choose where it goes." in response.text


def test_it_moves_a_unit_to_the_top_level(admin_client, tree):
    response = admin_client.post(
        f"/manage/units/{tree['serving'].slug}/move/", {"parent": "none"}, **HTMX
    )
    assert "Moved “Serving” to the top level." in response.text
    serving = Unit.objects.get(pk=tree["serving"].pk)
    assert (serving.parent, serving.depth, serving.path) == (None, 0, f"/{serving.pk}/")
