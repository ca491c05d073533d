"""Navigation by role, for every page (a context processor)."""

from django.http import HttpRequest
from django.urls import reverse

from core.access import is_management

# (label, view name, who sees it): navigation by role.
NAVIGATION = [
    ("My teams", "portal:home", "everyone"),
    ("Organisation", "insights:org_dashboard", "management"),
    ("Reports", "reports:report_list", "everyone"),
]


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    management = is_management(user)
    current = request.resolver_match.view_name if request.resolver_match else ""
    return {
        "can_see_organisation": management,
        "nav_items": [
            {"label": label, "url": reverse(name), "current": current == name}
            for label, name, audience in NAVIGATION
            if audience == "everyone" or management
        ],
    }
