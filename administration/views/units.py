"""The organisation's tree at /manage/units/: units and the teams in them.

One page. Every action answers an htmx request with the tree fragment
(`units.html#tree`), edited in place; without JavaScript the same URLs serve the whole
page, with the form open where it belongs, and a successful POST redirects back to it.
Refused input comes back with status 422, the message beside its field and what was typed
kept.
"""

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from administration.forms import (
    RenameForm,
    TeamCreateForm,
    TeamMoveForm,
    UnitCreateForm,
    UnitMoveForm,
    add_service_error,
)
from administration.selectors import Tree, unit_tree
from administration.views import org_admin_required
from core.http import PortalRequest
from teams import units as services
from teams.models import Team, Unit

PAGE = "administration/units.html"
FORM_METHODS = ["GET", "HEAD", "POST"]


def _tree(
    request: PortalRequest, tree: Tree | None = None, status: int = 200, **context: object
) -> HttpResponse:
    """The page, or for htmx its tree fragment; `context` says which form is open where."""
    template = f"{PAGE}#tree" if request.htmx else PAGE
    context = {"tree": tree or unit_tree(), **context}
    return render(request, template, context, status=status)


def _done(request: PortalRequest, notice: str) -> HttpResponse:
    if request.htmx:
        return _tree(request, notice=notice)
    messages.success(request, notice)
    return redirect("administration:units")


def _refused(request: PortalRequest, error: ValidationError) -> HttpResponse:
    """A button's action the service refused: nothing was typed, so say why and stay."""
    text = " ".join(error.messages)
    if request.htmx:
        return _tree(request, status=422, refusal=text)
    messages.error(request, text)
    return redirect("administration:units")


ACTIONS = {  # action: (heading, button)
    "add-unit": ("New unit", "Create unit"),
    "add-team": ("New team", "Create team"),
    "rename": ("Rename “{}”", "Rename"),
    "move": ("Move “{}”", "Move"),
}


def _form(
    request: PortalRequest,
    form: Form,
    tree: Tree,
    *,
    kind: str,
    pk: int | None,
    action: str,
    name: str = "",
) -> HttpResponse:
    """The tree with `form` open at a unit (kind "unit"), a team ("team") or the top; it
    posts back to the address that opened it."""
    heading, button = ACTIONS[action]
    edit = {
        "kind": kind,
        "pk": pk,
        "action": action,
        "form": form,
        "url": request.path,
        "title": heading.format(name),
        "submit": button,
    }
    return _tree(request, tree, status=422 if request.method == "POST" else 200, edit=edit)


def _at(tree: Tree, value: object) -> tuple[str, int | None]:
    """Where a create form opens: under the unit it names, else at the top."""
    pk = str(getattr(value, "pk", value))
    return ("unit", int(pk)) if pk.isdigit() and int(pk) in tree.nodes else ("top", None)


@require_safe
@org_admin_required
def units(request: PortalRequest) -> HttpResponse:
    return _tree(request)


@require_http_methods(FORM_METHODS)
@org_admin_required
def unit_create(request: PortalRequest) -> HttpResponse:
    tree = unit_tree()
    parent = Unit.objects.filter(slug=request.GET.get("parent") or "").first()
    form = UnitCreateForm(request.POST or None, tree=tree, initial={"parent": parent})
    if request.method == "POST" and form.is_valid():
        try:
            unit = services.unit_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            return _done(request, f"Created the unit “{unit.name}”.")
    kind, pk = _at(tree, form["parent"].value())
    return _form(request, form, tree, kind=kind, pk=pk, action="add-unit")


@require_http_methods(FORM_METHODS)
@org_admin_required
def unit_rename(request: PortalRequest, slug: str) -> HttpResponse:
    unit = get_object_or_404(Unit, slug=slug)
    return _rename(
        request,
        unit,
        kind="unit",
        rename=lambda name: services.unit_rename(unit=unit, name=name, actor=request.user),
    )


