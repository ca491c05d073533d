"""Navigation by role, for every page (a context processor)."""

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.module_loading import import_string

from core.access import is_management, is_org_admin, is_reviewer, is_unit_manager
from core.accounts import password_login_allowed

# (label, view name, who sees it): navigation by role. "management" pages are open to unit
# managers too, for the units they manage, under the label UNIT_MANAGER_LABELS gives.
# "readers" are management, unit managers and the members of a team: everyone who can be
# shown something there (the page itself filters what each of them reads). "reviewers"
# review the whole organisation or some units.
NAVIGATION = [
    ("My teams", "portal:home", "everyone"),
    ("Organisation", "insights:org_dashboard", "management"),
    ("Reviews", "reviews:queue", "reviewers"),
    ("Initiatives", "portal:initiative_list", "readers"),
    ("Reports", "reports:report_list", "everyone"),
    ("Administration", "administration:overview", "org_admin"),
]
UNIT_MANAGER_LABELS = {"insights:org_dashboard": "My units"}
# Items that stay current on every page of their section: the view name -> the section's
# view names' prefix.
SECTIONS = {"portal:initiative_list": "portal:initiative_", "reviews:queue": "reviews:"}
# Items that show how many things wait there, "Reviews (3)": the view name -> the function
# counting them for the user (None: show no item). Named, not imported, so core imports no
# app above it, as core.dispatch queues tasks by name.
COUNTS = {"reviews:queue": "reviews.selectors.review_queue_count"}


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    management = is_management(user)
    current = request.resolver_match.view_name if request.resolver_match else ""

    def in_a_team() -> bool:  # asked only of people who are neither of the two above
        return user.memberships.exists()

    def items() -> list[dict]:
        unit_manager = not management and is_unit_manager(user)
        shown = []
        for label, name, audience in NAVIGATION:
            if audience == "org_admin" and not is_org_admin(user):
                continue
            if audience == "readers" and not (management or unit_manager or in_a_team()):
                continue
            if audience == "reviewers" and not is_reviewer(user):
                continue
            if audience == "management" and not management:
                if not unit_manager or name not in UNIT_MANAGER_LABELS:
                    continue
                label = UNIT_MANAGER_LABELS[name]
            here = current == name or (name in SECTIONS and current.startswith(SECTIONS[name]))
            if name in COUNTS:
                count = import_string(COUNTS[name])(user=user)
                label = f"{label} ({count})" if count else label
            shown.append({"label": label, "url": reverse(name), "current": here})
        return shown

    # Lazy: an htmx fragment that draws no navigation asks nothing about unit managers.
    return {
        "can_see_organisation": management,
        "nav_items": SimpleLazyObject(items),
        # Accounts made by single sign-on have no password, and with password log-in off
        # only the break-glass account has one that works.
        "can_change_password": user.has_usable_password()
        and password_login_allowed(user.get_username()),
    }
