# The assessment fixtures live in tests/assessments/fixtures.py, registered for the whole
# suite by tests/conftest.py; the helpers are re-exported for the tests that import them.
from tests.assessments.fixtures import (
    FRAMEWORK_PATH,
    answer_all,
    make_period,
    submit_last_quarter,
)

__all__ = ["FRAMEWORK_PATH", "answer_all", "make_period", "submit_last_quarter"]
