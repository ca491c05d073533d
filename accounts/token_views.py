"""API tokens: a person's own at /account/tokens/, and the organisation's at /manage/tokens/
(org admins: service tokens, and everyone's personal tokens to cut off a leaked one).

A new token's secret is rendered once, in the answer to the POST that created it: it is
never stored in the session nor anywhere else, and that answer is marked `no-store`, so a
reload or coming back shows the list without it. Revoking asks twice (a `<details>` that
opens onto the confirming button, no script needed) and swaps the token's row in place.
"""

from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from accounts import token_selectors as selectors
from accounts.api_tokens import api_token_create, api_token_revoke
from accounts.models import ApiToken
from accounts.token_forms import PersonalTokenForm, ServiceTokenForm, add_service_error
from core.access import is_org_admin
from core.http import PortalRequest

PERSONAL = "accounts/token_list.html"
SERVICE = "accounts/service_token_list.html"


@dataclass(frozen=True)
class Created:
    """A token just made, with its secret: rendered once, kept nowhere."""

    token: ApiToken
    secret: str

    @property
    def curl(self) -> str:
        return f'curl -H "Authorization: Bearer {self.secret}" {settings.SITE_URL}/api/v1/projects'

    @property
    def reads(self) -> bool:
        return self.token.has_scope(ApiToken.Scope.READ)


def require_org_admin(request: PortalRequest) -> None:
    if not is_org_admin(request.user):
        raise PermissionDenied("Only org admins manage the organisation's tokens and sign-on.")


# --- A person's own tokens --------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
@never_cache
def token_list(request: PortalRequest) -> HttpResponse:
    form = PersonalTokenForm(request.POST if request.method == "POST" else None)
    created = None
    if form.is_bound and form.is_valid():
        try:
            token, secret = api_token_create(
                kind=ApiToken.Kind.PERSONAL,
                name=form.cleaned_data["name"],
                expires_on=form.cleaned_data["expires_on"],
                actor=request.user,
                user=request.user,
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            created, form = Created(token, secret), PersonalTokenForm()
    context = {
        "form": form,
        "created": created,
        "rows": selectors.personal_tokens(user=request.user),
    }
    template = f"{PERSONAL}#tokens" if request.htmx and request.method == "POST" else PERSONAL
    return render(request, template, context, status=_status(form, created))


@require_POST
@login_required
def token_revoke(request: PortalRequest, pk: int) -> HttpResponse:
    token = selectors.personal_token_get(user=request.user, pk=pk)
    token = api_token_revoke(token=token, actor=request.user)
    if request.htmx:
        return render(request, f"{PERSONAL}#row", {"row": selectors.token_row(token)})
    messages.success(request, f"Revoked “{token.name}”: it no longer works.")
    return redirect("accounts:token_list")


# --- The organisation's tokens (org admins) ---------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
@never_cache
def service_token_list(request: PortalRequest) -> HttpResponse:
    require_org_admin(request)
    form = ServiceTokenForm(request.POST if request.method == "POST" else None)
    created = None
    if form.is_bound and form.is_valid():
        try:
            token, secret = api_token_create(
                kind=ApiToken.Kind.SERVICE, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            created, form = Created(token, secret), ServiceTokenForm()
    context = {
        "form": form,
        "created": created,
        "service_rows": selectors.service_tokens(),
        "personal_rows": selectors.usable_personal_tokens(),
    }
    template = f"{SERVICE}#service" if request.htmx and request.method == "POST" else SERVICE
    return render(request, template, context, status=_status(form, created))


@require_POST
@login_required
def api_token_revoke_any(request: PortalRequest, pk: int) -> HttpResponse:
    """An org admin revokes any token: a service token, or someone's leaked personal one."""
    require_org_admin(request)
    token = api_token_revoke(token=selectors.api_token_get(pk=pk), actor=request.user)
    if request.htmx:
        partial = "service_row" if token.kind == ApiToken.Kind.SERVICE else "personal_row"
        return render(request, f"{SERVICE}#{partial}", {"row": selectors.token_row(token)})
    owner = f" of {token.user.get_full_name() or token.user.username}" if token.user else ""
    messages.success(request, f"Revoked “{token.name}”{owner}: it no longer works.")
    return redirect("accounts:service_token_list")


def _status(form: PersonalTokenForm, created: Created | None) -> int:
    if created is not None:
        return 201
    return 422 if form.is_bound else 200
