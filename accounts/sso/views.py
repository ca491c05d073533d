"""Log-in and log-out, with single sign-on beside passwords.

- `/oidc/authenticate/` sends the browser to the provider (mozilla-django-oidc's view, with
  the provider's endpoint from discovery; state, nonce and PKCE are its own).
- `/oidc/callback/` is where the provider sends it back: the state must be one this session
  started, then the backend checks the code's tokens and signs the person in. Whatever goes
  wrong comes back to the log-in page as a message (and, once the provider has answered, as
  a recorded attempt for the settings page), never as an error page.
- `LoginView` and `LogoutView` are Django's, with the single sign-on button and the
  password form as the settings want them, and a log-out at the provider too when the
  session came from it and the provider offers one (RP-initiated logout 1.0).
"""

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth import views as auth_views
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_safe
from mozilla_django_oidc import views as oidc_views

from accounts.sso.backends import ID_TOKEN_SESSION_KEY, callback_url, oidc_setting
from accounts.sso.discovery import ProviderUnavailable, provider_get, sso_enabled
from accounts.sso.services import sso_refusal_record
from accounts.sso.tokens import SsoRefused
from core.accounts import PASSWORD_LOGIN_OFF

STATES_SESSION_KEY = "oidc_states"  # mozilla-django-oidc's: state -> nonce, PKCE verifier


class AuthenticateView(oidc_views.OIDCAuthenticationRequestView):
    http_method_names = ["get", "head"]

    def __init__(self, **kwargs: Any) -> None:
        # The endpoint is read in get(), where a provider that is down can be said so.
        super(oidc_views.OIDCAuthenticationRequestView, self).__init__(**kwargs)

    @staticmethod
    def get_settings(attr: str, *args: Any) -> Any:
        return oidc_setting(attr, *args)

    def get(self, request: HttpRequest) -> HttpResponse:
        if not sso_enabled():
            raise Http404("Single sign-on is not configured.")
        try:
            self.OIDC_OP_AUTH_ENDPOINT = provider_get().authorization_endpoint
        except ProviderUnavailable as error:
            return _unavailable(request, error)
        self.OIDC_RP_CLIENT_ID = settings.OIDC_CLIENT_ID
        return super().get(request)

    def get_extra_params(self, request: HttpRequest) -> dict[str, str]:
        return {"redirect_uri": callback_url()}


class CallbackView(oidc_views.OIDCAuthenticationCallbackView):
    http_method_names = ["get", "head"]

    @staticmethod
    def get_settings(attr: str, *args: Any) -> Any:
        return oidc_setting(attr, *args)

    def get(self, request: HttpRequest) -> HttpResponse:
        if not sso_enabled():
            raise Http404("Single sign-on is not configured.")
        started = request.session.get(STATES_SESSION_KEY, {})
        pending = started.pop(request.GET.get("state", ""), None)
        if pending is None:  # not a log-in this browser started, or one already used
            messages.error(request, "That single sign-on log-in has expired: start again.")
            return redirect("login")
        request.session.modified = True
        if "error" in request.GET or "code" not in request.GET:
            reason = request.GET.get("error_description") or request.GET.get("error", "no code")
            return _refused(request, SsoRefused(f"The provider answered: {reason[:200]}."))
        try:
            user = auth.authenticate(
                request, nonce=pending["nonce"], code_verifier=pending.get("code_verifier")
            )
        except SsoRefused as refused:
            return _refused(request, refused)
        except ProviderUnavailable as error:
            return _unavailable(request, error)
        if user is None:  # a client locked out for failed password log-ins (django-axes)
            messages.error(request, "Single sign-on did not log you in: try again later.")
            return redirect("login")
        id_token = request.session.get(ID_TOKEN_SESSION_KEY)
        self.user = user
        response = self.login_success()
        request.session[ID_TOKEN_SESSION_KEY] = id_token  # a new session if someone else's
        return response


def _refused(request: HttpRequest, refused: SsoRefused) -> HttpResponse:
    sso_refusal_record(refused=refused)
    messages.error(request, f"Single sign-on did not log you in. {refused.message}")
    return redirect("login")


def _unavailable(request: HttpRequest, error: ProviderUnavailable) -> HttpResponse:
    sso_refusal_record(refused=SsoRefused(str(error)))
    messages.error(request, str(error))
    return redirect("login")


class LoginView(auth_views.LoginView):
    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["sso"] = {"label": settings.OIDC_LOGIN_LABEL} if sso_enabled() else None
        # Only when off: the template shows the password form plainly otherwise.
        context["password_off"] = "" if settings.PASSWORD_LOGIN else PASSWORD_LOGIN_OFF
        return context


class LogoutView(auth_views.LogoutView):
    """Ends the portal's session; for a session from single sign-on, the logged-out page
    then sends the browser on to the provider's end-session endpoint. A page, not a redirect:
    the log-out form's redirect to another site would break the CSP's form-action 'self'."""

    provider_logout_url: str | None = None

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.provider_logout_url = _provider_logout_url(request)  # before the session ends
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(provider_logout_url=self.provider_logout_url, **kwargs)


def _provider_logout_url(request: HttpRequest) -> str | None:
    """The provider's end-session URL for this session, if it came from single sign-on and
    the provider has one; the provider sends the browser back to the logged-out page."""
    id_token = request.session.get(ID_TOKEN_SESSION_KEY)
    if not id_token or not sso_enabled():
        return None
    try:
        endpoint = provider_get().end_session_endpoint
    except ProviderUnavailable:
        return None  # the portal's session still ends; the provider's is its own affair
    if not endpoint:
        return None
    query = urlencode(
        {
            "id_token_hint": id_token,
            "client_id": settings.OIDC_CLIENT_ID,
            "post_logout_redirect_uri": settings.SITE_URL + reverse("sso:logged_out"),
        }
    )
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"


@require_safe
def logged_out(request: HttpRequest) -> HttpResponse:
    """Where the provider sends the browser back after logging out there too."""
    return render(request, "registration/logged_out.html", {"at_provider": True})
