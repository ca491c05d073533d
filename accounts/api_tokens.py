"""API tokens: create, revoke, and authenticate a request's bearer token.

A token reads `mlp_pat_…` (personal) or `mlp_svc_…` (service), then 43 characters of
base64url (256 random bits). Only its SHA-256 hash is stored (`accounts.tokens`); the
secret is returned once, by `api_token_create`, for the page to show once.

`api_token_authenticate` answers with the token and the user it reads as, or raises
`TokenRejected` with a message a person can act on (expired on which day, revoked, unknown,
owner deactivated). It costs one query, plus one update at most once a minute per token for
"last used" (a write on every request would make reads contend for the row).
"""

import datetime
from dataclasses import dataclass
from typing import Final

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import ApiToken
from accounts.models.api_tokens import MAX_LIFETIME_DAYS
from accounts.tokens import token_hash, token_new
from core.access import MANAGEMENT_GROUP
from core.audit import audit_record
from core.text import normalise_line
from teams.models import Project, Team

PREFIXES: Final[dict[str, str]] = {
    ApiToken.Kind.PERSONAL.value: "mlp_pat_",
    ApiToken.Kind.SERVICE.value: "mlp_svc_",
}
SHOWN_CHARACTERS: Final = 4  # of the secret, after the prefix, kept in clear to tell tokens apart
LAST_USED_EVERY: Final = datetime.timedelta(minutes=1)
NAME_MAX_LENGTH: Final = 80


class TokenRejected(Exception):
    """The request's token cannot be used; `str()` is the message for its holder."""


@dataclass(frozen=True)
class TokenHolder:
    token: ApiToken
    # Whom the token reads as: its owner, or for a service token with the `read` scope an
    # organisation-wide reader that is nobody (`service_reader`); None when it cannot read.
    user: User | None


def api_token_create(
    *,
    kind: str,
    name: str,
    expires_on: datetime.date,
    actor: User,
    user: User | None = None,
    scopes: list[str] | None = None,
    project: Project | None = None,
    team: Team | None = None,
) -> tuple[ApiToken, str]:
    """A new token and its secret, to be shown once. Personal tokens belong to `user` and
    only read; service tokens have `scopes` and, for `events:write`, a project or a team."""
    name = normalise_line(name)
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = "Give the token a name that says where it is used."
    elif len(name) > NAME_MAX_LENGTH:
        errors["name"] = f"Keep the name to {NAME_MAX_LENGTH} characters."
    today = timezone.localdate()
    if expires_on <= today:
        errors["expires_on"] = "Choose an expiry date after today."
    elif expires_on > today + datetime.timedelta(days=MAX_LIFETIME_DAYS - 1):
        errors["expires_on"] = "A token lasts at most one year: choose an earlier expiry date."
    if kind == ApiToken.Kind.PERSONAL:
        if user is None:
            raise ValueError("A personal token needs its owner.")
        scopes = [ApiToken.Scope.READ]
        project = team = None
    elif kind == ApiToken.Kind.SERVICE:
        user = None
        scopes = sorted(set(scopes or []))
        unknown = set(scopes) - set(ApiToken.Scope.values)
        if not scopes or unknown:
            errors["scopes"] = "Choose at least one scope: read, or write CI events."
        elif ApiToken.Scope.EVENTS_WRITE in scopes and (project is None) == (team is None):
            errors["scopes"] = "Writing CI events needs exactly one project or one team."
        elif ApiToken.Scope.EVENTS_WRITE not in scopes:
            project = team = None
    else:
        raise ValueError(f"No such kind of token: {kind}.")
    if errors:
        raise ValidationError(errors)
    secret, hashed = _secret(kind)
    expires_at = timezone.make_aware(
        datetime.datetime.combine(expires_on, datetime.time.max.replace(microsecond=0))
    )
    with transaction.atomic():
        token = ApiToken.objects.create(
            kind=kind,
            name=name,
            user=user,
            created_by=actor,
            scopes=scopes,
            project=project,
            team=team,
            token_hash=hashed,
            display_prefix=secret[: len(PREFIXES[kind]) + SHOWN_CHARACTERS],
            expires_at=expires_at,
        )
        audit_record(
            actor=actor,
            action=f"api_token.create.{kind}",
            target=token,
            after={"name": name, "scopes": scopes, "expires_on": expires_on.isoformat()},
        )
    return token, secret


def api_token_revoke(*, token: ApiToken, actor: User) -> ApiToken:
    """Revoke at once: the next request with it gets 401. Revoking twice changes nothing."""
    with transaction.atomic():
        changed = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now(), revoked_by=actor
        )
        token.refresh_from_db()
        if changed:
            audit_record(
                actor=actor,
                action=f"api_token.revoke.{token.kind}",
                target=token,
                before={"revoked": False},
                after={"revoked": True},
            )
    return token


def api_token_authenticate(secret: str) -> TokenHolder:
    """The token behind `secret` and whom it reads as, or `TokenRejected` saying why not."""
    kind = next((kind for kind, prefix in PREFIXES.items() if secret.startswith(prefix)), None)
    if kind is None or len(secret) != len(PREFIXES[kind]) + 43:
        raise TokenRejected(
            "This is not a portal API token: tokens start with mlp_pat_ or mlp_svc_. "
            "Send it as 'Authorization: Bearer <token>'."
        )
    token = (
        ApiToken.objects.select_related("user", "project", "team")
        .filter(token_hash=token_hash(secret))
        .first()
    )
    if token is None:
        raise TokenRejected("This token is not known: it may have been mistyped or deleted.")
    now = timezone.now()
    if token.revoked_at is not None:
        raise TokenRejected(
            f"This token was revoked on {timezone.localtime(token.revoked_at):%Y-%m-%d %H:%M}."
        )
    if token.is_expired(now):
        raise TokenRejected(
            f"This token expired on {timezone.localtime(token.expires_at):%Y-%m-%d}. "
            "Create a new one under Account › API tokens."
        )
    if token.user is not None and not token.user.is_active:
        raise TokenRejected("This token's owner is deactivated: their tokens no longer work.")
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_EVERY)
        ).update(last_used_at=now)
        token.last_used_at = now
    return TokenHolder(token=token, user=_reads_as(token))


def service_reader(name: str) -> User:
    """An organisation-wide reader that is nobody: a service token with the `read` scope
    reads as management does. Unsaved, with its roles preset, so `core.access` answers
    without a query and never looks for its memberships (it has none)."""
    reader = User(username=f"service token {name}", is_active=True)
    reader._group_roles = (frozenset({MANAGEMENT_GROUP}), ())  # type: ignore[attr-defined]
    reader._managed_unit_paths = ()  # type: ignore[attr-defined]
    return reader


def _reads_as(token: ApiToken) -> User | None:
    if token.kind == ApiToken.Kind.PERSONAL:
        return token.user
    return service_reader(token.name) if token.has_scope(ApiToken.Scope.READ) else None


def _secret(kind: str) -> tuple[str, str]:
    raw, _ = token_new()
    secret = PREFIXES[kind] + raw
    return secret, token_hash(secret)


def rate_limit_per_minute() -> int:
    return int(getattr(settings, "API_RATE_LIMIT_PER_MINUTE", 120))
