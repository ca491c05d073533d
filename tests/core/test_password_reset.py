"""Password reset cannot mail-bomb anyone, never trusts the Host header, never tells
whether an address has an account, and lifts a lock-out once it is done."""

import datetime
import re
import threading

import pytest
import time_machine
from django.core import mail

RESET = "/accounts/password_reset/"
DONE = "/accounts/password_reset/done/"


def _ask(client, email: str, ip: str = "192.0.2.1", **extra):
    return client.post(RESET, {"email": email}, REMOTE_ADDR=ip, **extra)


def test_it_mails_an_address_at_most_the_limit_an_hour(client, alice, settings):
    """Fifteen requests from fifteen clients: a few e-mails, and the same answer to all."""
    responses = [_ask(client, "alice@example.com", ip=f"192.0.2.{n}") for n in range(15)]
    assert {(r.status_code, r["Location"]) for r in responses} == {(302, DONE)}
    assert len(mail.outbox) == settings.PASSWORD_RESETS_PER_ADDRESS == 3
    # Another spelling of the same address is the same address.
    _ask(client, " ALICE@Example.COM", ip="198.51.100.7")
    assert len(mail.outbox) == 3


def test_it_mails_again_an_hour_later(client, alice):
    with time_machine.travel(datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)) as clock:
        for n in range(5):
            _ask(client, "alice@example.com", ip=f"192.0.2.{n}")
        assert len(mail.outbox) == 3
        clock.shift(datetime.timedelta(hours=1, minutes=1))
        _ask(client, "alice@example.com", ip="192.0.2.99")
        assert len(mail.outbox) == 4


def test_it_answers_a_client_over_its_own_limit_with_429(client, alice, settings):
    for n in range(settings.PASSWORD_RESETS_PER_CLIENT):
        assert _ask(client, f"nobody{n}@example.com").status_code == 302
    response = _ask(client, "alice@example.com")
    assert response.status_code == 429
    assert "Too many password reset requests from your network" in response.text
    assert mail.outbox == []
    # Other clients are not affected.
    assert _ask(client, "alice@example.com", ip="203.0.113.5").status_code == 302
    assert len(mail.outbox) == 1


def _page(response) -> str:
    """The page without what changes on every request (CSP nonce, CSRF token)."""
    return re.sub(r'(nonce|X-CSRFToken)[=":\s]+"?[\w+/=-]+', "", response.text)


def test_it_looks_the_same_whether_the_address_exists_or_is_limited(client, alice, bob):
    for n in range(3):
        _ask(client, "alice@example.com", ip=f"192.0.2.{n}")
    cases = {
        "existing, limited": "alice@example.com",
        "existing, not limited": "bob@example.com",
        "unknown": "nobody@example.com",
    }
    answers = {
        case: _ask(client, email, ip="198.51.100.1", follow=True) for case, email in cases.items()
    }
    assert {(r.redirect_chain[0], r.status_code) for r in answers.values()} == {((DONE, 302), 200)}
    assert len({_page(r) for r in answers.values()}) == 1
    assert [message.to for message in mail.outbox[3:]] == [["bob@example.com"]]


def test_it_builds_the_link_from_site_url_never_from_the_host_header(client, alice, settings):
    settings.SITE_URL = "https://portal.example.com"
    response = _ask(client, "alice@example.com", HTTP_HOST="attacker.example")
    assert response.status_code == 302
    (message,) = mail.outbox
    assert "attacker.example" not in message.body
    assert re.search(r"^https://portal\.example\.com/accounts/reset/\S+/\S+/$", message.body, re.M)


def test_it_counts_concurrent_requests_exactly(settings):
    """Twenty requests at once for one address: exactly the limit get through, whatever
    the cache does with a read-modify-write (files on one machine by default)."""
    from core.ratelimit import allow

    barrier = threading.Barrier(20)
    allowed: list[bool] = []

    def request() -> None:
        barrier.wait()
        allowed.append(allow("test:concurrent", limit=3, window=3600))

    threads = [threading.Thread(target=request) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(allowed) == [False] * 17 + [True] * 3


@pytest.mark.parametrize("new_password", ["a much longer passphrase"])
def test_it_lifts_the_lock_out_once_the_password_is_reset(client, alice, settings, new_password):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "alice", "password": "wrong"})
    locked = client.post("/accounts/login/", {"username": "alice", "password": new_password})
    assert locked.status_code == 429
    assert "reset your password" in locked.text

    client.post(RESET, {"email": "alice@example.com"})
    link = re.search(r"https?://\S+/accounts/reset/\S+/", mail.outbox[0].body).group(0)
    form = client.get(link, follow=True)
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": new_password, "new_password2": new_password},
        follow=True,
    )
    assert "Your password is set" in done.text

    response = client.post("/accounts/login/", {"username": "alice", "password": new_password})
    assert response.status_code == 302
    assert response["Location"] == "/"
