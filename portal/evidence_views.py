"""A project's evidence from MLflow, at /projects/<slug>/evidence/, and the card on the
project page.

Anyone who can see the project reads what MLflow shows, the last collection and the
connection (never its token). The team's leads and org admins change the connection and
ask for a collection ("Collect now"); everyone else sees no form and gets 403 on POST. 404
for a project a person may not see at all.

The connection form posts the whole page (a refused form answers 422 with the messages
beside the fields and what was typed, except the token, which is never shown); a saved
one redirects back with a message. "Collect now" answers an htmx request with the progress
fragment, which polls /projects/<slug>/evidence/collections/<pk>/ every second while the
collection is queued or running, and stops (286) with its outcome, swapping in the new
facts beside it.
"""

import datetime
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.timesince import timesince
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_htmx.http import HTMX_STOP_POLLING

from core.access import can_manage_team
from core.http import PortalRequest
from evidence import selectors
from evidence.forms import MlflowConnectionForm
from evidence.models import Collection, MlflowConnection
from evidence.rules.facts import FACTS
from evidence.services.collections import collection_request
from evidence.services.connections import connection_remove, connection_save
from teams.models import Project
from teams.selectors import project_get_for_user

PAGE = "portal/evidence.html"
PROGRESS = "portal/_collection_progress.html"
REFUSED = "Only the team's leads and org admins change its MLflow connection."
IN_FLIGHT = (Collection.Status.QUEUED, Collection.Status.RUNNING)


# --- The evidence card (project page and evidence page) ----------------------------------------


@dataclass(frozen=True)
class EvidenceLine:
    key: str
    sentence: str
    checked: str  # "2 hours ago"
    is_demo: bool


@dataclass(frozen=True)
class EvidenceCard:
    lines: list[EvidenceLine]
    collection: Collection | None
    failure: str  # the last collection's error as a sentence, "" unless it failed

    @property
    def is_demo(self) -> bool:
        return any(line.is_demo for line in self.lines)

    @property
    def checked(self) -> str:
        """When every fact was checked, if they all were at once ("2 hours ago"), else ""."""
        times = {line.checked for line in self.lines}
        return times.pop() if len(times) == 1 else ""

    @property
    def in_flight(self) -> bool:
        return self.collection is not None and self.collection.status in IN_FLIGHT


def ago(when: datetime.datetime, now: datetime.datetime) -> str:
    """ "2 hours ago", "just now": the largest unit only, as people say it."""
    if now - when < datetime.timedelta(minutes=1):
        return "just now"
    return f"{timesince(when, now, depth=1)} ago"


def _day(when: datetime.datetime, now: datetime.datetime) -> str:
    local = timezone.localtime(when)
    return date_format(local, "j M" if local.year == timezone.localtime(now).year else "j M Y")


def _failure(
    collection: Collection | None, lines: list[EvidenceLine], observed: datetime.datetime | None
) -> str:
    if collection is None or collection.status != Collection.Status.FAILED:
        return ""
    now = timezone.now()
    when = ago(collection.finished_at or collection.created_at, now)
    error = collection.error.strip().rstrip(".")
    sentence = f"The last collection failed {when}" + (f": {error}." if error else ".")
    if observed is not None:
        return f"{sentence} The facts below are from {_day(observed, now)}."
    return f"{sentence} No facts have been collected yet."


def evidence_card(*, project: Project) -> EvidenceCard:
    """The latest facts with their sentences and the last collection: two queries."""
    readings = selectors.latest_facts([project.pk]).get(project.pk, {})
    collection = selectors.latest_collection(project.pk)
    now = timezone.now()
    ordered = [readings[key] for key in FACTS if key in readings]
    lines = [
        EvidenceLine(reading.key, reading.sentence, ago(reading.observed_at, now), reading.is_demo)
        for reading in ordered
    ]
    observed = max((reading.observed_at for reading in ordered), default=None)
    return EvidenceCard(lines, collection, _failure(collection, lines, observed))


