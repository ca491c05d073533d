"""Administration in the portal, for org admins only: everyone else gets 403, anonymous
visitors the log-in page. One module per page: the overview here, the tree of units and
teams (`units`), people and their roles (`people`), the audit log (`audit`)."""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseBase
from django.shortcuts import render
from django.views.decorators.http import require_safe

from administration import selectors
from core.access import is_org_admin
from core.http import PortalRequest

type View = Callable[..., HttpResponseBase]


def org_admin_required(view: View) -> View:
    """Log in first; then only org admins pass, everyone else gets 403."""

    @wraps(view)
    def guarded(request: PortalRequest, *args: object, **kwargs: object) -> HttpResponseBase:
        if not is_org_admin(request.user):
            raise PermissionDenied("Only org admins run the organisation's administration.")
        return view(request, *args, **kwargs)

    return login_required(guarded)


@require_safe
@org_admin_required
def overview(request: PortalRequest) -> HttpResponseBase:
    return render(request, "administration/overview.html", selectors.overview_figures())
