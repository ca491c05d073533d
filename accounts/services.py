"""Invitations: create, resend, revoke, accept. Each records an audit entry in the same
transaction as its change. E-mails go out after commit (accounts.emails), the new link's
token handed over in memory only, never stored or queued.

Accepting claims the invitation with a conditional UPDATE (`WHERE accepted_at IS NULL AND
revoked_at IS NULL AND token_hash = … AND expires_at > now`): of two concurrent accepts
only one changes the row, and a link replaced by a resend or revoked a moment ago matches
nothing.
"""

import datetime
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accounts import emails
from accounts.models import Invitation
from accounts.selectors import (
    ACCOUNT_ACTIVE,
    InvitationUnavailable,
    active_account_exists,
    invitation_by_token,
    invitation_check,
)
from accounts.tokens import token_hash, token_new
from core.audit import audit_record
from core.text import normalise_line
from teams.models import Membership, Team

NAME_MAX_LENGTH = 150
EMAIL_MAX_LENGTH = 254
ACTIVE_ACCOUNT_MESSAGE = (
    "{email} already belongs to an active account: that person can log in now, or reset "
    "their password from the log-in page."
)


@dataclass(frozen=True)
class Invited:
    invitation: Invitation
    replaced: bool  # an open invitation of the address was refreshed, not a new one made
    reactivates: bool  # the address has a deactivated account, which accepting reactivates


def invitation_days() -> int:
    return int(getattr(settings, "INVITATION_DAYS", 7))


def normalise_email(raw: str) -> str:
    """The address as stored and compared: stripped, lower-cased, plainly valid (no quoted
    local part, no control or space characters), at most 254 characters."""
    email = raw.strip()
    message = "Enter a valid e-mail address, such as jane.doe@example.com."
    if not email or len(email) > EMAIL_MAX_LENGTH or '"' in email:
        raise ValidationError(message, code="invalid")
    if any(char.isspace() or not char.isprintable() for char in email):
        raise ValidationError(message, code="invalid")
    try:
        validate_email(email)
    except ValidationError as error:
        raise ValidationError(message, code="invalid") from error
    return email.lower()


def normalise_name(raw: str) -> str:
    name = normalise_line(raw)
    if not name:
        raise ValidationError("Give the person's name in letters.", code="required")
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationError(f"Keep the name to {NAME_MAX_LENGTH} characters.", code="max_length")
    return name


# --- Invite, resend, revoke -------------------------------------------------------------------


@transaction.atomic
def invitation_create(
    *, email: str, name: str, invited_by: User, team: Team | None = None, role: str = ""
) -> Invited:
    """Invite `email`, or refresh its open invitation (new details, link and expiry)."""
    email, name = _field("email", normalise_email, email), _field("name", normalise_name, name)
    role = _initial_role(team, role)
    _refuse_active_account(email)
    token, digest = token_new()
    now = timezone.now()
    fields = {
        "name": name,
        "team": team,
        "role": role,
        "invited_by": invited_by,
        "token_hash": digest,
        "expires_at": now + datetime.timedelta(days=invitation_days()),
        "last_sent_at": now,
    }
    reactivates = User.objects.filter(email__iexact=email).exists()
    invitation = _open_invitation(email)
    replaced = invitation is not None
    if invitation is None:
        invitation = _insert(email=email, **fields)
        audit_record(
            actor=invited_by,
            action="invitation.create",
            target=invitation,
            after=_audit(invitation),
        )
    else:
        _refresh(invitation, fields, actor=invited_by)
    _send_after_commit(invitation, token)
    return Invited(invitation=invitation, replaced=replaced, reactivates=reactivates)


@transaction.atomic
def invitation_resend(*, invitation: Invitation, actor: User) -> Invitation:
    """A new link (the old one stops working) with a new expiry, e-mailed again."""
    if not _open(invitation).exists():
        raise ValidationError(_closed_message(invitation))
    _refuse_active_account(invitation.email)
    before = _audit(invitation)
    token, digest = token_new()
    now = timezone.now()
    changed = _open(invitation).update(
        token_hash=digest,
        expires_at=now + datetime.timedelta(days=invitation_days()),
        sent_count=F("sent_count") + 1,
        last_sent_at=now,
    )
    if not changed:
        raise ValidationError(_closed_message(invitation))
    invitation.refresh_from_db()
    audit_record(
        actor=actor,
        action="invitation.resend",
        target=invitation,
        before=before,
        after=_audit(invitation),
    )
    _send_after_commit(invitation, token)
    return invitation


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, actor: User) -> Invitation:
    if not _open(invitation).update(revoked_at=timezone.now()):
        raise ValidationError(_closed_message(invitation))
    invitation.refresh_from_db()
    audit_record(
        actor=actor,
        action="invitation.revoke",
        target=invitation,
        before={"state": Invitation.State.PENDING.value},
        after={"state": Invitation.State.REVOKED.value},
    )
    return invitation


# --- Accept -----------------------------------------------------------------------------------


