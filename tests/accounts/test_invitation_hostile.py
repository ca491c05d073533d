"""Hostile input on the invitation forms: never a 500, never a half-written invitation or
account, and names shown inert."""

import itertools

import pytest
from django.contrib.auth.models import User
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import Invitation
from tests.accounts.conftest import PASSWORD

HTMX = {"HTTP_HX_REQUEST": "true"}
SCRIPT = '<script>alert("x")</script>"><img src=x onerror=alert(1)>'
hostile_text = st.one_of(
    st.text(max_size=50),
    st.text(min_size=3000, max_size=12000),
    st.sampled_from(["\x00", "a\x00b", SCRIPT, "' OR 1=1 --", "=cmd|' /C calc'!A0", "🚀" * 300]),
    st.sampled_from(["jane@example.com", "JANE@EXAMPLE.COM ", "erin@example.com", "a@b"]),
)
EXAMPLES = itertools.count()
hypothesis_settings = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


@pytest.fixture
def admin_client(erin) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(erin)
    return client


@hypothesis_settings
@given(
    email=hostile_text,
    name=hostile_text,
    team=st.one_of(hostile_text, st.just("")),
    role=hostile_text,
)
def test_it_never_fails_or_stores_bad_invitations(admin_client, team, email, name, role):
    response = admin_client.post(
        "/manage/invitations/", {"email": email, "name": name, "team": team, "role": role}, **HTMX
    )
    assert response.status_code in (200, 422)
    for invitation in Invitation.objects.all():
        assert invitation.email == invitation.email.strip().lower()
        assert invitation.email != "erin@example.com"
        assert invitation.name and len(invitation.name) <= 150 and "\x00" not in invitation.name
        assert invitation.role in ("", "lead", "member")
        assert (invitation.team is None) == (invitation.role == "")


@hypothesis_settings
@given(password=hostile_text, again=hostile_text)
def test_it_never_fails_on_odd_passwords(invite, password, again):
    client = Client(raise_request_exception=False)
    number = next(EXAMPLES)
    email = f"jane{number}@example.com"
    _, token = invite(email=email)
    data = {"password1": password, "password2": again}
    response = client.post(
        f"/invitations/{token}/", data, REMOTE_ADDR=f"10.{number // 250}.{number % 250}.1"
    )
    assert response.status_code in (302, 422)
    assert User.objects.filter(email=email).exists() == (response.status_code == 302)


def test_it_shows_script_names_inert(admin_client, invite, client):
    _, token = invite(name=SCRIPT)
    for page in (admin_client.get("/manage/invitations/"), client.get(f"/invitations/{token}/")):
        assert SCRIPT not in page.text
        assert "&lt;script&gt;" in page.text


def test_a_very_long_password_is_refused_plainly(invite, client):
    _, token = invite()
    long = PASSWORD * 200
    response = client.post(f"/invitations/{token}/", {"password1": long, "password2": long})
    assert response.status_code == 422
    assert "at most 4096 characters" in response.text
