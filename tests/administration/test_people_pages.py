"""People at /manage/people/ and each person's page: search, roles set in place, and
deactivation that logs the person out at once."""

import pytest
from django.contrib.auth.models import User
from django.test import Client

from core.models import AuditEntry
from teams.models import Membership, UnitManager
from tests.factories import UserFactory

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("ali", {"alice"}),
        ("ALICE@EXAMPLE", {"alice"}),  # e-mail, any case
        ("Carol", {"carol"}),  # first name
        ("example.com", {"alice", "bob", "carol", "erin"}),
        ("bob example", {"bob"}),  # every word must match
        ("nobody-by-this-name", set()),
    ],
)
def test_it_searches_names_emails_and_usernames(admin_client, alice, bob, carol, query, found):
    response = admin_client.get("/manage/people/", {"q": query})
    assert response.status_code == 200
    listed = {person.username for person, _ in response.context["rows"]}
    assert listed == found


def test_it_lists_each_persons_roles(admin_client, tree, alice, carol, erin):
    UnitManager.objects.create(user=alice, unit=tree["data"])
    page = admin_client.get("/manage/people/").text
    row = page.split(f'href="/manage/people/{alice.pk}/"')[1].split("</tr>")[0]
    assert "Fraud Detection" in row and "lead" in row and "Data division" in row
    carol_row = page.split(f'href="/manage/people/{carol.pk}/"')[1].split("</tr>")[0]
    assert "Management" in carol_row
    erin_row = page.split(f'href="/manage/people/{erin.pk}/"')[1].split("</tr>")[0]
    assert "Org admin" in erin_row


def test_it_answers_a_search_from_htmx_with_the_results_only(admin_client, alice):
    response = admin_client.get("/manage/people/", {"q": "alice"}, **HTMX)
    assert "<html" not in response.text
    assert 'id="people-results"' in response.text


@pytest.mark.parametrize("query", ["x" * 5000, "\x00", "%", "_", "' OR 1=1 --", "<script>"])
def test_it_survives_hostile_searches(admin_client, alice, query):
    response = admin_client.get("/manage/people/", {"q": query})
    assert response.status_code == 200
    assert "<script>" not in response.text.split("<main")[1]


def test_it_pages_long_lists_keeping_the_search(admin_client, erin):
    for number in range(60):
        UserFactory(username=f"analyst{number:02}")
    page = admin_client.get("/manage/people/", {"q": "analyst"}).text
    assert "Page 1 of 2" in page
    assert 'href="?q=analyst&amp;page=2"' in page


def test_it_sets_organisation_roles_in_place(admin_client, charlie):
    response = admin_client.post(
        f"/manage/people/{charlie.pk}/roles/", {"roles": ["reviewer", "management"]}, **HTMX
    )
    assert response.status_code == 200
    assert "Saved the organisation roles." in response.text
    assert 'id="roles-card"' in response.text and "<html" not in response.text
    entry = AuditEntry.objects.get(action="user.roles")
    assert entry.after == {"management": True, "reviewer": True}


def test_it_refuses_removing_the_last_org_admin_with_a_clear_message(admin_client, erin):
    response = admin_client.post(f"/manage/people/{erin.pk}/roles/", {"roles": []}, **HTMX)
    assert response.status_code == 422
    assert "Erin is the last org admin: make someone else an org admin" in response.text
    assert User.objects.get(pk=erin.pk).is_staff


def test_an_org_admin_who_gives_up_the_role_leaves_administration(admin_client, erin):
    UserFactory(username="otto", is_staff=True)
    response = admin_client.post(f"/manage/people/{erin.pk}/roles/", {"roles": []})
    assert response["Location"] == "/"
    assert admin_client.get("/manage/").status_code == 403


def test_it_refuses_an_unknown_role(admin_client, charlie):
    response = admin_client.post(f"/manage/people/{charlie.pk}/roles/", {"roles": ["root"]})
    assert response.status_code == 422
    assert "Select a valid choice. root is not one of the available choices." in response.text


def test_it_sets_team_roles(admin_client, charlie, team):
    url = f"/manage/people/{charlie.pk}/teams/"
    response = admin_client.post(url, {"team": team.pk, "role": "lead"}, **HTMX)
    assert "Now team lead of Fraud Detection." in response.text
    assert Membership.objects.get(user=charlie, team=team).role == "lead"
    response = admin_client.post(url, {"team": team.pk, "role": ""}, **HTMX)
    assert "Took out of Fraud Detection." in response.text
    assert not Membership.objects.filter(user=charlie).exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"team": "", "role": "lead"}, "Choose a team."),
        ({"team": "99999", "role": "lead"}, "That team no longer exists"),
        ({"team": "{team}", "role": "owner"}, "Select a valid choice."),
    ],
)
def test_it_refuses_bad_team_roles(admin_client, charlie, team, data, message):
    data = {key: value.format(team=team.pk) for key, value in data.items()}
    response = admin_client.post(f"/manage/people/{charlie.pk}/teams/", data, **HTMX)
    assert response.status_code == 422
    assert message in response.text
    assert not Membership.objects.filter(user=charlie).exists()


def test_it_sets_the_units_a_person_manages(admin_client, tree, charlie):
    response = admin_client.post(
        f"/manage/people/{charlie.pk}/units/",
        {"units": [tree["data"].pk, tree["retail"].pk]},
        **HTMX,
    )
    assert "Saved the units they manage." in response.text
    assert "Manages now: Data division; Retail division." in response.text
    assert UnitManager.objects.filter(user=charlie).count() == 2


def test_deactivation_logs_the_person_out_at_once(admin_client, alice, erin):
    theirs = Client()
    theirs.force_login(alice)
    assert theirs.get("/").status_code == 200
    response = admin_client.post(f"/manage/people/{alice.pk}/deactivate/", **HTMX)
    assert "logged out everywhere" in response.text
    next_request = theirs.get("/")
    assert next_request.status_code == 302
    assert next_request["Location"].startswith("/accounts/login/")
    entry = AuditEntry.objects.get(action="user.deactivate")
    assert (entry.actor, entry.target_id, entry.after["sessions_ended"]) == (erin, alice.pk, 1)


def test_it_refuses_deactivating_yourself(admin_client, erin):
    response = admin_client.post(f"/manage/people/{erin.pk}/deactivate/", **HTMX)
    assert response.status_code == 422
    assert "You cannot deactivate yourself" in response.text
    plain = admin_client.post(f"/manage/people/{erin.pk}/deactivate/", follow=True)
    assert "You cannot deactivate yourself" in plain.text
    assert User.objects.get(pk=erin.pk).is_active


def test_it_reactivates(admin_client, alice):
    alice.is_active = False
    alice.save()
    response = admin_client.post(f"/manage/people/{alice.pk}/reactivate/")
    assert response.status_code == 302
    assert User.objects.get(pk=alice.pk).is_active


def test_it_answers_404_for_nobody(admin_client):
    assert admin_client.get("/manage/people/999999/").status_code == 404
    assert admin_client.post("/manage/people/999999/deactivate/").status_code == 404
