"""A real MLflow tracking server on loopback, for the suite (harness.py) and for
`make mlflow-demo` (scripts/mlflow_demo.py); plain Python, no pytest.

MLflow is installed into a virtual environment of its own, cached between runs at
`$XDG_CACHE_HOME/mlops-portal/mlflow-<version>` (else `~/.cache/...`): about a minute and
800 MB the first time. The portal itself never imports `mlflow`; it talks to this server
over HTTP. The server runs with a SQLite store in a folder of the caller's, one worker and
no job runner (`MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false`): it answers in about 10 s and
uses about 540 MB, where the defaults take 40 s and 2.9 GB.

`MlflowApi` creates what the tests and the demo need through the REST API: experiments,
runs with their git commit tag, dataset inputs and metrics, registered models, versions
linked to runs, and aliases.
"""

import contextlib
import fcntl
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

MLFLOW_VERSION = "3.17.2"
START_SECONDS = 90
INSTALL_SECONDS = 1200


class MlflowUnavailable(Exception):
    """MLflow could not be installed or its server did not start; the message says why."""


def venv_path() -> Path:
    cache_home = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache_home / "mlops-portal" / f"mlflow-{MLFLOW_VERSION}"


def venv_installed(venv: Path) -> bool:
    # pip installs the package asked for after its dependencies: its metadata comes last.
    metadata = venv.glob(f"lib/python*/site-packages/mlflow-{MLFLOW_VERSION}.dist-info")
    return (venv / "bin" / "mlflow").exists() and any(metadata)


