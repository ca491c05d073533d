"""The tools facts come from, as people read their names. Pure Python, no Django."""

from collections.abc import Mapping
from typing import Final

SOURCE_NAMES: Final[Mapping[str, str]] = {"mlflow": "MLflow", "ci": "CI events"}


def source_name(source: str) -> str:
    """ "mlflow" -> "MLflow"; a source without a name reads as itself."""
    return SOURCE_NAMES.get(source, source)
