from django.contrib.auth.models import User
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class PortalRequest(HttpRequest):
    """A request after authentication and the htmx middleware ran."""

    user: User
    htmx: HtmxDetails
