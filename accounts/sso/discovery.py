"""The OpenID Connect provider, as its discovery document describes it.

mozilla-django-oidc wants each endpoint in a setting; the portal asks only for the issuer and
reads the rest from `{OIDC_ISSUER}/.well-known/openid-configuration`. The document must name
exactly the configured issuer (OpenID Connect Discovery 1.0, section 4.3): a provider that
answers for another issuer is refused, since its tokens would name that other issuer too.
A checked document is kept in the shared cache for an hour, so a log-in costs no extra call;
a failure is never cached, so a provider that comes back is used at once.
"""

import hashlib
from dataclasses import asdict, dataclass
from typing import Final

import requests
from django.conf import settings
from django.core.cache import cache

CACHE_SECONDS: Final = 3600
REQUIRED: Final = ("authorization_endpoint", "token_endpoint", "jwks_uri")


class ProviderUnavailable(Exception):
    """Single sign-on cannot be used now; `str()` says why, for the log-in page."""


@dataclass(frozen=True)
class Provider:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    userinfo_endpoint: str = ""
    end_session_endpoint: str = ""
    # How the client authenticates at the token endpoint; the spec's default is Basic.
    client_secret_basic: bool = True


def sso_enabled() -> bool:
    return bool(settings.OIDC_ISSUER)


def discovery_url(issuer: str) -> str:
    return issuer.rstrip("/") + "/.well-known/openid-configuration"


def provider_get() -> Provider:
    """The configured provider, from the cache or its discovery document.

    Raises ProviderUnavailable when the provider cannot be reached or describes another
    issuer or lacks an endpoint the log-in needs."""
    issuer = settings.OIDC_ISSUER
    key = "sso:discovery:" + hashlib.sha256(issuer.encode()).hexdigest()
    cached = cache.get(key)
    if cached is not None:
        return Provider(**cached)
    provider = _discover(issuer)
    cache.set(key, asdict(provider), CACHE_SECONDS)
    return provider


def _discover(issuer: str) -> Provider:
    url = discovery_url(issuer)
    try:
        response = requests.get(url, timeout=settings.OIDC_TIMEOUT)
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as error:
        raise ProviderUnavailable(
            f"Single sign-on is unreachable: the provider's discovery document at {url} "
            f"could not be read ({_reason(error)})."
        ) from error
    if not isinstance(document, dict):
        raise ProviderUnavailable(f"The provider's discovery document at {url} is not an object.")
    if document.get("issuer") != issuer:
        raise ProviderUnavailable(
            "Single sign-on is misconfigured: the provider says its issuer is "
            f'"{document.get("issuer")}", but this portal is configured for "{issuer}" '
            "(OIDC_ISSUER); they must be the same, character for character."
        )
    missing = [name for name in REQUIRED if not isinstance(document.get(name), str)]
    if missing:
        raise ProviderUnavailable(
            f"The provider's discovery document lacks {', '.join(missing)}: it cannot be used."
        )
    methods = document.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    return Provider(
        issuer=issuer,
        authorization_endpoint=document["authorization_endpoint"],
        token_endpoint=document["token_endpoint"],
        jwks_uri=document["jwks_uri"],
        userinfo_endpoint=_text(document.get("userinfo_endpoint")),
        end_session_endpoint=_text(document.get("end_session_endpoint")),
        client_secret_basic="client_secret_basic" in methods,
    )


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _reason(error: Exception) -> str:
    """A short reason a person can act on, never a whole traceback."""
    if isinstance(error, requests.Timeout):
        return f"no answer within {settings.OIDC_TIMEOUT:g} seconds"
    if isinstance(error, requests.ConnectionError):
        return "could not connect"
    if isinstance(error, requests.HTTPError) and error.response is not None:
        return f"it answered {error.response.status_code}"
    return "its answer is not JSON" if isinstance(error, ValueError) else type(error).__name__
