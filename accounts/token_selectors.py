"""Reads for the token pages and the single sign-on settings page.

Tokens: a person's own (`personal_tokens`, and `personal_token_get` that answers 404 for
anyone else's), the organisation's service tokens and everyone's usable personal tokens for
org admins. Each list is one query, whatever its length.

Single sign-on: the group mappings, the latest log-in attempts, and the latest attempt's
claims laid out for reading, with the groups claim and the mappings it matched.
"""

import datetime
import json
from dataclasses import dataclass, field
from typing import Final

from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.timesince import timesince

from accounts.models import ApiToken, SsoGroupMapping, SsoLoginAttempt
from accounts.models.api_tokens import MAX_LIFETIME_DAYS
from accounts.sso.mapping import groups_from_claim
from teams.models import Project, Team, Unit

DEFAULT_LIFETIME_DAYS: Final = 90
ACTIVE: Final = "active"
EXPIRED: Final = "expired"
REVOKED: Final = "revoked"


@dataclass(frozen=True)
class TokenRow:
    token: ApiToken
    status: str  # ACTIVE, EXPIRED or REVOKED
    last_used: str  # "never", "just now", "3 minutes ago"


def token_row(token: ApiToken, now: datetime.datetime | None = None) -> TokenRow:
    now = now or timezone.now()
    if token.is_revoked:
        status = REVOKED
    elif token.is_expired(now):
        status = EXPIRED
    else:
        status = ACTIVE
    return TokenRow(token=token, status=status, last_used=_ago(token.last_used_at, now))


def _ago(moment: datetime.datetime | None, now: datetime.datetime) -> str:
    if moment is None:
        return "never"
    if now - moment < datetime.timedelta(minutes=1):
        return "just now"
    return f"{timesince(moment, now, depth=1)} ago"


def _rows(tokens: QuerySet[ApiToken]) -> list[TokenRow]:
    now = timezone.now()
    return [token_row(token, now) for token in tokens]


def expiry_bounds(today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """The default expiry date of a new token and the latest one allowed (one year)."""
    today = today or timezone.localdate()
    return (
        today + datetime.timedelta(days=DEFAULT_LIFETIME_DAYS),
        today + datetime.timedelta(days=MAX_LIFETIME_DAYS - 1),
    )


def personal_tokens(*, user: User) -> list[TokenRow]:
    """`user`'s own tokens, newest first, whatever their state."""
    return _rows(ApiToken.objects.filter(kind=ApiToken.Kind.PERSONAL, user=user))


def personal_token_get(*, user: User, pk: int) -> ApiToken:
    """One of `user`'s own tokens; anyone else's answers 404, as an unknown one does."""
    return get_object_or_404(
        ApiToken.objects.select_related("user"), kind=ApiToken.Kind.PERSONAL, user=user, pk=pk
    )


def api_token_get(*, pk: int) -> ApiToken:
    """Any token, for org admins (who may revoke every one)."""
    return get_object_or_404(
        ApiToken.objects.select_related("user", "created_by", "project__team", "team"), pk=pk
    )


def service_tokens() -> list[TokenRow]:
    tokens = ApiToken.objects.filter(kind=ApiToken.Kind.SERVICE).select_related(
        "created_by", "project__team", "team"
    )
    return _rows(tokens)


def usable_personal_tokens() -> list[TokenRow]:
    """Everyone's personal tokens that still work, by owner, for an admin to cut one off."""
    now = timezone.now()
    tokens = (
        ApiToken.objects.filter(
            kind=ApiToken.Kind.PERSONAL, revoked_at__isnull=True, expires_at__gt=now
        )
        .select_related("user")
        .order_by("user__username", "-created_at", "-id")
    )
    return [token_row(token, now) for token in tokens]


def token_projects() -> QuerySet[Project]:
    """The projects a service token may write CI events for."""
    return (
        Project.objects.filter(archived_at__isnull=True, team__archived_at__isnull=True)
        .select_related("team")
        .order_by("team__name", "name")
    )


def active_teams() -> QuerySet[Team]:
    return Team.objects.filter(archived_at__isnull=True).order_by("name")


def active_units() -> QuerySet[Unit]:
    return Unit.objects.filter(archived_at__isnull=True).order_by("path")


# --- Single sign-on ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    name: str
    value: str  # lists comma-separated, objects as JSON
    is_groups: bool = False


@dataclass
class LatestClaims:
    attempt: SsoLoginAttempt
    claims: list[Claim]
    groups_claim: str
    groups: list[str]  # as the log-in reads them (`accounts.sso.mapping.groups_from_claim`)
    matched: list[SsoGroupMapping] = field(default_factory=list)
    unmapped: list[str] = field(default_factory=list)  # groups no mapping names


@dataclass(frozen=True)
class SsoOverview:
    configured: bool
    issuer: str
    redirect_uri: str
    logged_out_uri: str
    password_login: bool
    break_glass: str
    mappings: list[SsoGroupMapping]
    attempts: list[SsoLoginAttempt]
    latest: LatestClaims | None


def groups_claim_name() -> str:
    return str(getattr(settings, "OIDC_GROUPS_CLAIM", "") or "groups")


def sso_mappings() -> list[SsoGroupMapping]:
    return list(SsoGroupMapping.objects.select_related("unit", "team"))


def sso_overview() -> SsoOverview:
    """What the settings page shows: three queries (mappings, attempts and their users)."""
    issuer = str(getattr(settings, "OIDC_ISSUER", "") or "")
    mappings = sso_mappings()
    attempts = list(SsoLoginAttempt.objects.select_related("user")[: SsoLoginAttempt.KEEP])
    return SsoOverview(
        configured=bool(issuer),
        issuer=issuer,
        redirect_uri=settings.SITE_URL + reverse("sso:callback"),
        logged_out_uri=settings.SITE_URL + reverse("sso:logged_out"),
        password_login=bool(getattr(settings, "PASSWORD_LOGIN", True)),
        break_glass=str(getattr(settings, "BREAK_GLASS_USERNAME", "") or ""),
        mappings=mappings,
        attempts=attempts,
        latest=latest_claims(attempts[0], mappings) if attempts else None,
    )


def latest_claims(attempt: SsoLoginAttempt, mappings: list[SsoGroupMapping]) -> LatestClaims:
    """The attempt's claims as rows (sorted by name), and which mappings its groups match."""
    claims = attempt.claims if isinstance(attempt.claims, dict) else {}
    name = groups_claim_name()
    groups = groups_from_claim(claims.get(name))
    rows = [Claim(key, _shown(value), key == name) for key, value in sorted(claims.items())]
    matched = [mapping for mapping in mappings if mapping.group in groups]
    named = {mapping.group for mapping in mappings}
    return LatestClaims(
        attempt=attempt,
        claims=rows,
        groups_claim=name,
        groups=groups,
        matched=matched,
        unmapped=[group for group in groups if group not in named],
    )


def _shown(value: object) -> str:
    if isinstance(value, list):
        return ", ".join(_shown(item) for item in value) or "(empty list)"
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if value is None:
        return "(null)"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
