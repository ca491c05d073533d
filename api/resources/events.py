"""`POST /projects/{slug}/events`: a project's CI pipeline reports what happened (a
pipeline run, a deployment, a rollback, an incident opened or resolved). docs/events.md
says what each kind means and gives snippets for curl, GitHub Actions and GitLab CI.

Only a service token with the `events:write` scope writes, for its own project or any of
its team's projects; any other project answers 404, as an unknown one does, so a token
never learns which projects exist. In order: the token (401, 429), its scope (403), the
project (404), the body's size (413, before anything reads it), its JSON (400), the event
(422 naming the field), then recorded (201), already recorded (200) or the id taken by
another event (409).
"""

import datetime
import json
from typing import Final

from django.conf import settings
from django.db.models import Q
from django.http import Http404, HttpRequest, JsonResponse
from ninja import Field, Router, Schema, Status

from accounts.api_tokens import TokenHolder
from accounts.models import ApiToken
from api.auth import REALM, BearerToken
from api.errors import Detail, Invalid, detail
from api.schemas import Slug
from evidence.rules import events as rules
from evidence.services.events import EventConflict, event_record
from teams.models import Project

router = Router(tags=["CI events"])

NO_SCOPE: Final = "This token may not write events: it needs the events:write scope."


class EventOut(Schema):
    recorded: bool = Field(
        description="true: recorded now (201); false: this id was recorded before with the "
        "same content, and nothing changed (200)."
    )
    id: str = Field(description="The id the sender chose.")
    kind: str
    project: str = Field(description="The project's slug.")
    occurred_at: datetime.datetime = Field(description="As sent, or when received if not sent.")
    received_at: datetime.datetime = Field(description="When the portal first recorded it.")


class BodyTooLarge(Exception):
    pass


class NotJson(Exception):
    pass


# --- The OpenAPI document: the body's shape per kind, and examples --------------------------


def _text(max_length: int, description: str) -> dict:
    return {"type": "string", "minLength": 1, "maxLength": max_length, "description": description}


def _kind_schema(kind: str, required: list[str], fields: dict[str, dict]) -> dict:
    return {
        "title": kind,
        "type": "object",
        "additionalProperties": False,
        "required": ["id", "kind", *required],
        "properties": {
            "id": _text(rules.ID_MAX, "Chosen by the sender: the same id again records nothing."),
            "kind": {"const": kind},
            "occurred_at": {
                "type": "string",
                "format": "date-time",
                "description": "ISO 8601 with a time zone; by default when received.",
            },
            **fields,
            "url": {"type": "string", "format": "uri", "maxLength": rules.URL_MAX},
        },
    }


ENVIRONMENT: Final = _text(
    rules.ENVIRONMENT_MAX, 'Stored lower case, "prod" as "production"; default "production".'
)
STEP: Final = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name", "result"],
    "properties": {
        "name": {"enum": list(rules.STEP_NAMES)},
        "result": {"enum": list(rules.STEP_RESULTS)},
    },
}
BODY_SCHEMA: Final = {
    "oneOf": [
        _kind_schema(
            rules.PIPELINE_RUN,
            ["steps"],
            {
                "steps": {
                    "type": "array",
                    "minItems": 1,
                    "maxItems": rules.STEPS_MAX,
                    "items": STEP,
                    "description": "In the order they ran; skipped steps did not run.",
                },
                "environment": ENVIRONMENT,
            },
        ),
        _kind_schema(
            rules.DEPLOYMENT,
            ["model_version"],
            {
                "model_version": _text(rules.MODEL_VERSION_MAX, "The version deployed."),
                "environment": ENVIRONMENT,
                "model_name": _text(rules.TEXT_MAX, "The model's name."),
                "trained_at": {
                    "type": "string",
                    "format": "date-time",
                    "description": "When its training run finished; not after occurred_at.",
                },
                "run_id": _text(rules.TEXT_MAX, "The MLflow run that trained it."),
            },
        ),
        _kind_schema(
            rules.ROLLBACK,
            [],
            {
                "environment": ENVIRONMENT,
                "model_version": _text(rules.MODEL_VERSION_MAX, "The version rolled back to."),
            },
        ),
        _kind_schema(
            rules.INCIDENT,
            ["state", "incident_id"],
            {
                "state": {"enum": list(rules.INCIDENT_STATES)},
                "incident_id": _text(rules.TEXT_MAX, "Pairs the opening with the resolution."),
            },
        ),
    ]
}
# One example: the kinds' other examples are in docs/events.md.
BODY_EXAMPLE: Final = {
    "id": "deploy-churn-2026-11-03-1",
    "kind": "deployment",
    "occurred_at": "2026-11-03T14:05:00Z",
    "model_version": "14",
    "model_name": "churn",
    "trained_at": "2026-11-02T22:40:00Z",
    "url": "https://github.com/acme/churn/actions/runs/9912345",
}
RECORDED_EXAMPLE: Final = {
    "recorded": True,
    "id": "deploy-churn-2026-11-03-1",
    "kind": "deployment",
    "project": "churn-prediction",
    "occurred_at": "2026-11-03T14:05:00Z",
    "received_at": "2026-11-03T14:05:02Z",
}


