"""Who calls the API, what the token may do, and how often.

Every endpoint but the OpenAPI document and its docs page needs `Authorization: Bearer
<token>`. A token is checked by `accounts.api_tokens.api_token_authenticate` (unknown,
expired, revoked or deactivated: 401 with its message), then counted against its rate
limit (429 with `Retry-After`), then asked for the `read` scope (a service token that may
only write CI events: 403). The request then reads as `request.auth.user`, with exactly
the rights the pages give that user.
"""

import math
import time
from typing import Final

from django.contrib.auth.models import User
from django.http import HttpRequest
from ninja.security import HttpBearer

from accounts.api_tokens import (
    TokenHolder,
    TokenRejected,
    api_token_authenticate,
    rate_limit_per_minute,
)
from core.ratelimit import allow

TOKENS_PAGE: Final = "/account/tokens/"
REALM: Final = "MLOps Maturity Portal API"
WINDOW_SECONDS: Final = 60
MISSING: Final = (
    "This endpoint needs an API token: send it as 'Authorization: Bearer <token>'. "
    f"Create a personal token under Account > API tokens ({TOKENS_PAGE})."
)
NOT_BEARER: Final = (
    "Send the token as 'Authorization: Bearer <token>': no other kind of authorization "
    f"is accepted. Create a personal token under Account > API tokens ({TOKENS_PAGE})."
)
WRITE_ONLY: Final = "This token may only write CI events."


class Unauthenticated(Exception):
    """No usable token; `str()` says why. `missing`: the request sent none at all."""

    def __init__(self, message: str, *, missing: bool = False) -> None:
        super().__init__(message)
        self.missing = missing


class ReadNotAllowed(Exception):
    """A valid token without the `read` scope."""


class RateLimited(Exception):
    def __init__(self, *, limit: int, retry_after: int) -> None:
        super().__init__(
            f"Too many requests with this token: at most {limit} a minute. "
            f"Try again in {retry_after} second{'s' if retry_after != 1 else ''}."
        )
        self.retry_after = retry_after


class BearerToken(HttpBearer):
    """`Authorization: Bearer <token>`; `read=False` lets any valid token through (`/me`
    tells a CI token's holder what it is, though it reads nothing)."""

    def __init__(self, *, read: bool = True) -> None:
        super().__init__()
        self.read = read

    def __call__(self, request: HttpRequest) -> TokenHolder:
        header = request.headers.get(self.header, "").strip()
        if not header:
            raise Unauthenticated(MISSING, missing=True)
        scheme, _, secret = header.partition(" ")
        if scheme.lower() != self.openapi_scheme or not secret.strip():
            raise Unauthenticated(NOT_BEARER)
        return self.authenticate(request, secret.strip())

    def authenticate(self, request: HttpRequest, token: str) -> TokenHolder:
        try:
            holder = api_token_authenticate(token)
        except TokenRejected as rejected:
            raise Unauthenticated(str(rejected)) from rejected
        limit = rate_limit_per_minute()
        if not allow(f"api:{holder.token.pk}", limit=limit, window=WINDOW_SECONDS):
            raise RateLimited(limit=limit, retry_after=seconds_to_next_window())
        if self.read and holder.user is None:
            raise ReadNotAllowed(WRITE_ONLY)
        return holder


def seconds_to_next_window(now: float | None = None) -> int:
    """Whole seconds until the rate limit's window ends (`core.ratelimit` counts in fixed
    windows aligned on the clock), at least 1."""
    now = time.time() if now is None else now
    end = (now // WINDOW_SECONDS + 1) * WINDOW_SECONDS
    return max(1, math.ceil(end - now))


# Characters the tokens' messages use that an HTTP header (ISO-8859-1, and RFC 6750's
# error_description: printable ASCII without '"' or '\') cannot carry.
_HEADER_SAFE = str.maketrans({"›": ">", "‘": "'", "’": "'", "“": "'", "”": "'", '"': "'"})


def challenge(error: Unauthenticated) -> str:
    """The `WWW-Authenticate` value. A request without any token gets no error code
    (RFC 6750, section 3.1); a rejected token gets invalid_token and the reason."""
    if error.missing:
        return f'Bearer realm="{REALM}"'
    description = str(error).translate(_HEADER_SAFE).replace("\\", "/")
    description = description.encode("ascii", "replace").decode("ascii")
    return f'Bearer realm="{REALM}", error="invalid_token", error_description="{description}"'


def reader_of(request: HttpRequest) -> User:
    """Whom the request reads as: the token's owner, or a service token's organisation-wide
    reader (`BearerToken` let only tokens that read through)."""
    holder: TokenHolder = request.auth  # type: ignore[attr-defined]
    assert holder.user is not None
    return holder.user
