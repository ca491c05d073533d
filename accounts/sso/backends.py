"""The ways in: OpenID Connect through mozilla-django-oidc, and a gate on passwords.

`SsoBackend` is mozilla-django-oidc's backend with three changes: the provider's endpoints
come from its discovery document (`accounts.sso.discovery`) when a log-in needs them, not
from settings read when Django builds the backend (it builds one for every request's
session check); the ID token gets the whole check (`accounts.sso.tokens`); and the person
is found, created or refused, and their roles synchronised, by `accounts.sso.services`.

`PasswordLoginGate` signs nobody in: with password log-in off it stops every password
log-in but the break-glass account's, before Django's ModelBackend checks the password.
"""

from typing import Any

import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.urls import reverse
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import import_from_settings

from accounts.sso.discovery import Provider, ProviderUnavailable, provider_get, sso_enabled
from accounts.sso.services import sso_sign_in
from accounts.sso.tokens import SsoRefused, id_token_claims
from core.accounts import password_login_allowed

ID_TOKEN_SESSION_KEY = "oidc_id_token"  # kept for logging out at the provider too
# Values of the protocol, not about the person: left out of the recorded claims.
PROTOCOL_CLAIMS = frozenset({"nonce", "at_hash", "c_hash", "auth_time", "sid"})


def callback_url() -> str:
    """The redirect URI registered at the provider: SITE_URL's, whatever Host was asked."""
    return settings.SITE_URL + reverse("sso:callback")


def oidc_setting(name: str, *default: Any) -> Any:
    """mozilla-django-oidc's settings, answered from the portal's own (OIDC_ISSUER and the
    rest) and from the provider's discovery document."""
    ours = {
        "OIDC_RP_CLIENT_ID": lambda: settings.OIDC_CLIENT_ID,
        "OIDC_RP_CLIENT_SECRET": lambda: settings.OIDC_CLIENT_SECRET,
        "OIDC_RP_SCOPES": lambda: settings.OIDC_SCOPES,
        "OIDC_TIMEOUT": lambda: settings.OIDC_TIMEOUT,
        "OIDC_AUTHENTICATION_CALLBACK_URL": lambda: "sso:callback",
        "OIDC_USE_NONCE": lambda: True,
        "OIDC_USE_PKCE": lambda: True,
        "OIDC_OP_AUTHORIZATION_ENDPOINT": lambda: provider_get().authorization_endpoint,
        "OIDC_TOKEN_USE_BASIC_AUTH": lambda: provider_get().client_secret_basic,
    }
    if name in ours:
        return ours[name]()
    return import_from_settings(name, *default)


class SsoBackend(OIDCAuthenticationBackend):
    provider: Provider

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # No discovery here: Django builds a backend to check every request's session.
        self.UserModel = get_user_model()

    @staticmethod
    def get_settings(attr: str, *args: Any) -> Any:
        return oidc_setting(attr, *args)

    def authenticate(self, request: HttpRequest | None, **kwargs: Any) -> AbstractBaseUser | None:
        """Only the callback view's call (it passes the log-in's nonce) goes further."""
        if request is None or "nonce" not in kwargs or not sso_enabled():
            return None
        self.provider = provider_get()
        self.OIDC_OP_TOKEN_ENDPOINT = self.provider.token_endpoint
        self.OIDC_OP_USER_ENDPOINT = self.provider.userinfo_endpoint
        self.OIDC_OP_JWKS_ENDPOINT = self.provider.jwks_uri
        self.OIDC_RP_CLIENT_ID = settings.OIDC_CLIENT_ID
        self.OIDC_RP_CLIENT_SECRET = settings.OIDC_CLIENT_SECRET
        return super().authenticate(request, **kwargs)

    def get_token(self, payload: dict[str, Any]) -> dict[str, Any]:
        payload["redirect_uri"] = callback_url()
        try:
            return super().get_token(payload)
        except requests.HTTPError as error:
            raise SsoRefused(
                f"The provider did not accept this log-in ({_oauth_error(error)}): start again."
            ) from error
        except requests.RequestException as error:
            raise ProviderUnavailable(
                "Single sign-on is unreachable: the provider's token endpoint did not answer."
            ) from error

    def verify_token(self, token: str, **kwargs: Any) -> dict[str, Any]:
        return id_token_claims(id_token=token, provider=self.provider, nonce=kwargs.get("nonce"))

    def store_tokens(self, access_token: str, id_token: str) -> None:
        # The access token is never kept: the portal calls nothing on the person's behalf.
        self.request.session[ID_TOKEN_SESSION_KEY] = id_token

    def get_or_create_user(
        self, access_token: str, id_token: str, payload: dict[str, Any]
    ) -> AbstractBaseUser:
        """The ID token's claims, with the userinfo endpoint's (providers put e-mail,
        names and groups in either); then the portal's sign-in."""
        claims = {name: value for name, value in payload.items() if name not in PROTOCOL_CLAIMS}
        if self.provider.userinfo_endpoint and access_token:
            try:
                userinfo = self.get_userinfo(access_token, id_token, payload)
            except requests.RequestException as error:
                raise ProviderUnavailable(
                    "Single sign-on is unreachable: the provider's userinfo endpoint failed."
                ) from error
            if not isinstance(userinfo, dict) or userinfo.get("sub") != payload["sub"]:
                raise SsoRefused("The provider's userinfo is about someone else.", claims=claims)
            claims.update(userinfo)
        return sso_sign_in(issuer=self.provider.issuer, claims=claims)

    def get_user(self, user_id: int) -> AbstractBaseUser | None:
        # ModelBackend's: a deactivated person's session stops working at once.
        return ModelBackend.get_user(self, user_id)


def _oauth_error(error: requests.HTTPError) -> str:
    try:
        body = error.response.json() if error.response is not None else {}
    except ValueError:
        body = {}
    code = body.get("error") if isinstance(body, dict) else None
    return str(code) if code else f"it answered {getattr(error.response, 'status_code', '?')}"


class PasswordLoginGate:
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if password is not None and not password_login_allowed(username or ""):
            # Stops the other backends: ModelBackend would otherwise check the password.
            raise PermissionDenied("Password log-in is off.")
        return None
