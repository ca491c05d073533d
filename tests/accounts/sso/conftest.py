"""Single sign-on's services without a provider: claims as a checked ID token would bring
them, and group mappings as an org admin would set them."""

from typing import Any

import pytest

from accounts.models import SsoGroupMapping
from accounts.sso.services import sso_sign_in

ISSUER = "https://idp.example.org"


def claims_for(sub: str = "ada-sub", **overrides: Any) -> dict[str, Any]:
    claims = {
        "iss": ISSUER,
        "sub": sub,
        "email": "ada@example.org",
        "email_verified": True,
        "given_name": "Ada",
        "family_name": "Lovelace",
        "groups": [],
        **overrides,
    }
    return {name: value for name, value in claims.items() if value is not None}


@pytest.fixture
def sign_in(settings):
    """sign_in(groups=[...], **claims) -> the user, as the provider's log-in would."""
    settings.OIDC_ISSUER = ISSUER
    settings.OIDC_GROUPS_CLAIM = "groups"
    settings.OIDC_FIRST_LOGIN = "create"

    def run(**overrides: Any):
        return sso_sign_in(issuer=ISSUER, claims=claims_for(**overrides))

    return run


@pytest.fixture
def mapping(db):
    """mapping("group", "team_lead", team=team) -> the SsoGroupMapping."""

    def make(group: str, grant: str, **target: Any) -> SsoGroupMapping:
        return SsoGroupMapping.objects.create(group=group, grant=grant, **target)

    return make