def _example(status: int, value: object) -> dict:
    # One example each: Swagger UI offers several in a <select> without a label (axe).
    return {status: {"content": {"application/json": {"example": value}}}}


OPENAPI_EXTRA: Final = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": BODY_SCHEMA, "example": BODY_EXAMPLE}},
    },
    "responses": {
        **_example(201, RECORDED_EXAMPLE),
        **_example(200, RECORDED_EXAMPLE | {"recorded": False}),
        **_example(403, {"detail": NO_SCOPE}),
        **_example(
            409,
            {
                "detail": "The id 'deploy-churn-2026-11-03-1' was already used for another "
                "event of this project (it differs in model_version). Send each event with "
                "an id of its own; send the same id again only to repeat the very same event."
            },
        ),
        **_example(
            413, {"detail": "The body is 20,480 bytes; events may be at most 16,384 bytes."}
        ),
        **_example(
            422,
            {
                "detail": [
                    {
                        "loc": ["body", "enviroment"],
                        "msg": "Unknown field 'enviroment': did you mean 'environment'?",
                        "type": "extra_forbidden",
                    }
                ]
            },
        ),
    },
}


@router.post(
    "/projects/{slug}/events",
    auth=BearerToken(read=False),
    response={
        201: EventOut,
        200: EventOut,
        400: Detail,
        401: Detail,
        403: Detail,
        404: Detail,
        409: Detail,
        413: Detail,
        422: Invalid,
        429: Detail,
    },
    url_name="event_create",
    summary="Record a CI or deployment event of a project",
    description=(
        "Needs a service token with the `events:write` scope for this project or its team. "
        "The body is one event, a JSON object of at most "
        f"{settings.EVENTS_MAX_BODY_BYTES:,} bytes. Sending the same `id` again records "
        "nothing new (200); the same `id` with different content is refused (409). Unknown "
        "fields are refused (422) so that a misspelt field is noticed. See docs/events.md."
    ),
    openapi_extra=OPENAPI_EXTRA,
)
def event_create(request: HttpRequest, slug: Slug) -> Status[EventOut] | JsonResponse:
    holder: TokenHolder = request.auth  # type: ignore[attr-defined]
    if not holder.token.has_scope(ApiToken.Scope.EVENTS_WRITE):
        response = detail(NO_SCOPE, 403)
        response["WWW-Authenticate"] = (
            f'Bearer realm="{REALM}", error="insufficient_scope", scope="events:write"'
        )
        return response
    project = _writable_project(holder.token, slug)
    try:
        payload = _json_body(request, limit=settings.EVENTS_MAX_BODY_BYTES)
    except BodyTooLarge as error:
        return detail(str(error), 413)
    except NotJson as error:
        return detail(str(error), 400)
    try:
        recorded = event_record(project=project, token_id=holder.token.pk, payload=payload)
    except rules.EventInvalid as invalid:
        return JsonResponse({"detail": [p.as_dict() for p in invalid.problems]}, status=422)
    except EventConflict as conflict:
        return detail(str(conflict), 409)
    event = recorded.event
    return Status(
        201 if recorded.created else 200,
        EventOut(
            recorded=recorded.created,
            id=event.sender_id,
            kind=event.kind,
            project=project.slug,
            occurred_at=event.occurred_at,
            received_at=event.received_at,
        ),
    )


def _writable_project(token: ApiToken, slug: str) -> Project:
    """The token's project, or one of its team's; 404 for any other, known or not."""
    if token.project_id is not None:
        owned = Q(pk=token.project_id)
    elif token.team_id is not None:
        owned = Q(team_id=token.team_id)
    else:
        raise Http404
    project = Project.objects.filter(owned, slug=slug).first()
    if project is None:
        raise Http404
    return project


def _json_body(request: HttpRequest, *, limit: int) -> object:
    """The body decoded as JSON, read only up to `limit` bytes: a larger one is refused
    by its Content-Length before it is read, or when it turns out larger while reading."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        raise BodyTooLarge(
            f"The body is {declared:,} bytes; events may be at most {limit:,} bytes."
        )
    body = request.read(limit + 1)
    if len(body) > limit:
        raise BodyTooLarge(
            f"The body is more than {limit:,} bytes; events may be at most {limit:,} bytes."
        )
    if not body.strip():
        raise NotJson("The body is empty: send the event as a JSON object.")
    try:
        return json.loads(
            body.decode("utf-8"), object_pairs_hook=_object, parse_constant=_no_constant
        )
    except UnicodeDecodeError as error:
        raise NotJson("The body is not UTF-8 text: send the event as a JSON object.") from error
    except (ValueError, RecursionError) as error:
        raise NotJson(
            f"The body is not valid JSON ({_reason(error)}): send the event as a JSON object."
        ) from error


def _object(pairs: list[tuple[str, object]]) -> dict[str, object]:
    names = [name for name, _ in pairs]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ValueError(f"the field '{repeated[0]}' appears twice")
    return dict(pairs)


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not a JSON number")


def _reason(error: Exception) -> str:
    if isinstance(error, json.JSONDecodeError):
        return f"{error.msg} at line {error.lineno}, column {error.colno}"
    if isinstance(error, RecursionError):
        return "it is nested too deeply"
    return str(error)
