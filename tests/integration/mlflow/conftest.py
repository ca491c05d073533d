"""The real MLflow server's fixtures (harness.py) for the tests in this folder."""

from tests.integration.mlflow.harness import doomed_mlflow, mlflow_server, mlflow_venv  # noqa: F401
