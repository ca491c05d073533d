"""The organisation's target policy at /manage/targets/: a target level and date for each
project stage, overall and for chosen dimensions, edited in place; and every team's or
project's override in force.

One page, as the units page: an htmx request gets the policy fragment back
(`targets.html#policy`) with the cell's form open or a notice; without JavaScript the same
URLs serve the whole page and a successful POST redirects back to it. Refused input comes
back with status 422, the message beside its field and what was typed kept.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from administration.forms import add_service_error
from administration.views import org_admin_required
from core.http import PortalRequest
from improvement.forms.targets import TargetRuleForm
from improvement.selectors.target_pages import TargetPolicy, target_policy
from improvement.services import targets as services
from improvement.target_rules import day_text
from teams.models import Project

PAGE = "administration/targets.html"


def _page(
    request: PortalRequest,
    policy: TargetPolicy | None = None,
    status: int = 200,
    **context: object,
) -> HttpResponse:
    """The page, or for htmx its policy fragment; `context` says which form is open where."""
    policy = policy or target_policy()
    context.setdefault(
        "add_form", TargetRuleForm(prefix="add", dimensions=policy.dimensions, initial={})
    )
    template = f"{PAGE}#policy" if request.htmx else PAGE
    context = {"policy": policy, "today": timezone.localdate(), **context}
    return render(request, template, context, status=status)


def _done(request: PortalRequest, notice: str) -> HttpResponse:
    if request.htmx:
        return _page(request, notice=notice)
    messages.success(request, notice)
    return redirect("administration:targets")


def _what(stage: str, dimension_key: str, policy: TargetPolicy) -> str:
    """ "Production projects, overall level" as the notices name a rule."""
    label = Project.Stage(stage).label if stage in Project.Stage.values else stage
    return f"{label} projects, {policy.names.get(dimension_key, dimension_key).lower()}"


@require_safe
@org_admin_required
def targets(request: PortalRequest) -> HttpResponse:
    return _page(request)


def _open_cell(request: PortalRequest, policy: TargetPolicy) -> HttpResponse:
    stage, key = request.GET.get("stage", ""), request.GET.get("dimension", "")
    initial: dict[str, object] = {"stage": stage, "dimension_key": key}
    rule = policy.rule(stage, key)
    if rule is not None:
        initial |= {"level": rule.level, "due_on": rule.due_on}
    form = TargetRuleForm(prefix="cell", dimensions=policy.dimensions, initial=initial)
    return _page(request, policy, cell=(stage, key), cell_form=form)


@require_http_methods(["GET", "HEAD", "POST"])
@org_admin_required
def target_rule(request: PortalRequest) -> HttpResponse:
    """GET opens a cell's form (?stage=…&dimension=…); POST saves a cell's form, or the form
    that adds a dimension's target (its fields prefixed "add-"), and answers with the table."""
    policy = target_policy()
    if request.method != "POST":
        return _open_cell(request, policy)
    adding = "add-stage" in request.POST
    form = TargetRuleForm(
        request.POST, prefix="add" if adding else "cell", dimensions=policy.dimensions
    )
    if form.is_valid():
        try:
            rule = services.target_rule_set(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            what = _what(rule.stage, rule.dimension_key, policy)
            return _done(request, f"{what}: level {rule.level} by {day_text(rule.due_on)}.")
    if adding:
        return _page(request, policy, status=422, add_form=form)
    cell = (form["stage"].value(), form["dimension_key"].value() or "")
    if policy.has_cell(*cell):
        return _page(request, policy, status=422, cell=cell, cell_form=form)
    # No cell of the table to show the form in (a stale or forged one): say why above it.
    refusal = " ".join(str(message) for errors in form.errors.values() for message in errors)
    return _page(request, policy, status=422, refusal=refusal)


@require_POST
@org_admin_required
def target_rule_clear(request: PortalRequest) -> HttpResponse:
    stage, key = request.POST.get("stage", ""), request.POST.get("dimension_key", "")
    cleared = services.target_rule_clear(stage=stage, dimension_key=key, actor=request.user)
    what = _what(stage, key, target_policy())
    if not cleared:
        return _done(request, f"{what}: there was no target to remove.")
    return _done(request, f"{what}: target removed; those projects now have none there.")
