"""The session's real MLflow server (server.py) as pytest fixtures.

`mlflow_server` installs MLflow into its cached venv if it is missing and starts one server
for the whole session; without it (no registry, say) the tests skip, or fail under
REQUIRE_SERVICES=1. `doomed_mlflow` is a second server on the same store, for a test that
stops it in the middle of a collection. This folder's conftest.py imports them.
"""

from collections.abc import Iterator

import pytest

from tests.conftest import require_service
from tests.integration.mlflow.server import (
    MLFLOW_VERSION,
    MlflowServer,
    MlflowUnavailable,
    venv_ensure,
)


@pytest.fixture(scope="session")
def mlflow_venv():
    try:
        return venv_ensure(say=lambda message: None)
    except MlflowUnavailable as error:
        require_service(f"MLflow {MLFLOW_VERSION} could not be installed: {error}")


@pytest.fixture(scope="session")
def mlflow_server(mlflow_venv, tmp_path_factory) -> Iterator[MlflowServer]:
    try:
        server = MlflowServer.start(mlflow_venv, tmp_path_factory.mktemp("mlflow"))
    except MlflowUnavailable as error:
        pytest.fail(str(error))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def doomed_mlflow(mlflow_venv, mlflow_server) -> Iterator[MlflowServer]:
    """A second server over the session server's store, which a test may kill."""
    try:
        server = MlflowServer.start(mlflow_venv, mlflow_server.folder)
    except MlflowUnavailable as error:
        pytest.fail(str(error))
    try:
        yield server
    finally:
        server.stop(now=True)
