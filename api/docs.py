"""The OpenAPI document's page: Swagger UI, as django-ninja ships it (its own static
files, no CDN), in a template of ours (`templates/api/docs.html`) that adds the page's
language and a stylesheet (`api/static/api/docs.css`) raising Swagger UI's colours to
WCAG AA contrast. It loads only scripts and styles from the portal's origin, so the
portal's CSP holds unchanged."""

import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from ninja import NinjaAPI
from ninja.openapi.docs import Swagger

SETTINGS = {
    "layout": "BaseLayout",
    # Deep links put a link inside each operation's toggle button: a nested control that
    # keyboard and screen-reader users cannot reach on its own (axe: nested-interactive).
    "deepLinking": False,
    "defaultModelsExpandDepth": 0,
    "tryItOutEnabled": False,
    "persistAuthorization": False,
}


class SwaggerPage(Swagger):
    template = "api/docs.html"

    def __init__(self) -> None:
        super().__init__(settings=SETTINGS)

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        openapi_url = self.get_openapi_url(api, kwargs)
        context = {
            "api": api,
            "openapi_url": openapi_url,
            "swagger_settings": json.dumps({**self.settings, "url": openapi_url}),
        }
        return render(request, self.template, context)
