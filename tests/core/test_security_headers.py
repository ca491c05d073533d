"""Security headers and cookies, in development and in production mode."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SECRET = "k3Jd9-vQ2x!mZp7Lr0sTfYb6Wn4Hc8Ea1Ug5Oi2Re9Tq3Sy7Xv0Mb4Nl6Kj8Hg2"


def test_it_sends_a_strict_content_security_policy(client_for, alice, team):
    response = client_for(alice).get(f"/teams/{team.slug}/")
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "object-src 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


def test_it_forbids_framing_and_sniffing(client, db):
    response = client.get("/accounts/login/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_it_configures_htmx_to_stay_within_the_policy(client_for, alice, team):
    page = client_for(alice).get("/").text
    config = json.loads(page.split('name="htmx-config" content=\'')[1].split("'>")[0])
    assert config["allowEval"] is False
    assert config["includeIndicatorStyles"] is False
    assert config["historyCacheSize"] == 0
    assert config["selfRequestsOnly"] is True
    assert 'hx-history="false"' in page


def test_it_has_no_inline_scripts_or_styles(client_for, alice, team, project):
    for path in ("/", f"/teams/{team.slug}/", f"/projects/{project.slug}/"):
        page = client_for(alice).get(path).text
        assert "<script>" not in page and " style=" not in page, path
        for tag in page.split("<script")[1:]:
            assert "src=" in tag.split(">")[0] or "application/json" in tag.split(">")[0], path


def _production_settings(*names: str) -> dict:
    code = (
        "import json, django; from django.conf import settings; django.setup(); "
        f"print(json.dumps({{n: getattr(settings, n) for n in {list(names)!r}}}))"
    )
    env = {
        **os.environ,
        "DJANGO_ENV": "production",
        "SECRET_KEY": SECRET,
        "ALLOWED_HOSTS": "portal.example.com",
        "DJANGO_SETTINGS_MODULE": "mlops_portal.settings",
    }
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_it_hardens_cookies_and_transport_in_production():
    values = _production_settings(
        "SESSION_COOKIE_NAME",
        "CSRF_COOKIE_NAME",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
        "SESSION_COOKIE_SAMESITE",
        "SECURE_HSTS_SECONDS",
        "SECURE_SSL_REDIRECT",
        "DEBUG",
    )
    assert values == {
        "SESSION_COOKIE_NAME": "__Host-sessionid",
        "CSRF_COOKIE_NAME": "__Host-csrftoken",
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_SSL_REDIRECT": True,
        "DEBUG": False,
    }