def venv_ensure(*, say: Callable[[str], None] = print) -> Path:
    """The venv with mlflow installed, installing it first if it is missing. A lock file
    keeps two runs from installing at once; a failed install is removed."""
    venv = venv_path()
    venv.parent.mkdir(parents=True, exist_ok=True)
    with (venv.parent / f"{venv.name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if venv_installed(venv):
            return venv
        say(f"Installing mlflow=={MLFLOW_VERSION} into {venv} (once: about a minute, 800 MB)…")
        shutil.rmtree(venv, ignore_errors=True)
        # The interpreter this venv was made from (pyenv's, say), not this venv's own.
        base = getattr(sys, "_base_executable", sys.executable)
        steps = [
            [base, "-m", "venv", str(venv)],
            [
                str(venv / "bin" / "python"),
                "-m",
                "pip",
                "install",
                "--quiet",
                f"mlflow=={MLFLOW_VERSION}",
            ],
        ]
        for step in steps:
            try:
                result = subprocess.run(
                    step, capture_output=True, text=True, timeout=INSTALL_SECONDS, check=False
                )
            except (OSError, subprocess.TimeoutExpired) as error:
                shutil.rmtree(venv, ignore_errors=True)
                raise MlflowUnavailable(f"{' '.join(step[:3])} failed: {error}") from error
            if result.returncode != 0:
                shutil.rmtree(venv, ignore_errors=True)
                raise MlflowUnavailable(
                    f"{' '.join(step[:3])} failed: {result.stderr.strip()[-800:]}"
                )
        return venv


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class MlflowServer:
    url: str
    folder: Path
    process: subprocess.Popen[bytes] = field(repr=False)

    @classmethod
    def start(cls, venv: Path, folder: Path, *, port: int | None = None) -> "MlflowServer":
        """A server on a free loopback port, its store and log in `folder` (a second server
        on the same folder shares the first one's experiments)."""
        folder.mkdir(parents=True, exist_ok=True)
        port = port or free_port()
        log = (folder / f"server-{port}.log").open("wb")
        options = {
            "--backend-store-uri": f"sqlite:///{folder / 'mlflow.db'}",
            "--default-artifact-root": str(folder / "artifacts"),
            "--host": "127.0.0.1",
            "--port": str(port),
            "--workers": "1",
        }
        process = subprocess.Popen(
            [
                str(venv / "bin" / "mlflow"),
                "server",
                *(x for pair in options.items() for x in pair),
            ],
            env={**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopping it stops uvicorn too
        )
        log.close()
        server = cls(f"http://127.0.0.1:{port}", folder, process)
        server._wait_healthy(folder / f"server-{port}.log")
        return server

    def _wait_healthy(self, log: Path) -> None:
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                tail = log.read_text(errors="replace")[-1500:]
                raise MlflowUnavailable(f"mlflow server exited at start:\n{tail}")
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"{self.url}/health", timeout=2).status_code == 200:
                    return
            time.sleep(0.2)
        self.stop()
        raise MlflowUnavailable(f"mlflow server did not answer /health in {START_SECONDS} s")

    def stop(self, *, now: bool = False) -> None:
        """Stop the server's process group: at once with `now`, else politely first."""
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL if now else signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        # uvicorn's worker may outlive its parent for a moment: wait until the port is free.
        host, port = self.url.removeprefix("http://").split(":")
        for _ in range(50):
            with socket.socket() as probe:
                if probe.connect_ex((host, int(port))) != 0:
                    return
            time.sleep(0.1)

    def api(self) -> "MlflowApi":
        return MlflowApi(self.url)


DAY_MS = 86_400_000


@dataclass
class MlflowApi:
    """What a team's training code would record, through the REST API."""

    url: str

    def call(self, method: str, endpoint: str, body: dict[str, Any]) -> dict[str, Any]:
        address = f"{self.url}/api/2.0/mlflow/{endpoint}"
        if method == "GET":
            response = requests.get(address, params=body, timeout=30)
        else:
            response = requests.post(address, json=body, timeout=30)
        if response.status_code != 200:
            raise RuntimeError(f"{endpoint} answered {response.status_code}: {response.text}")
        return response.json()

    def experiment(self, name: str) -> str:
        return self.call("POST", "experiments/create", {"name": name})["experiment_id"]

    def run(
        self,
        experiment_id: str,
        *,
        started: int,
        git_commit: str = "",
        dataset: str = "",
        metrics: dict[str, float] | None = None,
        minutes: int = 12,
    ) -> str:
        """A finished run that started at `started` (ms) and took `minutes`."""
        info = self.call(
            "POST", "runs/create", {"experiment_id": experiment_id, "start_time": started}
        )["run"]["info"]
        run_id = info["run_id"]
        tags = [{"key": "mlflow.source.git.commit", "value": git_commit}] if git_commit else []
        logged = [
            {"key": key, "value": value, "timestamp": started + 60_000, "step": 0}
            for key, value in (metrics or {}).items()
        ]
        if tags or logged:
            self.call("POST", "runs/log-batch", {"run_id": run_id, "tags": tags, "metrics": logged})
        if dataset:
            self.call(
                "POST", "runs/log-inputs", {"run_id": run_id, "datasets": [_dataset(dataset)]}
            )
        ended = started + minutes * 60_000
        self.call(
            "POST", "runs/update", {"run_id": run_id, "status": "FINISHED", "end_time": ended}
        )
        return run_id

    def model(self, name: str) -> None:
        self.call("POST", "registered-models/create", {"name": name})

    def version(self, name: str, run_id: str) -> str:
        body = {"name": name, "source": f"runs:/{run_id}/model", "run_id": run_id}
        return self.call("POST", "model-versions/create", body)["model_version"]["version"]

    def alias(self, name: str, alias: str, version: str) -> None:
        body = {"name": name, "alias": alias, "version": version}
        self.call("POST", "registered-models/alias", body)


def _dataset(name: str) -> dict[str, Any]:
    return {
        "dataset": {
            "name": name,
            "digest": f"{abs(hash(name)) % 10**8:08d}",
            "source_type": "local",
            "source": '{"uri": "/data/' + name + '.parquet"}',
        },
        "tags": [{"key": "mlflow.data.context", "value": "training"}],
    }