@require_http_methods(FORM_METHODS)
@org_admin_required
def unit_move(request: PortalRequest, slug: str) -> HttpResponse:
    unit = get_object_or_404(Unit, slug=slug)
    tree = unit_tree()
    form = UnitMoveForm(
        request.POST or None, tree=tree, outside=unit, initial={"parent": unit.parent}
    )
    if request.method == "POST" and form.is_valid():
        parent = form.cleaned_data["parent"]
        try:
            unit = services.unit_move(unit=unit, parent=parent, actor=request.user)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            where = f"into “{parent.name}”" if parent else "to the top level"
            return _done(request, f"Moved “{unit.name}” {where}.")
    return _form(request, form, tree, kind="unit", pk=unit.pk, action="move", name=unit.name)


@require_POST
@org_admin_required
def unit_archive(request: PortalRequest, slug: str) -> HttpResponse:
    unit = get_object_or_404(Unit, slug=slug)
    try:
        unit = services.unit_archive(unit=unit, actor=request.user)
    except ValidationError as error:
        return _refused(
            request, ValidationError(f"“{unit.name}” is not archived. {error.messages[0]}")
        )
    return _done(request, f"Archived “{unit.name}”. Restore it at any time.")


@require_POST
@org_admin_required
def unit_restore(request: PortalRequest, slug: str) -> HttpResponse:
    unit = get_object_or_404(Unit, slug=slug)
    try:
        unit = services.unit_restore(unit=unit, actor=request.user)
    except ValidationError as error:
        return _refused(
            request, ValidationError(f"“{unit.name}” is not restored: {error.messages[0]}")
        )
    return _done(request, f"Restored “{unit.name}”.")


@require_http_methods(FORM_METHODS)
@org_admin_required
def team_create(request: PortalRequest) -> HttpResponse:
    tree = unit_tree()
    unit = Unit.objects.filter(slug=request.GET.get("unit") or "").first()
    form = TeamCreateForm(request.POST or None, tree=tree, initial={"unit": unit})
    if request.method == "POST" and form.is_valid():
        try:
            team = services.team_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            return _done(request, f"Created the team “{team.name}”.")
    kind, pk = _at(tree, form["unit"].value())
    return _form(request, form, tree, kind=kind, pk=pk, action="add-team")


@require_http_methods(FORM_METHODS)
@org_admin_required
def team_rename(request: PortalRequest, slug: str) -> HttpResponse:
    team = get_object_or_404(Team, slug=slug)
    return _rename(
        request,
        team,
        kind="team",
        rename=lambda name: services.team_rename(team=team, name=name, actor=request.user),
    )


def _rename(
    request: PortalRequest, thing: Unit | Team, *, kind: str, rename: Callable[[str], Unit | Team]
) -> HttpResponse:
    """A unit's or a team's rename form, and its saving through `rename(new name)`."""
    form = RenameForm(request.POST or None, initial={"name": thing.name})
    if request.method == "POST" and form.is_valid():
        old = thing.name
        try:
            thing = rename(form.cleaned_data["name"])
        except ValidationError as error:
            add_service_error(form, error)
        else:
            return _done(request, f"Renamed “{old}” to “{thing.name}”.")
    return _form(
        request, form, unit_tree(), kind=kind, pk=thing.pk, action="rename", name=thing.name
    )


@require_http_methods(FORM_METHODS)
@org_admin_required
def team_move(request: PortalRequest, slug: str) -> HttpResponse:
    team = get_object_or_404(Team, slug=slug)
    tree = unit_tree()
    form = TeamMoveForm(request.POST or None, tree=tree, initial={"unit": team.unit_id})
    if request.method == "POST" and form.is_valid():
        unit = form.cleaned_data["unit"]
        try:
            team = services.team_move(team=team, unit=unit, actor=request.user)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            where = f"to “{unit.name}”" if unit else "out of every unit"
            return _done(request, f"Moved “{team.name}” {where}.")
    return _form(request, form, tree, kind="team", pk=team.pk, action="move", name=team.name)


@require_POST
@org_admin_required
def team_archive(request: PortalRequest, slug: str) -> HttpResponse:
    team = get_object_or_404(Team, slug=slug)
    team = services.team_archive(team=team, actor=request.user)
    return _done(request, f"Archived “{team.name}”. Its projects and history are kept.")
