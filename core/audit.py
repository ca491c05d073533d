"""Writing the audit log: services call `audit_record` in the same transaction as the
change they record, so an action and its entry commit or roll back together."""

from collections.abc import Mapping

from django.contrib.auth.models import User
from django.db import models

from core.models import AuditEntry


def audit_record(
    *,
    actor: User | None,
    action: str,
    target: models.Model,
    before: Mapping[str, object] | None = None,
    after: Mapping[str, object] | None = None,
) -> AuditEntry:
    """Record one action on `target`; only the fields whose value changed are kept."""
    before, after = dict(before or {}), dict(after or {})
    changed = {key for key in before.keys() | after.keys() if before.get(key) != after.get(key)}
    return AuditEntry.objects.create(
        actor=actor,
        actor_label=_label(actor),
        action=action,
        target_type=target._meta.model_name or "",
        target_id=target.pk,
        target_label=str(target)[:300],
        before={key: _plain(value) for key, value in before.items() if key in changed},
        after={key: _plain(value) for key, value in after.items() if key in changed},
    )


def _label(user: User | None) -> str:
    if user is None:
        return "the system"
    return user.get_full_name() or user.get_username()


def _plain(value: object) -> object:
    """JSON-safe: model instances as their name, everything else as text unless plain."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return str(value)
