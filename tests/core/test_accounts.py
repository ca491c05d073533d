"""Log in, lock-out after repeated failures, password reset by e-mail, password change."""

import re

from django.core import mail


def test_it_logs_in_and_lands_on_my_teams(client, alice, team):
    response = client.post(
        "/accounts/login/",
        {"username": "alice", "password": "correct horse battery staple"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/"
    assert "Fraud Detection" in response.text


def test_it_says_clearly_when_a_login_is_wrong(client, alice):
    response = client.post("/accounts/login/", {"username": "alice", "password": "nope"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.text


def test_it_locks_out_after_repeated_failures_with_a_clear_message(client, alice, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "alice", "password": "wrong"})
    response = client.post(
        "/accounts/login/", {"username": "alice", "password": "correct horse battery staple"}
    )
    assert response.status_code == 429
    assert "Too many failed log-ins" in response.text
    assert "Try again in" in response.text


def test_it_resets_a_password_by_email(client, alice):
    response = client.post("/accounts/password_reset/", {"email": "alice@example.com"}, follow=True)
    assert "Check your email" in response.text
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == "Reset your MLOps Portal password"
    link = re.search(r"http://\S+/accounts/reset/\S+/", message.body).group(0)
    form = client.get(link, follow=True)
    assert "Choose a new password" in form.text
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a much longer passphrase", "new_password2": "a much longer passphrase"},
        follow=True,
    )
    assert "Your password is set" in done.text
    alice.refresh_from_db()
    assert alice.check_password("a much longer passphrase")


def test_it_requires_twelve_characters_for_a_new_password(client_for, alice):
    response = client_for(alice).post(
        "/accounts/password_change/",
        {
            "old_password": "correct horse battery staple",
            "new_password1": "short-pw1",
            "new_password2": "short-pw1",
        },
    )
    assert "at least 12 characters" in response.text


def test_it_logs_out_with_a_post(client_for, alice):
    client = client_for(alice)
    response = client.post("/accounts/logout/", follow=True)
    assert "You have logged out" in response.text
    assert client.get("/").status_code == 302
