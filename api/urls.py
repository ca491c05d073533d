"""The REST API v1, at /api/v1/: typed, one module per resource (`api/resources/`). It
reads, and writes only the CI and deployment events pipelines send (`resources/events.py`).
Its OpenAPI document is at /api/v1/openapi.json and the document's page at /api/v1/docs
(Swagger UI from the static files django-ninja ships: no CDN, and the portal's CSP
holds). The document and its page hold no data and need no token.
"""

from django.urls import re_path
from ninja import NinjaAPI
from ninja.operation import Operation

from api.auth import BearerToken
from api.docs import SwaggerPage
from api.errors import add_handlers, json_patterns, no_endpoint
from api.resources import (
    assessments,
    events,
    figures,
    improvement,
    initiatives,
    me,
    organisation,
    projects,
)


class PortalAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation: Operation) -> str:
        """The view's name ("project_list"), as its URL's name: short, stable, unique."""
        return operation.view_func.__name__


api = PortalAPI(
    title="MLOps Maturity Portal API",
    version="1",
    description=(
        "Read access to the portal's data, with the permissions of the token's owner. "
        "Send `Authorization: Bearer <token>`; create a personal token under Account > API "
        "tokens. Lists are paginated by cursor: follow `next`. It also takes the CI and "
        "deployment events of a project's pipeline (`POST /projects/{slug}/events`), sent "
        "with a service token that has the `events:write` scope; docs/events.md says how."
    ),
    urls_namespace="api",
    auth=BearerToken(),
    docs=SwaggerPage(),
    docs_url="/docs",
    openapi_url="/openapi.json",
)
add_handlers(api)
for module in (organisation, projects, assessments, figures, improvement, initiatives, me, events):
    api.add_router("", module.router)

# Included at api/v1/ under the namespace "api", which the NinjaAPI reverses its URLs in.
app_name = "api"
urlpatterns = [
    *json_patterns(api.urls[0], read_only={"openapi-json", "openapi-view"}),
    # Any other address under /api/v1/ answers a JSON 404 too, whatever the method.
    re_path(r"^(?P<rest>[\s\S]+)$", no_endpoint, name="no_endpoint"),
]
