"""The single sign-on settings page at /manage/sso/, for org admins: whether sign-on is set
up and what to register at the provider, the group mappings (add, remove), and the latest
log-ins with what the provider sent, to diagnose a mapping that grants nothing.

A change answers, for htmx, the page's body below the set-up card (mappings and log-ins,
so which mappings the latest groups matched stays true); without JavaScript it redirects
back to the page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import SsoGroupMapping
from accounts.sso_mappings import sso_mapping_add, sso_mapping_remove
from accounts.token_forms import SsoMappingForm, add_service_error
from accounts.token_selectors import sso_overview
from accounts.token_views import require_org_admin
from core.http import PortalRequest

PAGE = "accounts/sso_settings.html"


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def sso_settings(request: PortalRequest) -> HttpResponse:
    require_org_admin(request)
    form = SsoMappingForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            mapping = sso_mapping_add(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            return _changed(request, f"Added: {_label(mapping)}.")
    return _page(request, form, status=422 if form.is_bound else 200)


@require_POST
@login_required
def sso_mapping_delete(request: PortalRequest, pk: int) -> HttpResponse:
    require_org_admin(request)
    mapping = get_object_or_404(SsoGroupMapping.objects.select_related("unit", "team"), pk=pk)
    sso_mapping_remove(mapping=mapping, actor=request.user)
    return _changed(request, f"Removed: {_label(mapping)}. It applies from the next log-in on.")


def _page(
    request: PortalRequest, form: SsoMappingForm, *, status: int = 200, notice: str = ""
) -> HttpResponse:
    context = {"form": form, "sso": sso_overview(), "notice": notice}
    template = f"{PAGE}#body" if request.htmx and request.method == "POST" else PAGE
    return render(request, template, context, status=status)


def _changed(request: PortalRequest, notice: str) -> HttpResponse:
    if request.htmx:
        return _page(request, SsoMappingForm(), notice=notice)
    messages.success(request, notice)
    return redirect("accounts:sso_settings")


def _label(mapping: SsoGroupMapping) -> str:
    target = mapping.team or mapping.unit
    grant = mapping.get_grant_display()
    return f"“{mapping.group}” → {grant}" + (f" of {target.name}" if target else "")
