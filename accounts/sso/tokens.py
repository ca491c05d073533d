"""Checking an ID token (OpenID Connect Core 1.0, section 3.1.3.7) before anything in it is
believed: its signature against the provider's published keys (JWKS), its issuer, its
audience, when it was issued and until when it holds, and its nonce.

mozilla-django-oidc checks the signature and the nonce but not the issuer or the audience,
so the portal does the whole check here. Only asymmetric algorithms are accepted: a token
signed with "none", or with an HMAC whose key would be the client secret, is refused.
"""

from typing import Any, Final

import jwt
import requests
from django.conf import settings

from accounts.sso.discovery import Provider, ProviderUnavailable

ALGORITHMS: Final = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384")
LEEWAY_SECONDS: Final = 60  # clocks differ a little between the provider and the portal
REQUIRED_CLAIMS: Final = ["iss", "sub", "aud", "exp", "iat"]


class SsoRefused(Exception):
    """A log-in through the provider is refused; `message` is for the person (and for the
    log-in attempt's record), `claims` what the provider said about them, when known."""

    def __init__(
        self, message: str, *, claims: dict[str, Any] | None = None, user: Any = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.claims = claims or {}
        self.user = user


def id_token_claims(*, id_token: object, provider: Provider, nonce: str | None) -> dict[str, Any]:
    """The claims of `id_token` once every check passes; SsoRefused says which one failed."""
    if not isinstance(id_token, str) or not id_token:
        raise SsoRefused("The provider answered without an ID token.")
    try:
        header = jwt.get_unverified_header(id_token)
    except jwt.DecodeError as error:
        raise SsoRefused("The provider's ID token cannot be read.") from error
    algorithm = header.get("alg")
    if algorithm not in ALGORITHMS:
        raise SsoRefused(f'The ID token is signed with "{algorithm}", which is not accepted.')
    key = _signing_key(provider, header)
    try:
        claims: dict[str, Any] = jwt.decode(
            id_token,
            key,
            algorithms=[algorithm],
            audience=settings.OIDC_CLIENT_ID,
            issuer=provider.issuer,
            leeway=LEEWAY_SECONDS,
            options={"require": REQUIRED_CLAIMS},
        )
    except jwt.PyJWTError as error:
        raise SsoRefused(_refusal(error, provider)) from error
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if len(audiences) > 1 and claims.get("azp") != settings.OIDC_CLIENT_ID:
        raise SsoRefused("The ID token was issued to another client (its azp claim).")
    if nonce is not None and claims.get("nonce") != nonce:
        raise SsoRefused("The ID token's nonce does not match this log-in: start again.")
    return claims


def _signing_key(provider: Provider, header: dict[str, Any]) -> jwt.PyJWK:
    """The provider's published key the token names (by its key id), fetched now: keys
    rotate, and a log-in is rare enough to afford the call."""
    try:
        response = requests.get(provider.jwks_uri, timeout=settings.OIDC_TIMEOUT)
        response.raise_for_status()
        published = response.json()["keys"]
    except (requests.RequestException, ValueError, KeyError, TypeError) as error:
        raise ProviderUnavailable(
            f"Single sign-on is unreachable: the provider's keys at {provider.jwks_uri} "
            "could not be read."
        ) from error
    kid, algorithm = header.get("kid"), header["alg"]
    candidates = [
        key
        for key in published
        if isinstance(key, dict)
        and key.get("use", "sig") == "sig"
        and key.get("alg", algorithm) == algorithm
        and (kid is None or key.get("kid") == kid)
    ]
    if not candidates:
        raise SsoRefused(f"None of the provider's published keys is \"{kid}\", the ID token's key.")
    if len(candidates) > 1:
        raise SsoRefused("Several of the provider's keys could have signed the ID token.")
    try:
        return jwt.PyJWK(candidates[0], algorithm=algorithm)
    except jwt.PyJWTError as error:
        raise SsoRefused(
            f'The provider\'s key "{kid}" cannot check a {algorithm} token.'
        ) from error


def _refusal(error: jwt.PyJWTError, provider: Provider) -> str:
    if isinstance(error, jwt.InvalidSignatureError):
        return "The ID token's signature does not match the provider's published keys."
    if isinstance(error, jwt.ExpiredSignatureError):
        return "The ID token has expired: check that the portal's clock is right, and try again."
    if isinstance(error, jwt.ImmatureSignatureError):
        return "The ID token is not valid yet (issued in the future): check the clocks."
    if isinstance(error, jwt.InvalidIssuerError):
        return f'The ID token was not issued by "{provider.issuer}".'
    if isinstance(error, jwt.InvalidAudienceError):
        return "The ID token is not meant for this portal: its audience lacks OIDC_CLIENT_ID."
    if isinstance(error, jwt.MissingRequiredClaimError):
        return f'The ID token lacks the "{error.claim}" claim.'
    return f"The ID token was refused ({type(error).__name__})."
