"""The ID token check against the real provider's discovery document and published keys:
tokens signed as the provider signs them pass; a bad signature, an expired token and the
rest are refused, each with its reason."""

import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from accounts.sso.discovery import provider_get
from accounts.sso.tokens import SsoRefused, id_token_claims
from tests.integration.oidc.harness import CLIENT_ID

pytestmark = pytest.mark.oidc
NONCE = "the-nonce-of-this-log-in"


def _claims(oidc, **overrides):
    now = int(time.time())
    claims = {
        "iss": oidc.issuer,
        "sub": "ada",
        "aud": CLIENT_ID,
        "iat": now,
        "exp": now + 300,
        "nonce": NONCE,
        **overrides,
    }
    return {name: value for name, value in claims.items() if value is not None}


def _check(token: str):
    return id_token_claims(id_token=token, provider=provider_get(), nonce=NONCE)


def test_it_accepts_a_token_signed_with_the_providers_published_key(oidc):
    assert _check(oidc.sign(_claims(oidc)))["sub"] == "ada"


def test_it_refuses_a_bad_signature(oidc):
    impostor = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(SsoRefused, match="signature does not match"):
        _check(oidc.sign(_claims(oidc), key=impostor))


def test_it_refuses_an_expired_token(oidc):
    long_ago = int(time.time()) - 3600
    with pytest.raises(SsoRefused, match="has expired"):
        _check(oidc.sign(_claims(oidc, iat=long_ago, exp=long_ago + 300)))


def test_it_refuses_a_token_issued_in_the_future(oidc):
    later = int(time.time()) + 3600
    with pytest.raises(SsoRefused, match="not valid yet"):
        _check(oidc.sign(_claims(oidc, iat=later, exp=later + 300)))


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"iss": "https://impostor.example.org"}, "was not issued by"),
        ({"aud": "another-client"}, "not meant for this portal"),
        ({"aud": [CLIENT_ID, "another-client"], "azp": "another-client"}, "another client"),
        ({"nonce": "another-log-in"}, "nonce does not match"),
        ({"exp": None}, 'lacks the "exp" claim'),
        ({"sub": None}, 'lacks the "sub" claim'),
    ],
)
def test_it_refuses_a_token_not_for_this_log_in(oidc, overrides, reason):
    with pytest.raises(SsoRefused, match=reason):
        _check(oidc.sign(_claims(oidc, **overrides)))


def test_it_refuses_an_unsigned_token_and_a_secret_keyed_one(oidc):
    claims = _claims(oidc)
    with pytest.raises(SsoRefused, match='"none", which is not accepted'):
        _check(jwt.encode(claims, None, algorithm="none"))
    with pytest.raises(SsoRefused, match='"HS256", which is not accepted'):
        _check(jwt.encode(claims, "test-client-secret-not-secret-but-long", algorithm="HS256"))


def test_it_refuses_a_key_the_provider_does_not_publish(oidc):
    token = jwt.encode(
        _claims(oidc),
        jwt.PyJWK(oidc.signing_jwk).key,
        algorithm="RS256",
        headers={"kid": "retired-key"},
    )
    with pytest.raises(SsoRefused, match='"retired-key"'):
        _check(token)
