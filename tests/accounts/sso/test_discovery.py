"""Discovery against a small real HTTP server on loopback that answers what each test says."""

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from accounts.sso.discovery import ProviderUnavailable, provider_get


class _Provider(ThreadingHTTPServer):
    status = 200
    body = b""
    delay = 0.0
    hits = 0


class _Handler(BaseHTTPRequestHandler):
    server: _Provider

    def do_GET(self) -> None:
        self.server.hits += 1
        time.sleep(self.server.delay)
        self.send_response(self.server.status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(self.server.body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def provider(settings) -> Iterator[_Provider]:
    server = _Provider(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    issuer = f"http://127.0.0.1:{server.server_address[1]}"
    settings.OIDC_ISSUER = issuer
    settings.OIDC_TIMEOUT = 0.5
    server.body = json.dumps(document(issuer)).encode()
    yield server
    server.shutdown()
    server.server_close()


def document(issuer: str, **overrides) -> dict:
    return {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/auth",
        "token_endpoint": f"{issuer}/token",
        "jwks_uri": f"{issuer}/jwks",
        "userinfo_endpoint": f"{issuer}/me",
        "token_endpoint_auth_methods_supported": ["client_secret_post"],
        **overrides,
    }


def test_it_reads_the_endpoints_and_keeps_them_an_hour(provider, settings):
    found = provider_get()
    assert (found.token_endpoint, found.jwks_uri, found.end_session_endpoint) == (
        f"{settings.OIDC_ISSUER}/token",
        f"{settings.OIDC_ISSUER}/jwks",
        "",
    )
    assert not found.client_secret_basic
    assert provider_get() == found
    assert provider.hits == 1


def test_it_refuses_a_provider_that_names_another_issuer(provider, settings):
    provider.body = json.dumps(document("https://elsewhere.example.org")).encode()
    with pytest.raises(ProviderUnavailable) as refused:
        provider_get()
    assert '"https://elsewhere.example.org"' in str(refused.value)
    assert f'"{settings.OIDC_ISSUER}"' in str(refused.value)


def test_it_compares_the_issuer_character_for_character(provider, settings):
    settings.OIDC_ISSUER += "/"
    with pytest.raises(ProviderUnavailable, match="character for character"):
        provider_get()


def test_it_refuses_a_document_without_the_endpoints_a_log_in_needs(provider, settings):
    provider.body = json.dumps(document(settings.OIDC_ISSUER, jwks_uri=None)).encode()
    with pytest.raises(ProviderUnavailable, match="lacks jwks_uri"):
        provider_get()


@pytest.mark.parametrize(
    ("status", "body", "delay", "reason"),
    [
        (500, b"{}", 0, "it answered 500"),
        (200, b"<html>maintenance</html>", 0, "its answer is not JSON"),
        (200, b"{}", 1.0, "no answer within 0.5 seconds"),
    ],
)
def test_it_says_single_sign_on_is_unreachable(provider, status, body, delay, reason):
    provider.status, provider.body, provider.delay = status, body, delay
    with pytest.raises(ProviderUnavailable, match="Single sign-on is unreachable") as refused:
        provider_get()
    assert reason in str(refused.value)


def test_it_never_keeps_a_failure(provider, settings):
    good = provider.body
    provider.status = 503
    with pytest.raises(ProviderUnavailable):
        provider_get()
    provider.status, provider.body = 200, good
    assert provider_get().issuer == settings.OIDC_ISSUER


def test_it_says_so_when_nothing_listens(settings):
    settings.OIDC_ISSUER = "http://127.0.0.1:9"
    with pytest.raises(ProviderUnavailable, match="could not connect"):
        provider_get()
