"""The invitation pages: only org admins manage invitations; anyone with a link may accept
it, once, and a link that no longer works says why and whom to ask."""

import datetime

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core import mail

from accounts import services
from accounts.models import Invitation
from teams.models import Membership
from tests.accounts.conftest import PASSWORD

LIST = "/manage/invitations/"
HTMX = {"HTTP_HX_REQUEST": "true"}
NOT_ADMINS = ("member", "lead", "other_lead", "management", "outsider")


def _accept(client, token: str, password: str = PASSWORD, again: str | None = None, **extra):
    data = {"password1": password, "password2": password if again is None else again}
    return client.post(f"/invitations/{token}/", data, **extra)


def _log_in(client, username: str, password: str):
    return client.post("/accounts/login/", {"username": username, "password": password})


# --- Who may open what ------------------------------------------------------------------------


@pytest.mark.parametrize("persona", NOT_ADMINS)
def test_it_shows_invitations_to_org_admins_only(persona, personas, client_for, invite):
    invitation, _ = invite()
    client = client_for(personas[persona])
    assert client.get(LIST).status_code == 403
    assert client.post(LIST, {"email": "x@example.com", "name": "X"}).status_code == 403
    for action in ("resend", "revoke"):
        assert client.post(f"{LIST}{invitation.pk}/{action}/").status_code == 403
    invitation.refresh_from_db()
    assert invitation.is_open and invitation.sent_count == 1
    assert Invitation.objects.count() == 1


