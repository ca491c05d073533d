"""How people get in: invitations (`invitations.py`), single sign-on's identities, group
mappings and the log-ins it records for diagnosis (`sso.py`), and API tokens (`api_tokens.py`)."""

from accounts.models.api_tokens import ApiToken
from accounts.models.invitations import Invitation
from accounts.models.sso import SsoGroupMapping, SsoIdentity, SsoLoginAttempt

__all__ = ["ApiToken", "Invitation", "SsoGroupMapping", "SsoIdentity", "SsoLoginAttempt"]
