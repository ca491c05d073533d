"""/account/tokens/: everyone's own personal tokens. A new token's secret shows once, in
the answer to the POST that made it; the list never shows it again; revoking is the owner's
alone, and takes effect on the next request."""

import datetime
import re

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

from accounts.api_tokens import TokenRejected, api_token_authenticate, api_token_create
from accounts.models import ApiToken
from core.models import AuditEntry
from tests.factories import UserFactory

PAGE = "/account/tokens/"
HTMX = {"HTTP_HX_REQUEST": "true"}
PERSONAS = ("member", "lead", "other_lead", "management", "admin", "outsider", "reviewer")
SECRET = re.compile(r"mlp_pat_[A-Za-z0-9_-]{43}")


def _in(days: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


def _create(client, name: str = "Quarterly notebook", expires_on: str | None = None, **extra):
    return client.post(PAGE, {"name": name, "expires_on": expires_on or _in(30)}, **extra)


def _token(user, name: str = "Notebook", days: int = 30) -> tuple[ApiToken, str]:
    return api_token_create(
        kind=ApiToken.Kind.PERSONAL,
        name=name,
        expires_on=timezone.localdate() + datetime.timedelta(days=days),
        actor=user,
        user=user,
    )


# --- Who may open what ------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_it_gives_every_logged_in_person_their_own_page(persona, personas, client_for):
    response = client_for(personas[persona]).get(PAGE)
    assert response.status_code == 200
    assert "Personal tokens are read-only" in response.text
    assert "You have no tokens yet." in response.text


def test_it_asks_anonymous_visitors_to_log_in(client, alice):
    token, _ = _token(alice)
    for response in (
        client.get(PAGE),
        _create(client),
        client.post(f"{PAGE}{token.pk}/revoke/"),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    assert ApiToken.objects.count() == 1
    token.refresh_from_db()
    assert token.revoked_at is None


def test_the_revoke_button_only_posts(client_for, alice):
    token, _ = _token(alice)
    assert client_for(alice).get(f"{PAGE}{token.pk}/revoke/").status_code == 405


def test_the_account_menu_links_to_the_page(client_for, bob):
    assert f'href="{PAGE}">API tokens</a>' in client_for(bob).get("/").text


# --- Creating: the secret once ----------------------------------------------------------------


def test_it_shows_a_new_token_once_and_stores_only_its_hash(client_for, alice):
    client = client_for(alice)
    response = _create(client, name="Quarterly notebook")
    assert response.status_code == 201
    assert "no-store" in response["Cache-Control"]
    secrets = set(SECRET.findall(response.text))
    assert len(secrets) == 1
    secret = secrets.pop()
    assert "Copy it now: it will not be shown again" in response.text
    assert f'curl -H "Authorization: Bearer {secret}" {settings.SITE_URL}/api/v1/projects' in (
        response.content.decode().replace("&quot;", '"')
    )
    token = ApiToken.objects.get()
    assert (token.kind, token.user, token.name, token.scopes) == (
        "personal",
        alice,
        "Quarterly notebook",
        ["read"],
    )
    assert token.token_hash != secret and secret not in token.token_hash
    assert secret.startswith(token.display_prefix) and len(token.display_prefix) < len(secret)
    assert api_token_authenticate(secret).user == alice

    again = client.get(PAGE)
    assert again.status_code == 200
    assert secret not in again.text and not SECRET.search(again.text)
    assert "Quarterly notebook" in again.text and f"{token.display_prefix}…" in again.text
    assert secret not in str(dict(client.session.items()))


def test_with_htmx_it_answers_the_tokens_section(client_for, alice):
    response = _create(client_for(alice), **HTMX)
    assert response.status_code == 201
    assert "<html" not in response.text and 'id="tokens"' in response.text
    assert len(set(SECRET.findall(response.text))) == 1  # the token, and in the curl line
    assert "no-store" in response["Cache-Control"]


def test_the_form_proposes_ninety_days_and_says_the_limit(client_for, alice):
    text = client_for(alice).get(PAGE).text
    assert f'value="{_in(90)}"' in text
    assert f'max="{_in(365)}"' in text
    assert "At most one year" in text


@pytest.mark.parametrize(
    ("name", "expires_on", "field", "message"),
    [
        ("", _in(30), "name", "Give the token a name"),
        ("   ", _in(30), "name", "Give the token a name"),
        ("x" * 81, _in(30), "name", "Keep the name to 80 characters."),
        ("Notebook", _in(0), "expires_on", "Choose an expiry date after today."),
        ("Notebook", _in(-3), "expires_on", "Choose an expiry date after today."),
        ("Notebook", _in(366), "expires_on", "A token lasts at most one year"),
        ("Notebook", "31/12/2030", "expires_on", "Give the date as year-month-day"),
        ("Notebook", "tomorrow", "expires_on", "Give the date as year-month-day"),
        ("Notebook", "", "expires_on", "Choose an expiry date."),
    ],
)
def test_it_refuses_what_does_not_fit_and_keeps_what_was_typed(
    client_for, alice, name, expires_on, field, message
):
    response = client_for(alice).post(PAGE, {"name": name, "expires_on": expires_on})
    assert response.status_code == 422
    errors = response.context["form"].errors
    assert list(errors) == [field]
    assert message in " ".join(errors[field])
    assert message.split("“")[0] in response.content.decode().replace("&#x27;", "'")
    if expires_on:
        assert f'value="{expires_on}"' in response.text
    if name.strip():
        assert f'value="{name}"' in response.text
    assert not SECRET.search(response.text)
    assert ApiToken.objects.count() == 0


def test_it_accepts_the_last_day_of_the_year(client_for, alice):
    assert _create(client_for(alice), expires_on=_in(365)).status_code == 201


def test_it_lists_each_token_with_its_state(client_for, alice):
    _token(alice, "Fresh")
    used, used_secret = _token(alice, "Used")
    revoked, _ = _token(alice, "Gone")
    with time_machine.travel(timezone.now() - datetime.timedelta(days=10)):
        _token(alice, "Old", days=2)
    api_token_authenticate(used_secret)
    ApiToken.objects.filter(pk=used.pk).update(
        last_used_at=timezone.now() - datetime.timedelta(minutes=3)
    )
    ApiToken.objects.filter(pk=revoked.pk).update(revoked_at=timezone.now())
    rows = {row.token.name: row for row in client_for(alice).get(PAGE).context["rows"]}
    assert {name: row.status for name, row in rows.items()} == {
        "Fresh": "active",
        "Used": "active",
        "Gone": "revoked",
        "Old": "expired",
    }
    assert rows["Fresh"].last_used == "never"
    assert rows["Used"].last_used.replace("\xa0", " ") == "3 minutes ago"


def test_it_lists_only_the_persons_own_tokens(client_for, alice, bob):
    _token(alice, "Alice's notebook")
    response = client_for(bob).get(PAGE)
    assert "Alice&#x27;s notebook" not in response.text
    assert response.context["rows"] == []


# --- Revoking ---------------------------------------------------------------------------------


def test_the_owner_revokes_and_the_token_stops_working(client_for, alice):
    token, secret = _token(alice)
    response = client_for(alice).post(f"{PAGE}{token.pk}/revoke/")
    assert response.status_code == 302 and response["Location"] == PAGE
    with pytest.raises(TokenRejected, match="revoked"):
        api_token_authenticate(secret)
    token.refresh_from_db()
    assert token.revoked_by == alice
    assert AuditEntry.objects.filter(
        action="api_token.revoke.personal", target_id=token.pk
    ).exists()
    page = client_for(alice).get(PAGE)
    assert "Revoked" in page.text and "Yes, revoke it" not in page.text


def test_with_htmx_revoking_swaps_the_row(client_for, alice):
    token, _ = _token(alice)
    response = client_for(alice).post(f"{PAGE}{token.pk}/revoke/", **HTMX)
    assert response.status_code == 200
    assert response.text.lstrip().startswith(f'<tr id="token-{token.pk}">')
    assert "Revoked" in response.text and "Yes, revoke it" not in response.text


def test_it_asks_twice_before_revoking(client_for, alice):
    _token(alice)
    text = client_for(alice).get(PAGE).text
    assert '<details class="confirm">' in text and "Yes, revoke it" in text
    assert "hx-confirm" not in text and "onclick" not in text


def test_nobody_revokes_another_persons_token(client_for, alice, bob, erin):
    token, secret = _token(alice)
    service, _ = api_token_create(
        kind=ApiToken.Kind.SERVICE,
        name="BI",
        expires_on=timezone.localdate() + datetime.timedelta(days=3),
        actor=erin,
        scopes=["read"],
    )
    for user in (bob, erin):  # even an org admin revokes others' tokens on /manage/tokens/
        assert client_for(user).post(f"{PAGE}{token.pk}/revoke/").status_code == 404
    assert client_for(erin).post(f"{PAGE}{service.pk}/revoke/").status_code == 404
    assert client_for(alice).post(f"{PAGE}999999/revoke/").status_code == 404
    assert api_token_authenticate(secret).user == alice


# --- Queries ----------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [2, 12])
def test_the_list_costs_the_same_whatever_its_length(
    size, client_for, alice, django_assert_num_queries
):
    for number in range(size):
        token, _ = _token(alice, f"Token {number}")
        if number % 3 == 1:
            ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    UserFactory.create_batch(2)
    client = client_for(alice)
    # The session, the user, the tokens; then the navigation's three (roles, units, teams).
    with django_assert_num_queries(6):
        response = client.get(PAGE)
    assert len(response.context["rows"]) == size