def test_it_asks_anonymous_visitors_to_log_in(client, invite):
    invitation, _ = invite()
    for response in (
        client.get(LIST),
        client.post(LIST, {"email": "x@example.com", "name": "X"}),
        client.post(f"{LIST}{invitation.pk}/revoke/"),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    invitation.refresh_from_db()
    assert invitation.is_open


def test_the_buttons_only_post(client_for, erin, invite):
    invitation, _ = invite()
    client = client_for(erin)
    assert client.get(f"{LIST}{invitation.pk}/resend/").status_code == 405
    assert client.get(f"{LIST}{invitation.pk}/revoke/").status_code == 405
    assert client.post(f"{LIST}999999/revoke/").status_code == 404


def test_the_accept_page_is_public_and_answers_head(client, client_for, alice, invite):
    _, token = invite(name="Jane Doe")
    for user in (None, alice):
        page = client_for(user).get(f"/invitations/{token}/")
        assert page.status_code == 200
        assert "Erin" in page.text and "Jane Doe" in page.text
        assert client.head(f"/invitations/{token}/").status_code == 200
    assert "You are logged in as alice" in page.text


# --- The list: invite, resend, revoke -------------------------------------------------------


def test_an_admin_invites_from_the_list(client_for, erin, team, django_capture_on_commit_callbacks):
    client = client_for(erin)
    data = {"email": "Jane@Example.com", "name": "Jane Doe", "team": team.pk, "role": "lead"}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(LIST, data, follow=True)
    assert response.redirect_chain == [(LIST, 302)]
    assert "Invitation e-mailed to jane@example.com." in response.text
    invitation = Invitation.objects.get()
    assert (invitation.team, invitation.role) == (team, "lead")
    assert [message.to for message in mail.outbox] == [["jane@example.com"]]
    page = client.get(LIST).text
    assert "Team lead of Fraud Detection" in page
    assert '<span class="badge status-done">Sent</span>' in page


def test_an_admin_invites_with_htmx_and_sees_errors_in_place(client_for, erin, alice):
    client = client_for(erin)
    response = client.post(LIST, {"email": "alice@example.com", "name": "Alice"}, **HTMX)
    assert response.status_code == 422
    assert 'id="invitations"' in response.text and "<html" not in response.text
    assert "already belongs to an active account" in response.text
    response = client.post(LIST, {"email": "new@example.com", "name": "New Person"}, **HTMX)
    assert response.status_code == 200
    assert "Invitation e-mailed to new@example.com." in response.text
    assert "New Person" in response.text


def test_inviting_an_invited_address_again_says_it_replaced_the_invitation(
    client_for, erin, invite
):
    invite(email="jane@example.com")
    response = client_for(erin).post(LIST, {"email": "JANE@example.com", "name": "Jane"}, **HTMX)
    assert "already had an open invitation" in response.text
    assert "The earlier link no longer works." in response.text
    assert Invitation.objects.count() == 1


def test_it_resends_and_revokes_with_htmx_and_without(
    client_for, erin, invite, django_capture_on_commit_callbacks
):
    invitation, _ = invite()
    client = client_for(erin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{LIST}{invitation.pk}/resend/", **HTMX)
    assert response.status_code == 200
    assert "New link e-mailed to jane.doe@example.com" in response.text
    assert len(mail.outbox) == 2
    response = client.post(f"{LIST}{invitation.pk}/revoke/", follow=True)
    assert response.redirect_chain == [(LIST, 302)]
    assert "Revoked the invitation of jane.doe@example.com." in response.text
    response = client.post(f"{LIST}{invitation.pk}/resend/", **HTMX)
    assert response.status_code == 409
    assert "was revoked in the meantime; nothing changed." in response.text
    assert len(mail.outbox) == 2


def test_the_list_shows_each_state(client_for, erin, invite):
    with time_machine.travel(datetime.datetime(2026, 5, 1, 9, tzinfo=datetime.UTC)):
        invite(email="old@example.com", name="Old Invitee")
    _, token = invite(email="yes@example.com", name="Yes Invitee")
    services.invitation_accept(token=token, password=PASSWORD)
    revoked, _ = invite(email="no@example.com", name="No Invitee")
    services.invitation_revoke(invitation=revoked, actor=erin)
    invite(email="new@example.com", name="New Invitee")
    page = client_for(erin).get(LIST).text
    sections = {
        heading: page.index(heading)
        for heading in ("Pending (1)", "Expired (1)", "Accepted", "Revoked")
    }
    assert list(sections) == sorted(sections, key=sections.get)
    assert sections["Pending (1)"] < page.index("New Invitee") < sections["Expired (1)"]
    assert sections["Expired (1)"] < page.index("Old Invitee") < sections["Accepted"]
    assert sections["Accepted"] < page.index("Yes Invitee") < sections["Revoked"]
    assert sections["Revoked"] < page.index("No Invitee")


# --- Accepting --------------------------------------------------------------------------------


def test_accepting_sets_the_password_and_logs_in(client, invite, team):
    _, token = invite(team=team, role="member")
    response = _accept(client, token, follow=True)
    assert response.redirect_chain == [("/", 302)]
    assert "You log in as “jane.doe@example.com”" in response.text
    user = User.objects.get(email="jane.doe@example.com")
    assert response.context["user"] == user
    assert Membership.objects.get(user=user).team == team
    client.logout()
    assert _log_in(client, "jane.doe@example.com", PASSWORD).status_code == 302


def test_a_second_use_of_the_link_is_refused(client, invite, erin):
    _, token = invite()
    _accept(client, token)
    client.logout()
    again = _accept(client, token, password="another long passphrase 9")
    assert again.status_code == 410
    assert "This invitation was already used" in again.text
    assert _log_in(client, "jane.doe@example.com", "another long passphrase 9").status_code == 200
    assert _log_in(client, "jane.doe@example.com", PASSWORD).status_code == 302


def test_it_asks_for_the_same_strong_password_twice(client, invite):
    invitation, token = invite()
    response = _accept(client, token, again="something else entirely")
    assert response.status_code == 422
    assert "The two passwords differ" in response.text
    response = _accept(client, token, password="jane.doe@example.com")
    assert response.status_code == 422
    assert "too similar" in response.text
    invitation.refresh_from_db()
    assert invitation.is_open
    assert not User.objects.filter(email="jane.doe@example.com").exists()


@pytest.mark.parametrize(
    ("case", "status", "says"),
    [
        ("unknown", 404, "This invitation link does not work"),
        ("expired", 410, "This invitation has expired"),
        ("revoked", 410, "This invitation was withdrawn"),
        ("replaced", 404, "a newer invitation e-mail replaced it"),
        ("active", 409, "You already have an account"),
    ],
)
def test_a_dead_link_says_why_and_whom_to_ask(client, invite, resend, erin, case, status, says):
    invitation, token = invite()
    if case == "unknown":
        token = "A" * 43
    elif case == "expired":
        Invitation.objects.update(expires_at=invitation.created_at)
    elif case == "revoked":
        services.invitation_revoke(invitation=invitation, actor=erin)
    elif case == "replaced":
        resend(invitation)
    else:
        User.objects.create_user("jane", email="jane.doe@example.com")
    for response in (client.get(f"/invitations/{token}/"), _accept(client, token)):
        assert response.status_code == status
        assert says in response.text
        if case in ("expired", "revoked"):
            assert 'ask Erin (<a href="mailto:erin@example.com">' in response.text
            assert "who invited you, or another administrator" in response.text
        if case in ("unknown", "replaced"):
            assert "jane.doe@example.com" not in response.text
            assert "the person who invited you, or another administrator" in response.text
    assert User.objects.filter(email="jane.doe@example.com").count() == (case == "active")


@pytest.mark.parametrize(
    "path",
    [
        "/invitations/%00/",
        "/invitations/%3Cscript%3Ealert(1)%3C%2Fscript%3E/",
        f"/invitations/{'é' * 300}/",
        f"/invitations/{'A' * 5000}/",
        "/invitations/..%2F..%2Fetc%2Fpasswd/",
    ],
)
def test_odd_tokens_get_the_unknown_link_page(client, path):
    assert client.get(path).status_code == 404
    assert _accept(client, path.split("/")[2]).status_code == 404


def test_it_limits_accept_attempts_per_client(client, invite, settings):
    settings.INVITATION_ACCEPTS_PER_CLIENT = 3
    _, token = invite()
    for _ in range(3):
        assert _accept(client, token, again="x", REMOTE_ADDR="192.0.2.1").status_code == 422
    limited = _accept(client, token, REMOTE_ADDR="192.0.2.1")
    assert limited.status_code == 429
    assert "Too many attempts" in limited.text
    assert not User.objects.filter(email="jane.doe@example.com").exists()
    assert _accept(client, token, REMOTE_ADDR="203.0.113.9").status_code == 302
