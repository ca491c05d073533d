"""A project's connection to its MLflow tracking server: saving it and removing it.

Who may is decided by the views (the team's leads and org admins). The token is encrypted
at once (evidence.secrets) and never leaves this module in clear: not in an error, not in
the audit log (which says only whether it was set, removed or left unchanged), not in a
log line. Names are kept as MLflow spells them, only trimmed: the collection looks them up
exactly.
"""

import re
from typing import Any
from urllib.parse import urlsplit

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.views.decorators.debug import sensitive_variables

from core.audit import audit_record
from evidence.models import MlflowConnection
from evidence.secrets import token_encrypt
from teams.models import Project

MAX_NAMES = 20
NAME_MAX_LENGTH = 250
URL_MAX_LENGTH = 300
TOKEN_MAX_LENGTH = 4000
# MLflow's own rule for alias names, less its reserved "latest" and "v<number>".
ALIAS = re.compile(r"[A-Za-z0-9_-]{1,100}")
RESERVED_ALIAS = re.compile(r"latest|v\d+", re.IGNORECASE)
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
RACE = "Someone saved this connection at the same moment: reload the page and try again."

# How the audit log reads a token change: never the token itself.
TOKEN_SET, TOKEN_REMOVED, TOKEN_UNCHANGED = "set", "removed", "unchanged"


def _url_error(url: str) -> str | None:
    if not url:
        return "Give the address of the MLflow tracking server, e.g. https://mlflow.example.com."
    if len(url) > URL_MAX_LENGTH:
        return f"Shorten the address to {URL_MAX_LENGTH} characters at most."
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or CONTROL.search(url) or " " in url:
        return "Give an http:// or https:// address, e.g. https://mlflow.example.com."
    if parts.username or parts.password:
        return (
            "Leave the user name and password out of the address: put a token in the token field."
        )
    try:
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        return "The port must be a number between 1 and 65535, e.g. http://mlflow:5000."
    if not parts.hostname:
        return "The address has no server name: give one, e.g. https://mlflow.example.com."
    if parts.query or parts.fragment:
        return "Give the server's address only, without ?… or #…."
    return None


def _names(names: list[str], what: str) -> tuple[list[str], str | None]:
    """The names trimmed, blanks and repeats dropped in order; or why they are refused."""
    kept: list[str] = []
    for name in (str(name).strip() for name in names):
        if name and name not in kept:
            kept.append(name)
    if len(kept) > MAX_NAMES:
        return kept, f"Give at most {MAX_NAMES} {what} names; there are {len(kept)}."
    for name in kept:
        if len(name) > NAME_MAX_LENGTH:
            return (
                kept,
                f"“{name[:40]}…” is too long: {what} names have "
                f"{NAME_MAX_LENGTH} characters at most.",
            )
        if CONTROL.search(name):
            return kept, f"One of the {what} names holds a tab or a control character: remove it."
    return kept, None


def _alias_error(alias: str) -> str | None:
    if not ALIAS.fullmatch(alias):
        return (
            "Give the alias as a single word of letters, digits, “-” or “_” "
            "(100 characters at most), e.g. production or champion."
        )
    if RESERVED_ALIAS.fullmatch(alias):
        return f"MLflow reserves “{alias}” for its own use: choose another alias, e.g. production."
    return None


@sensitive_variables("token")
def _token_error(token: str) -> str | None:
    if len(token) > TOKEN_MAX_LENGTH:
        return f"The token is longer than {TOKEN_MAX_LENGTH} characters: check what was pasted."
    if CONTROL.search(token):
        return "The token holds a line break or a control character: paste it on one line."
    return None


@sensitive_variables("token")
def _checked(
    *,
    tracking_url: str,
    experiment_names: list[str],
    model_names: list[str],
    production_alias: str,
    token: str | None,
) -> dict[str, Any]:
    """The cleaned fields, or a ValidationError naming each field's problem."""
    errors: dict[str, str] = {}
    url = tracking_url.strip().rstrip("/")
    experiments, problem = _names(experiment_names, "experiment")
    if problem:
        errors["experiment_names"] = problem
    models, problem = _names(model_names, "registered model")
    if problem:
        errors["model_names"] = problem
    if not experiments and not models and not errors:
        errors["experiment_names"] = (
            "Name at least one experiment or one registered model: the collection reads only those."
        )
    alias = production_alias.strip()
    checks = {"tracking_url": _url_error(url), "production_alias": _alias_error(alias)}
    if token:
        checks["token"] = _token_error(token)
    errors.update({field: message for field, message in checks.items() if message})
    if errors:
        raise ValidationError(errors)
    return {
        "tracking_url": url,
        "experiment_names": experiments,
        "model_names": models,
        "production_alias": alias,
    }


def _fields(connection: MlflowConnection | None) -> dict[str, object]:
    if connection is None:
        return {}
    return {
        "tracking_url": connection.tracking_url,
        "experiment_names": list(connection.experiment_names),
        "model_names": list(connection.model_names),
        "production_alias": connection.production_alias,
    }


@sensitive_variables("token")
@transaction.atomic
def connection_save(
    *,
    project: Project,
    actor: User | None,
    tracking_url: str,
    experiment_names: list[str],
    model_names: list[str],
    production_alias: str = "production",
    token: str | None = None,
) -> MlflowConnection:
    """Create or change the project's connection. `token`: None keeps the stored one, ""
    removes it, any other text replaces it (stored encrypted)."""
    token = token.strip() if token is not None else None
    cleaned = _checked(
        tracking_url=tracking_url,
        experiment_names=experiment_names,
        model_names=model_names,
        production_alias=production_alias,
        token=token,
    )
    connection = MlflowConnection.objects.select_for_update().filter(project=project).first()
    before = _fields(connection)
    had_token = connection is not None and connection.has_token
    if connection is None:
        connection = MlflowConnection(project=project)
    for field, value in cleaned.items():
        setattr(connection, field, value)
    connection.updated_by = actor
    if token:
        connection.token_encrypted = token_encrypt(token)
        token_change = TOKEN_SET
    elif token == "" and had_token:
        connection.token_encrypted = b""
        token_change = TOKEN_REMOVED
    else:
        token_change = TOKEN_UNCHANGED
    try:
        with transaction.atomic():
            connection.save()
    except IntegrityError as error:  # another request created it since the lock was asked
        raise ValidationError(RACE) from error
    audit_record(
        actor=actor,
        action="mlflow_connection.change" if before else "mlflow_connection.create",
        target=connection,
        before=before,
        # Always recorded (before has no "token"), so the entry says what happened to it.
        after={**_fields(connection), "token": token_change},
    )
    return connection


@transaction.atomic
def connection_remove(*, project: Project, actor: User | None) -> bool:
    """Remove the project's connection and its token; its facts and collections stay as
    history. False when there was none."""
    connection = MlflowConnection.objects.select_for_update().filter(project=project).first()
    if connection is None:
        return False
    before = {**_fields(connection), "token": TOKEN_SET if connection.has_token else "none"}
    audit_record(actor=actor, action="mlflow_connection.remove", target=connection, before=before)
    connection.delete()
    return True
