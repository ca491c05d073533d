"""The real OpenID Connect provider's fixtures (harness.py) for the tests in this folder."""

from tests.integration.oidc.harness import oidc, oidc_provider  # noqa: F401
