"""Invitations: the org admins' list (invite, resend, revoke) and the public accept page."""

from axes.helpers import get_client_ip_address
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.views.decorators.http import require_http_methods, require_POST

from accounts import selectors, services
from accounts.forms import AcceptForm, InvitationForm
from accounts.models import Invitation
from core.access import is_org_admin
from core.http import PortalRequest
from core.ratelimit import allow

LIST = "accounts/invitation_list.html"
ACCEPT = "accounts/invitation_accept.html"
UNAVAILABLE = "accounts/invitation_unavailable.html"
ACCEPT_WINDOW = 3600  # seconds
BACKEND = "django.contrib.auth.backends.ModelBackend"


def _require_org_admin(request: PortalRequest) -> None:
    if not is_org_admin(request.user):
        raise PermissionDenied("Only org admins invite people.")


def _list_context(form: InvitationForm, **extra: object) -> dict:
    return {
        "form": form,
        "rows": selectors.invitation_overview(),
        "days": services.invitation_days(),
        **extra,
    }


def _answer(request: PortalRequest, notice: str, *, ok: bool) -> HttpResponse:
    """After a change: the list's section for htmx, else a redirect to the list."""
    if request.htmx:
        context = _list_context(InvitationForm(), notice=notice, notice_ok=ok)
        return render(request, f"{LIST}#invitations", context, status=200 if ok else 409)
    (messages.success if ok else messages.error)(request, notice)
    return redirect("accounts:invitation_list")


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def invitation_list(request: PortalRequest) -> HttpResponse:
    _require_org_admin(request)
    form = InvitationForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            invited = services.invitation_create(invited_by=request.user, **form.cleaned_data)
        except ValidationError as error:  # an account or invitation since the form's check
            form.add_error(None, error)
        else:
            return _answer(request, _invited_notice(invited), ok=True)
    status = 422 if form.is_bound else 200
    template = f"{LIST}#invitations" if request.htmx else LIST
    return render(request, template, _list_context(form), status=status)


def _invited_notice(invited: services.Invited) -> str:
    invitation = invited.invitation
    notice = f"Invitation e-mailed to {invitation.email}."
    if invited.replaced:
        notice = (
            f"{invitation.email} already had an open invitation: it now has these details "
            "and a new link, e-mailed now. The earlier link no longer works."
        )
    if invited.reactivates:
        notice += " The address belongs to a deactivated account: accepting reactivates it."
    return notice


@require_POST
@login_required
def invitation_resend(request: PortalRequest, pk: int) -> HttpResponse:
    _require_org_admin(request)
    invitation = selectors.invitation_get(pk=pk)
    try:
        invitation = services.invitation_resend(invitation=invitation, actor=request.user)
    except ValidationError as error:
        return _answer(request, " ".join(error.messages), ok=False)
    expires = date_format(localtime(invitation.expires_at), "j F Y")
    notice = (
        f"New link e-mailed to {invitation.email}, valid until {expires}; "
        "the earlier link no longer works."
    )
    return _answer(request, notice, ok=True)


@require_POST
@login_required
def invitation_revoke(request: PortalRequest, pk: int) -> HttpResponse:
    _require_org_admin(request)
    invitation = selectors.invitation_get(pk=pk)
    try:
        invitation = services.invitation_revoke(invitation=invitation, actor=request.user)
    except ValidationError as error:
        return _answer(request, " ".join(error.messages), ok=False)
    return _answer(request, f"Revoked the invitation of {invitation.email}.", ok=True)


# --- The accept page (public) -----------------------------------------------------------------


def _unavailable(
    request: PortalRequest, reason: str, invitation: Invitation | None
) -> HttpResponse:
    status = {selectors.UNKNOWN: 404, selectors.ACCOUNT_ACTIVE: 409}.get(reason, 410)
    context = {"reason": reason, "invitation": invitation}
    return render(request, UNAVAILABLE, context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
def invitation_accept(request: PortalRequest, token: str) -> HttpResponse:
    if request.method == "POST" and not _accept_allowed(request):
        return render(request, ACCEPT, {"too_many_requests": True}, status=429)
    try:
        invitation = selectors.invitation_check(
            invitation=selectors.invitation_by_token(token=token)
        )
    except selectors.InvitationUnavailable as gone:
        return _unavailable(request, gone.reason, gone.invitation)
    # With password log-in off, accepting sets no password: the person logs in with single
    # sign-on from then on, found by the invited address.
    with_password = settings.PASSWORD_LOGIN
    data = request.POST if request.method == "POST" else None
    form = AcceptForm(data) if with_password else forms.Form(data)
    if form.is_bound and form.is_valid():
        password = form.cleaned_data["password1"] if with_password else None
        try:
            user = services.invitation_accept(token=token, password=password)
        except selectors.InvitationUnavailable as gone:
            return _unavailable(request, gone.reason, gone.invitation)
        except ValidationError as error:  # Django's password validators
            form.add_error("password1", error)
        else:
            login(request, user, backend=BACKEND)
            how = (
                f"You log in as “{user.get_username()}” with the password you chose."
                if with_password
                else f"Next time, log in with single sign-on as {user.email}."
            )
            messages.success(request, f"Welcome, {user.first_name or user.get_username()}. {how}")
            return redirect("portal:home")
    context = {"form": form, "invitation": invitation, "with_password": with_password}
    return render(request, ACCEPT, context, status=422 if form.is_bound else 200)


def _accept_allowed(request: PortalRequest) -> bool:
    """Every POST counts, per client (IP address, as axes sees it) and clock hour."""
    client = get_client_ip_address(request) or "unknown"
    key = f"invitation-accept:client:{client}"
    limit = getattr(settings, "INVITATION_ACCEPTS_PER_CLIENT", 20)
    return allow(key, limit=limit, window=ACCEPT_WINDOW)
