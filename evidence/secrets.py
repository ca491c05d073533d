"""Encrypting the tokens of tool connections, with a key from the environment.

`EVIDENCE_ENCRYPTION_KEY` is a Fernet key (32 random bytes, URL-safe base64: make one with
`python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`).
Outside production, without one, a key is derived from SECRET_KEY so `make run` works; in
production a token cannot be stored until the key is set. A token is decrypted only to
send it to its server: it is never shown again, never logged, and never in a form.
"""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

__all__ = ["InvalidToken", "token_decrypt", "token_encrypt"]


def _fernet() -> Fernet:
    key = getattr(settings, "EVIDENCE_ENCRYPTION_KEY", "")
    if key:
        return Fernet(key.encode("ascii"))
    if getattr(settings, "IS_PRODUCTION", False):
        raise ImproperlyConfigured(
            "Set EVIDENCE_ENCRYPTION_KEY (a Fernet key) to store tokens of tool connections."
        )
    derived = hashlib.sha256(f"evidence-tokens:{settings.SECRET_KEY}".encode()).digest()
    return Fernet(base64.urlsafe_b64encode(derived))


def token_encrypt(token: str) -> bytes:
    return _fernet().encrypt(token.encode("utf-8"))


def token_decrypt(encrypted: bytes) -> str:
    """The token; InvalidToken when the key changed since it was stored."""
    return _fernet().decrypt(bytes(encrypted)).decode("utf-8")