# --- The evidence page -------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
@sensitive_post_parameters("token")
def project_evidence(request: PortalRequest, slug: str) -> HttpResponse:
    project = project_get_for_user(user=request.user, slug=slug)
    may_change = can_manage_team(request.user, project.team_id)
    connection = selectors.connection_for(project.pk)
    if request.method != "POST":
        form = MlflowConnectionForm(connection=connection) if may_change else None
        return _render(request, project, connection=connection, form=form, may_change=may_change)
    if not may_change:
        raise PermissionDenied(REFUSED)
    if "remove_connection" in request.POST:
        removed = connection_remove(project=project, actor=request.user)
        notice = "Removed the MLflow connection and its token; the facts collected stay."
        messages.success(request, notice if removed else "There was no connection to remove.")
        return redirect("portal:project_evidence", project.slug)
    form = MlflowConnectionForm(request.POST, connection=connection)
    if form.is_valid():
        try:
            saved = connection_save(project=project, actor=request.user, **form.connection_fields())
        except ValidationError as error:
            _add_errors(form, error)
        else:
            token = " A token is stored." if saved.has_token else ""
            messages.success(request, f"Saved the MLflow connection.{token}")
            return redirect("portal:project_evidence", project.slug)
    return _render(request, project, connection=connection, form=form, may_change=True, status=422)


def _add_errors(form: MlflowConnectionForm, error: ValidationError) -> None:
    """A service's error beside the field it names, or above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        form.add_error(name if name in form.fields else None, errors)


def _render(
    request: PortalRequest,
    project: Project,
    *,
    connection: MlflowConnection | None,
    may_change: bool,
    form: MlflowConnectionForm | None = None,
    collection: Collection | None = None,
    collect_error: str = "",
    status: int = 200,
) -> HttpResponse:
    card = evidence_card(project=project)
    context = {
        "project": project,
        "connection": connection,
        "may_change": may_change,
        "form": form,
        "evidence": card,
        "collect_error": collect_error,
        **_progress(collection or card.collection),
    }
    return render(request, PAGE, context, status=status)


# --- Collecting --------------------------------------------------------------------------------


@require_POST
@login_required
def evidence_collect(request: PortalRequest, slug: str) -> HttpResponse:
    project = project_get_for_user(user=request.user, slug=slug)
    if not can_manage_team(request.user, project.team_id):
        raise PermissionDenied("Only the team's leads and org admins ask for a collection.")
    try:
        collection = collection_request(project=project, user=request.user)
    except ValidationError as error:
        message = " ".join(error.messages)
        if request.htmx:
            latest = selectors.latest_collection(project.pk)
            context = _progress_context(project, latest, may_change=True, error=message)
            return render(request, PROGRESS, context, status=422)
        connection = selectors.connection_for(project.pk)
        form = MlflowConnectionForm(connection=connection)
        return _render(
            request,
            project,
            connection=connection,
            form=form,
            may_change=True,
            collect_error=message,
            status=422,
        )
    if request.htmx:
        return render(request, PROGRESS, _progress_context(project, collection, may_change=True))
    return redirect("portal:project_evidence", project.slug)


def _progress_context(
    project: Project, collection: Collection | None, *, may_change: bool, error: str = ""
) -> dict[str, object]:
    return {
        "project": project,
        "may_change": may_change,
        "collect_error": error,
        "has_connection": True,
        **_progress(collection),
    }


def _progress(collection: Collection | None) -> dict[str, object]:
    """What the progress fragment shows: "Reading runs… step 3 of 7" while running."""
    if collection is None:
        return {"collection": None, "in_flight": False}
    total = collection.steps_total
    step = min(collection.steps_done + 1, total) if total else 0
    label = collection.step_label or "Collecting"
    return {
        "collection": collection,
        "in_flight": collection.status in IN_FLIGHT,
        "queued_ago": ago(collection.created_at, timezone.now()),
        "step_text": f"{label}… step {step} of {total}" if total else f"{label}…",
    }


@require_safe
@login_required
def evidence_collection(request: PortalRequest, slug: str, pk: int) -> HttpResponse:
    project = project_get_for_user(user=request.user, slug=slug)
    collection = get_object_or_404(Collection, pk=pk, project=project)
    may_change = can_manage_team(request.user, project.team_id)
    if not request.htmx:
        connection = selectors.connection_for(project.pk)
        form = MlflowConnectionForm(connection=connection) if may_change else None
        return _render(
            request,
            project,
            connection=connection,
            form=form,
            may_change=may_change,
            collection=collection,
        )
    context = _progress_context(project, collection, may_change=may_change)
    if collection.status in IN_FLIGHT:
        return render(request, PROGRESS, context)
    # 286 ends htmx's polling; the new facts are swapped in beside the outcome.
    context["evidence"] = evidence_card(project=project)
    context["swap_facts"] = True
    return render(request, PROGRESS, context, status=HTMX_STOP_POLLING)