def invitation_accept(*, token: str, password: str | None) -> User:
    """Use the link once: set up the account with `password` and the initial role. Without
    a password (password log-in is off: people log in with single sign-on) the account has
    none that works, and single sign-on finds it by its e-mail address.

    1. Check the link (InvitationUnavailable) and the password (Django's validators,
       ValidationError), before anything is written.
    2. Claim the invitation with a conditional UPDATE; if no row changed, another request
       used it, or it was revoked, resent or expired a moment ago.
    3. Create the account, or reactivate the deactivated one with this address; set the
       password; give it the invited role; record who accepted.
    """
    invitation = invitation_check(invitation=invitation_by_token(token=token))
    user = _account(invitation)
    if password is not None:
        validate_password(password, user=user)
    with transaction.atomic():
        now = timezone.now()
        claimed = Invitation.objects.filter(
            pk=invitation.pk,
            token_hash=token_hash(token),
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=now,
        ).update(accepted_at=now)
        if claimed != 1:
            invitation.refresh_from_db()
            raise InvitationUnavailable(invitation.state().value, invitation)
        if active_account_exists(invitation.email):  # activated another way since the check
            raise InvitationUnavailable(ACCOUNT_ACTIVE, invitation)
        user.is_active = True
        if password is None:
            user.set_unusable_password()
        else:
            user.set_password(password)
        user.save()
        _give_role(user, invitation)
        Invitation.objects.filter(pk=invitation.pk).update(accepted_user=user)
        invitation.refresh_from_db()
        audit_record(
            actor=user,
            action="invitation.accept",
            target=invitation,
            before={"state": Invitation.State.PENDING.value},
            after={"state": Invitation.State.ACCEPTED.value, "account": user.get_username()},
        )
    return user


# --- Helpers ----------------------------------------------------------------------------------


def _field(name: str, clean, value: str) -> str:
    try:
        return clean(value)
    except ValidationError as error:
        raise ValidationError({name: error.messages}) from error


def _initial_role(team: Team | None, role: str) -> str:
    if team is None:
        return ""
    if team.archived_at is not None:
        raise ValidationError({"team": f"{team.name} is archived: choose an active team."})
    if role not in Membership.Role.values:
        return Membership.Role.MEMBER.value
    return role


def _refuse_active_account(email: str) -> None:
    if active_account_exists(email):
        raise ValidationError({"email": ACTIVE_ACCOUNT_MESSAGE.format(email=email)})


def _open_invitation(email: str) -> Invitation | None:
    return (
        Invitation.objects.select_for_update()
        .filter(email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True)
        .first()
    )


def _refresh(invitation: Invitation, fields: Mapping[str, object], *, actor: User) -> None:
    """Give the open invitation the new details, link and expiry: replaced, not added."""
    before = _audit(invitation)
    for field, value in fields.items():
        setattr(invitation, field, value)
    invitation.sent_count += 1
    invitation.save()
    audit_record(
        actor=actor,
        action="invitation.replace",
        target=invitation,
        before=before,
        after=_audit(invitation),
    )


def _insert(**fields: object) -> Invitation:
    try:
        with transaction.atomic():
            return Invitation.objects.create(sent_count=1, **fields)
    except IntegrityError as error:  # the same address invited at the same moment
        raise ValidationError(
            {"email": "Someone invited this address a moment ago: reload the page to see it."}
        ) from error


def _open(invitation: Invitation):
    return Invitation.objects.filter(
        pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True
    )


def _closed_message(invitation: Invitation) -> str:
    invitation.refresh_from_db()
    state = invitation.state().label.lower()
    return f"The invitation of {invitation.email} was {state} in the meantime; nothing changed."


def _send_after_commit(invitation: Invitation, token: str) -> None:
    # Sent from this process after commit, so the token is never written anywhere but the
    # e-mail. A failure is recorded on the e-mail's row and shown on the list (resend).
    send = partial(emails.invitation_email_send, invitation_id=invitation.pk, token=token)
    transaction.on_commit(send, robust=True)


def _account(invitation: Invitation) -> User:
    """The deactivated account with this address, or a new (unsaved) one."""
    existing = (
        User.objects.filter(email__iexact=invitation.email, is_active=False)
        .order_by("-last_login", "-date_joined", "-pk")
        .first()
    )
    if existing is not None:
        return existing
    first, _, last = invitation.name.partition(" ")
    return User(
        username=_free_username(invitation.email),
        email=invitation.email,
        first_name=first,
        last_name=last,
    )


def _free_username(email: str) -> str:
    """The address itself as the username, when it fits Django's rules and is free."""
    base = re.sub(r"[^\w.@+-]", "", email, flags=re.ASCII)[:140] or "user"
    username, suffix = base, 2
    while User.objects.filter(username__iexact=username).exists():
        username, suffix = f"{base}-{suffix}", suffix + 1
    return username


def _give_role(user: User, invitation: Invitation) -> None:
    team = invitation.team
    if team is None or not invitation.role or team.archived_at is not None:
        return
    Membership.objects.update_or_create(user=user, team=team, defaults={"role": invitation.role})


def _audit(invitation: Invitation) -> dict[str, object]:
    return {
        "email": invitation.email,
        "name": invitation.name,
        "role": invitation.role_label,
        "expires_at": invitation.expires_at.isoformat(timespec="minutes"),
    }
