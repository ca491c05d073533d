"""A real OpenID Connect provider for the single sign-on tests (panva's `oidc-provider`,
pinned in package-lock.json), started once per test session on a loopback port.

`npm ci` installs it into a cache folder named by the lock file's hash
(`$XDG_CACHE_HOME/mlops-portal/oidc-provider-<hash>`, else `~/.cache/...`), reused while the
lock file stays the same. Without node and npm (or without the registry, the first time),
the tests skip, or fail under REQUIRE_SERVICES=1.

The provider knows one client, the portal, whose redirect URIs are the live server's and the
test client's (`http://testserver`), and the accounts in `accounts.json`, read at every
look-up: `provider.account_set("ada", groups=[...])` changes what the next log-in brings.
Its signing key is made here, so a test can sign a token as the provider would.

The fixtures: `oidc_provider` (the session's provider) and `oidc` (single sign-on on against
it, its accounts reset); this folder's conftest.py imports them.
"""

import hashlib
import json
import os
import select
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.cache import cache
from django.test import Client

from tests.conftest import require_service

HERE = Path(__file__).resolve().parent
CLIENT_ID = "mlops-portal"
CLIENT_SECRET = "test-client-secret-not-secret"
TEST_CLIENT_SITE = "http://testserver"
START_SECONDS = 30
ACCOUNTS = {
    "ada": {
        "email": "ada@example.org",
        "email_verified": True,
        "given_name": "Ada",
        "family_name": "Lovelace",
        "name": "Ada Lovelace",
        "groups": ["ml-fraud-leads"],
    },
    "grace": {
        "email": "grace@example.org",
        "email_verified": True,
        "name": "Grace Hopper",
        "groups": ["ml-platform"],
    },
}


@dataclass
class OidcProvider:
    issuer: str
    accounts_file: Path
    signing_jwk: dict[str, Any]  # private
    process: subprocess.Popen = field(repr=False)

    def accounts_reset(self) -> None:
        self.accounts_file.write_text(json.dumps(ACCOUNTS))

    def account_set(self, login: str, **claims: Any) -> None:
        """Give `login` these claims from now on (None removes a claim)."""
        accounts = json.loads(self.accounts_file.read_text())
        account = {**accounts.get(login, {}), **claims}
        accounts[login] = {name: value for name, value in account.items() if value is not None}
        self.accounts_file.write_text(json.dumps(accounts))

    def portal_settings(self, **overrides: Any) -> dict[str, Any]:
        return {
            "OIDC_ISSUER": self.issuer,
            "OIDC_CLIENT_ID": CLIENT_ID,
            "OIDC_CLIENT_SECRET": CLIENT_SECRET,
            "OIDC_SCOPES": "openid email profile groups",
            "OIDC_GROUPS_CLAIM": "groups",
            "OIDC_FIRST_LOGIN": "create",
            "SITE_URL": TEST_CLIENT_SITE,
            **overrides,
        }

    def sign(self, claims: dict[str, Any], *, key: Any = None) -> str:
        """An ID token as the provider would sign it (or with another `key`), same key id."""
        signing_key = key or jwt.PyJWK(self.signing_jwk).key
        headers = {"kid": self.signing_jwk["kid"]}
        return jwt.encode(claims, signing_key, algorithm="RS256", headers=headers)


def _installed_modules() -> Path:
    if shutil.which("node") is None or shutil.which("npm") is None:
        require_service("node and npm (Node.js 20) for the OpenID Connect provider")
    lock = HERE / "package-lock.json"
    digest = hashlib.sha256(lock.read_bytes()).hexdigest()[:16]
    cache_home = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    target = cache_home / "mlops-portal" / f"oidc-provider-{digest}"
    if (target / "node_modules" / "oidc-provider" / "package.json").exists():
        return target / "node_modules"
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f"{target.name}-", dir=target.parent))
    for name in ("package.json", "package-lock.json"):
        shutil.copy(HERE / name, staging / name)
    result = subprocess.run(
        ["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts"],
        cwd=staging,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if result.returncode != 0:
        shutil.rmtree(staging, ignore_errors=True)
        require_service(f"npm ci of oidc-provider failed: {result.stderr.strip()[-500:]}")
    try:
        staging.rename(target)  # atomic: a concurrent run either wins or finds it there
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)
    return target / "node_modules"


