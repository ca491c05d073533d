"""What the resources share: the shapes of their path and query values, the vocabularies
(stages, statuses) as the OpenAPI document shows them, the short references to a unit,
team or project that other resources embed, and how a filter's value is looked up."""

from enum import StrEnum
from typing import Annotated, Final

from django.db.models import Model, QuerySet
from ninja import Field, Schema
from ninja.errors import ValidationError

from teams.models import Unit

SLUG_PATTERN: Final = r"^[-a-zA-Z0-9_]+$"
# Period keys are quarters ("2026-Q4"); org admins may have named others, within these.
PERIOD_PATTERN: Final = r"^[-a-zA-Z0-9_. ]+$"

Slug = Annotated[str, Field(pattern=SLUG_PATTERN, max_length=140)]
PeriodKey = Annotated[str, Field(pattern=PERIOD_PATTERN, max_length=20)]
# Database ids are 64-bit: a larger number is no id, and answers 422 rather than a query.
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]


class ProjectStage(StrEnum):
    """As `teams.models.Project.Stage` (a test holds them equal)."""

    EXPLORATION = "exploration"
    PILOT = "pilot"
    PRODUCTION = "production"
    RETIRED = "retired"


class AssessmentStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"


class ReviewStatus(StrEnum):
    """ "": not submitted yet; as `assessments.models.Assessment.Review`."""

    NONE = ""
    SELF_ASSESSED = "self_assessed"
    PENDING = "pending"
    RETURNED = "returned"
    REVIEWED = "reviewed"


class ActionStatus(StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    DROPPED = "dropped"


# --- References embedded in other resources ---------------------------------------------------


class UnitRef(Schema):
    slug: str
    name: str
    path: list[str] = Field(description="The names from the top of the organisation down.")


class TeamRef(Schema):
    slug: str
    name: str


class ProjectRef(Schema):
    slug: str
    name: str


def unit_ref(unit: Unit | None, paths: dict[int, list[str]]) -> UnitRef | None:
    """`unit` with its path of names (`paths`, from `api.scope.unit_path_names`)."""
    if unit is None:
        return None
    return UnitRef(slug=unit.slug, name=unit.name, path=paths.get(unit.pk, [unit.name]))


# --- Filters ----------------------------------------------------------------------------------

FILTER_NOTE: Final = (
    " A value that names nothing this token reads (unknown, or outside its scope) answers 422."
)


def unknown_value(param: str, message: str) -> ValidationError:
    return ValidationError([{"loc": ["query", param], "msg": message, "type": "unknown_value"}])


def resolve[M: Model](rows: QuerySet[M], *, param: str, value: str | None, noun: str) -> M | None:
    """The row whose slug (or key) is `value` among `rows` (the reader's), None without a
    value, 422 when there is none (one query)."""
    if value is None:
        return None
    field = "key" if param == "period" else "slug"
    found = rows.filter(**{field: value}).first()
    if found is None:
        raise unknown_value(param, f"No {noun} '{value}' among those this token reads.")
    return found
