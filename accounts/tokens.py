"""Invitation tokens: random, URL-safe, and stored only as a hash. Pure Python.

A token carries 256 random bits, so a plain SHA-256 of it is as good as a salted, slow hash
(nobody can guess tokens to try against a leaked hash), and it can be looked up by index.
"""

import hashlib
import re
import secrets

TOKEN_BYTES = 32  # 43 characters of base64url
_WELL_FORMED = re.compile(r"[A-Za-z0-9_-]{43}")


def token_new() -> tuple[str, str]:
    """A new token and its hash: the token goes into one e-mail, the hash into the row."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    return token, token_hash(token)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def token_well_formed(token: str) -> bool:
    """Whether `token` could be one of ours; anything else is unknown without a query."""
    return bool(_WELL_FORMED.fullmatch(token))