def _signing_jwk() -> dict[str, Any]:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private))
    jwk.pop("key_ops", None)  # ["sign"] only: the provider would not verify its own tokens
    return {**jwk, "kid": "test-signing-key", "alg": "RS256", "use": "sig"}


@pytest.fixture(scope="session")
def oidc_provider(live_server, tmp_path_factory) -> Iterator[OidcProvider]:
    modules = _installed_modules()
    folder = tmp_path_factory.mktemp("oidc-provider")
    accounts_file = folder / "accounts.json"
    accounts_file.write_text(json.dumps(ACCOUNTS))
    signing_jwk = _signing_jwk()
    sites = [live_server.url, TEST_CLIENT_SITE]
    config = {
        "modules": str(modules),
        "accounts": str(accounts_file),
        "jwks": {"keys": [signing_jwk]},
        "clients": [
            {
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "redirect_uris": [f"{site}/oidc/callback/" for site in sites],
                "post_logout_redirect_uris": [f"{site}/oidc/logged-out/" for site in sites],
                "grant_types": ["authorization_code"],
                "response_types": ["code"],
                "token_endpoint_auth_method": "client_secret_basic",
            }
        ],
    }
    (folder / "config.json").write_text(json.dumps(config))
    log = (folder / "provider.log").open("w")
    process = subprocess.Popen(
        ["node", str(HERE / "provider.mjs"), str(folder / "config.json")],
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )
    try:
        ready, _, _ = select.select([process.stdout], [], [], START_SECONDS)
        line = process.stdout.readline() if ready else ""  # type: ignore[union-attr]
        if not line:
            pytest.fail(f"the OpenID Connect provider did not start: see {log.name}")
        issuer = json.loads(line)["issuer"]
        yield OidcProvider(issuer, accounts_file, signing_jwk, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture
def oidc(oidc_provider, settings) -> OidcProvider:
    """Single sign-on on, against the provider, with its accounts as ACCOUNTS has them."""
    oidc_provider.accounts_reset()
    for name, value in oidc_provider.portal_settings().items():
        setattr(settings, name, value)
    cache.clear()  # no discovery document of another test's issuer
    return oidc_provider


# --- The browser at the provider, for tests without Chromium -----------------------------------


class _Form(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "form" and self.action is None:
            self.action = values.get("action") or ""
        elif tag == "input" and values.get("name"):
            self.fields[values["name"] or ""] = values.get("value") or ""


def provider_log_in(
    client: Client, provider: OidcProvider, login: str, *, start: str = "/oidc/authenticate/"
):
    """Log `login` in through the provider's own pages (its development log-in and consent
    forms, driven with requests), then hand its answer to the portal's callback. Returns the
    portal's last response: its refusal before leaving for the provider, or the callback's."""
    response = client.get(start)
    location = response.get("Location", "")
    if response.status_code != 302 or not location.startswith(provider.issuer):
        return response
    at_provider = requests.Session()
    method, url, data = "GET", location, None
    for _ in range(12):
        answer = at_provider.request(method, url, data=data, allow_redirects=False, timeout=10)
        if answer.is_redirect:
            method, url, data = "GET", urljoin(url, answer.headers["Location"]), None
            if url.startswith(f"{TEST_CLIENT_SITE}/oidc/callback/"):
                return client.get(f"{urlsplit(url).path}?{urlsplit(url).query}")
            continue
        form = _Form()
        form.feed(answer.text)
        assert form.action is not None, f"no form on the provider's page: {answer.text[:500]}"
        if "login" in form.fields:
            form.fields |= {"login": login, "password": "any password"}
        method, url, data = "POST", urljoin(url, form.action), form.fields
    raise AssertionError("the provider never sent the browser back to the portal")
