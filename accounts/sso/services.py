"""Signing in through the identity provider, once its ID token has been checked.

1. Refuse a log-in that brings no e-mail address, or one the provider says it has not
   verified (`email_verified` false).
2. Find the person: by their identity at the provider (issuer and subject) first; else by
   their e-mail address, matched without regard to case, if exactly one account has it (the
   identity is then linked to that account); else by the first-log-in policy
   (OIDC_FIRST_LOGIN): create an account in no team, or refuse.
3. Refuse a deactivated account: single sign-on never reactivates anyone.
4. Update their first and last names and e-mail address from the claims.
5. Synchronise their roles with their groups (`accounts.sso.sync`).
6. Record the attempt with the claims received, keeping the latest SsoLoginAttempt.KEEP.

Refusals raise SsoRefused before anything is written; the view records them with
`sso_refusal_record`, so every attempt is recorded once, whether it succeeded or not.
"""

import re
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import SsoIdentity, SsoLoginAttempt
from accounts.sso.mapping import groups_from_claim
from accounts.sso.sync import sso_roles_sync
from accounts.sso.tokens import SsoRefused
from core.audit import audit_record

NAME_MAX = 150


def sso_sign_in(*, issuer: str, claims: dict[str, Any]) -> User:
    """The person `claims` describe, signed in (steps in the module's docstring)."""
    try:
        with transaction.atomic():
            user, outcome, notes = _sign_in(issuer, claims)
            _attempt_record(outcome=outcome, message=" ".join(notes), claims=claims, user=user)
    except IntegrityError as error:  # the same person signing in twice at the same moment
        message = "Another log-in of yours was under way: try again."
        raise SsoRefused(message, claims=claims) from error
    return user


@transaction.atomic
def sso_refusal_record(*, refused: SsoRefused) -> SsoLoginAttempt:
    return _attempt_record(
        outcome=SsoLoginAttempt.Outcome.REFUSED,
        message=refused.message,
        claims=refused.claims,
        user=refused.user,
    )


def _sign_in(issuer: str, claims: dict[str, Any]) -> tuple[User, str, list[str]]:
    email = _email(claims)
    subject = str(claims["sub"])
    identity = (
        SsoIdentity.objects.select_for_update()
        .select_related("user")
        .filter(issuer=issuer, subject=subject)
        .first()
    )
    outcome = SsoLoginAttempt.Outcome.SIGNED_IN
    if identity is not None:
        user = identity.user
    else:
        found = _account_by_email(email, claims)
        if found is None:
            user, outcome = _account_create(email), SsoLoginAttempt.Outcome.CREATED
        else:
            user = found
        identity = _identity_link(user, issuer, subject)
    if not user.is_active:
        raise SsoRefused(
            f"The account for {email} is deactivated: ask an org admin if you need it again.",
            claims=claims,
            user=user,
        )
    notes = _details_update(user, email, claims)
    identity.groups = groups_from_claim(claims.get(settings.OIDC_GROUPS_CLAIM))
    notes += sso_roles_sync(user=user, identity=identity, groups=identity.groups)
    identity.last_login_at = timezone.now()
    identity.save(update_fields=["groups", "granted", "last_login_at"])
    user.refresh_from_db(fields=["is_staff", "is_superuser"])  # the sync saved its own copy
    return user, outcome, notes


def _email(claims: dict[str, Any]) -> str:
    email = claims.get("email")
    if not isinstance(email, str) or "@" not in email:
        raise SsoRefused(
            "The provider sent no e-mail address (the email claim), and the portal needs one: "
            'ask its administrator to release it to this portal (the "email" scope).',
            claims=claims,
        )
    if claims.get("email_verified") in (False, "false"):
        raise SsoRefused(
            f"The provider has not verified the e-mail address {email.strip()}: verify it "
            "there first, then log in again.",
            claims=claims,
        )
    return email.strip()


def _account_by_email(email: str, claims: dict[str, Any]) -> User | None:
    matches = list(User.objects.filter(email__iexact=email)[:2])
    if len(matches) > 1:
        raise SsoRefused(
            f"Several accounts here have the e-mail address {email}, so single sign-on cannot "
            "tell which is yours: ask an org admin to give each its own address.",
            claims=claims,
        )
    if matches and SsoIdentity.objects.filter(user=matches[0]).exists():
        raise SsoRefused(
            f"The account for {email} is already linked to another identity at the provider: "
            "ask an org admin.",
            claims=claims,
            user=matches[0],
        )
    if not matches and settings.OIDC_FIRST_LOGIN == "refuse":
        raise SsoRefused(
            f"There is no account for {email} here, and this portal does not create one at a "
            "first log-in: ask an org admin to invite you.",
            claims=claims,
        )
    return matches[0] if matches else None


def _account_create(email: str) -> User:
    user = User.objects.create_user(username=_free_username(email), email=email)
    audit_record(
        actor=None,
        action="user.sso_create",
        target=user,
        after={"email": email, "created": "at a first log-in through single sign-on"},
    )
    return user


def _identity_link(user: User, issuer: str, subject: str) -> SsoIdentity:
    identity = SsoIdentity.objects.create(user=user, issuer=issuer, subject=subject)
    audit_record(
        actor=None,
        action="user.sso_link",
        target=user,
        after={"identity": f"{subject} at {issuer}"},
    )
    return identity


def _details_update(user: User, email: str, claims: dict[str, Any]) -> list[str]:
    """Names and e-mail address as the provider has them now; an address another account
    already has is left as it was, and the record says so."""
    first, last = _names(claims)
    notes = []
    user.first_name, user.last_name = first or user.first_name, last or user.last_name
    if user.email.casefold() != email.casefold() and (
        User.objects.filter(email__iexact=email).exclude(pk=user.pk).exists()
    ):
        notes.append(f"Kept the e-mail address {user.email}: another account has {email}.")
    else:
        user.email = email
    user.save(update_fields=["first_name", "last_name", "email"])
    return notes


def _names(claims: dict[str, Any]) -> tuple[str, str]:
    given, family = claims.get("given_name"), claims.get("family_name")
    if not isinstance(given, str) and not isinstance(family, str):
        name = claims.get("name")
        given, _, family = (name.strip() if isinstance(name, str) else "").partition(" ")
    return (
        (given if isinstance(given, str) else "").strip()[:NAME_MAX],
        (family if isinstance(family, str) else "").strip()[:NAME_MAX],
    )


def _free_username(email: str) -> str:
    """The e-mail address as the username (what the person knows), made valid and unique."""
    base = re.sub(r"[^\w.@+-]", "", email.casefold())[:140] or "user"
    username, n = base, 1
    while User.objects.filter(username=username).exists():
        n += 1
        username = f"{base}-{n}"
    return username


def _attempt_record(
    *, outcome: str, message: str, claims: dict[str, Any], user: User | None
) -> SsoLoginAttempt:
    attempt = SsoLoginAttempt.objects.create(
        outcome=outcome, message=message[:500], claims=claims, user=user
    )
    stale = list(SsoLoginAttempt.objects.values_list("pk", flat=True)[SsoLoginAttempt.KEEP :])
    if stale:
        SsoLoginAttempt.objects.filter(pk__in=stale).delete()
    return attempt
