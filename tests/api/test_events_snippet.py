"""The shell snippet of docs/events.md runs as it is written: against a live server, with a
real service token, it records a deployment, and run again with the same id it records
nothing new."""

import datetime
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.utils import timezone

from accounts.api_tokens import api_token_create
from accounts.models import ApiToken
from evidence.models import Event

DOC = Path(__file__).resolve().parents[2] / "docs" / "events.md"


def shell_snippet() -> str:
    found = re.search(r"<!-- snippet: shell -->\n```bash\n(.*?)```", DOC.read_text(), re.S)
    assert found, "docs/events.md has no shell snippet after <!-- snippet: shell -->"
    return found.group(1)


def run(script: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", str(script)],
        env={"PATH": os.environ["PATH"], **env},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


@pytest.mark.skipif(shutil.which("curl") is None, reason="the snippet needs curl")
def test_the_docs_shell_snippet_records_an_event(live_server, erin, project, tmp_path):
    _, secret = api_token_create(
        kind=ApiToken.Kind.SERVICE,
        name="snippet CI",
        expires_on=timezone.localdate() + datetime.timedelta(days=30),
        actor=erin,
        scopes=[ApiToken.Scope.EVENTS_WRITE],
        project=project,
    )
    script = tmp_path / "report.sh"
    script.write_text(shell_snippet())
    env = {"PORTAL_URL": live_server.url + "/", "PORTAL_TOKEN": secret}
    env |= {"PROJECT_SLUG": project.slug, "MODEL_VERSION": "7", "EVENT_ID": "snippet-1"}

    first = run(script, **env)
    assert first.returncode == 0, first.stderr
    assert '"recorded": true' in first.stdout
    event = Event.objects.get(project=project)
    assert (event.sender_id, event.kind, event.model_version) == ("snippet-1", "deployment", "7")
    assert event.environment == "production"

    again = run(script, **env)
    assert again.returncode == 0, again.stderr
    assert '"recorded": false' in again.stdout
    assert Event.objects.count() == 1


def test_the_snippet_says_which_variable_is_missing(tmp_path):
    script = tmp_path / "report.sh"
    script.write_text(shell_snippet())
    result = run(script, PORTAL_URL="http://127.0.0.1:9", PROJECT_SLUG="x")
    assert result.returncode != 0
    assert "Set PORTAL_TOKEN to a service token with the events:write scope" in result.stderr
