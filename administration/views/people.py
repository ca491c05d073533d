"""People at /manage/people/ and each person's page: their roles (in the organisation, in
teams, as manager or reviewer of units), and whether they may log in. Each card of the
person's page is a fragment of `person.html` that its form swaps; without JavaScript a
successful POST redirects back to the page."""

from django.contrib import messages
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST, require_safe
from django_htmx.http import HttpResponseClientRedirect

from accounts.models import SsoIdentity
from administration.forms import (
    OrgRolesForm,
    PeopleSearchForm,
    TeamRoleForm,
    UnitManagerForm,
    UnitReviewerForm,
    add_service_error,
)
from administration.selectors import Tree, org_admin_count, people_search, roles_of, unit_tree
from administration.views import org_admin_required
from core.http import PortalRequest
from teams import people as services
from teams.models import Membership, UnitManager, UnitReviewer

LIST = "administration/people.html"
PAGE = "administration/person.html"
PER_PAGE = 50


@require_safe
@org_admin_required
def people(request: PortalRequest) -> HttpResponse:
    form = PeopleSearchForm(request.GET)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    page = Paginator(people_search(query=query), PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "query": query,
        "page": page,
        "rows": [(person, roles_of(person)) for person in page],
    }
    return render(request, f"{LIST}#results" if request.htmx else LIST, context)


@require_safe
@org_admin_required
def person(request: PortalRequest, pk: int) -> HttpResponse:
    return _page(request, get_object_or_404(User, pk=pk))


@require_POST
@org_admin_required
def person_roles(request: PortalRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(User, pk=pk)
    form = OrgRolesForm(request.POST)
    if form.is_valid():
        roles = form.cleaned_data["roles"]
        try:
            services.role_set(user=person, roles=roles, actor=request.user)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            if person.pk == request.user.pk and services.ORG_ADMIN not in roles:
                return _left_administration(request)
            return _done(request, person, "roles", "Saved the organisation roles.")
    return _page(request, person, section="roles", status=422, roles_form=form)


@require_POST
@org_admin_required
def person_team(request: PortalRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(User, pk=pk)
    form = TeamRoleForm(request.POST)
    if form.is_valid():
        team, role = form.cleaned_data["team"], form.cleaned_data["role"] or None
        try:
            services.membership_set(user=person, team=team, role=role, actor=request.user)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            label = dict(Membership.Role.choices).get(role or "", "")
            text = f"Now {label.lower()} of {team.name}." if role else f"Took out of {team.name}."
            return _done(request, person, "teams", text)
    return _page(request, person, section="teams", status=422, team_form=form)


@require_POST
@org_admin_required
def person_units(request: PortalRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(User, pk=pk)
    tree = unit_tree()
    form = UnitManagerForm(request.POST, tree=tree)
    if form.is_valid():
        services.unit_manager_set(user=person, units=form.cleaned_data["units"], actor=request.user)
        return _done(request, person, "units", "Saved the units they manage.")
    return _page(request, person, section="units", status=422, units_form=form, tree=tree)


@require_POST
@org_admin_required
def person_review_units(request: PortalRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(User, pk=pk)
    tree = unit_tree()
    form = UnitReviewerForm(request.POST, tree=tree)
    if form.is_valid():
        services.unit_reviewer_set(
            user=person, units=form.cleaned_data["units"], actor=request.user
        )
        return _done(request, person, "reviews", "Saved the units they review.")
    return _page(request, person, section="reviews", status=422, reviews_form=form, tree=tree)


@require_POST
@org_admin_required
def person_deactivate(request: PortalRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(User, pk=pk)
    try:
        services.user_deactivate(user=person, actor=request.user)
    except ValidationError as error:
        return _refused(request, person, "access", " ".join(error.messages))
    text = "Deactivated: they are logged out everywhere and cannot log in. Their history stays."
    return _done(request, person, "access", text)


@require_POST
@org_admin_required
def person_reactivate(request: PortalRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(User, pk=pk)
    services.user_reactivate(user=person, actor=request.user)
    return _done(request, person, "access", "Reactivated: they can log in again.")


def _page(
    request: PortalRequest,
    person: User,
    *,
    section: str = "",
    status: int = 200,
    **context: object,
) -> HttpResponse:
    """The person's page, or for htmx one card of it; `context` overrides a card's form."""
    person.refresh_from_db()
    tree = context.pop("tree", None)
    tree = tree if isinstance(tree, Tree) else unit_tree()
    managed = list(UnitManager.objects.filter(user=person).values_list("unit_id", flat=True))
    reviewed = list(UnitReviewer.objects.filter(user=person).values_list("unit_id", flat=True))
    identity = SsoIdentity.objects.filter(user=person).first()
    granted = (
        identity.granted if identity is not None and isinstance(identity.granted, dict) else {}
    )
    full = {
        "person": person,
        "is_self": person.pk == request.user.pk,
        "org_admins": org_admin_count(),
        "roles": roles_of(person),
        "memberships": Membership.objects.filter(user=person).select_related("team"),
        "managed_units": [tree.nodes[pk] for pk in managed if pk in tree.nodes],
        "roles_form": OrgRolesForm(initial={"roles": sorted(services.org_roles(person))}),
        "team_form": TeamRoleForm(),
        "units_form": UnitManagerForm(tree=tree, initial={"units": managed}),
        "reviewed_units": [tree.nodes[pk] for pk in reviewed if pk in tree.nodes],
        "reviews_form": UnitReviewerForm(tree=tree, initial={"units": reviewed}),
        # What single sign-on granted at the last log-in (it sets them again at the next).
        "sso_identity": identity,
        "sso_roles": [
            services.ORG_ROLES[r] for r in granted.get("roles", []) if r in services.ORG_ROLES
        ],
        "sso_units": [
            tree.nodes[pk].label for pk in granted.get("managed_units", []) if pk in tree.nodes
        ],
        **context,
    }
    template = f"{PAGE}#{section}" if request.htmx and section else PAGE
    return render(request, template, full, status=status)


def _done(request: PortalRequest, person: User, section: str, text: str) -> HttpResponse:
    if request.htmx:
        return _page(request, person, section=section, notice={section: text})
    messages.success(request, f"{services.person_label(person)}: {text}")
    return redirect("administration:person", pk=person.pk)


def _refused(request: PortalRequest, person: User, section: str, text: str) -> HttpResponse:
    if request.htmx:
        return _page(request, person, section=section, status=422, refusal={section: text})
    messages.error(request, text)
    return redirect("administration:person", pk=person.pk)


def _left_administration(request: PortalRequest) -> HttpResponse:
    """An org admin who gave up the role has no administration left to see."""
    messages.success(request, "You are no longer an org admin.")
    if request.htmx:
        return HttpResponseClientRedirect("/")
    return redirect("portal:home")
