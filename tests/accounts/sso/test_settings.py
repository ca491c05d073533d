"""Single sign-on's settings refuse, at start-up, a combination that cannot work."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SSO_VARIABLES = {"OIDC_ISSUER", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET", "OIDC_SCOPES"} | {
    "OIDC_FIRST_LOGIN",
    "PASSWORD_LOGIN",
    "BREAK_GLASS_USERNAME",
}


def _check(**variables: str) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key not in SSO_VARIABLES}
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={**env, **variables},
        capture_output=True,
        text=True,
        check=False,
    )


def test_it_starts_password_only_with_nothing_configured():
    result = _check()
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("variables", "problem"),
    [
        ({"OIDC_FIRST_LOGIN": "ask"}, 'OIDC_FIRST_LOGIN is "create" or "refuse"'),
        ({"OIDC_ISSUER": "https://idp.example.org"}, "OIDC_ISSUER needs OIDC_CLIENT_ID"),
        ({"PASSWORD_LOGIN": "false"}, "PASSWORD_LOGIN=false needs OIDC_ISSUER and BREAK_GLASS"),
    ],
)
def test_it_refuses_to_start_with_settings_that_cannot_work(variables, problem):
    result = _check(**variables)
    assert result.returncode == 1
    assert result.stderr.startswith("Refusing to start: ")
    assert problem in result.stderr
