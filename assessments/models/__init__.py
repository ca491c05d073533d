"""The assessments app's models, one module per concern."""

from assessments.models.assessments import (
    Answer,
    AnswerChange,
    Assessment,
    DimensionScore,
    PracticeGap,
    ProjectProfile,
)
from assessments.models.frameworks import Dimension, Framework, Period, Practice
from assessments.models.reviewing import Exemption, ReviewPolicy
from assessments.models.rollups import (
    OrganisationQuarter,
    OrganisationQuarterGap,
    QuarterQuartiles,
    TeamQuarter,
    TeamQuarterDimension,
    TeamQuarterGap,
)

__all__ = [
    "Answer",
    "AnswerChange",
    "Assessment",
    "Dimension",
    "DimensionScore",
    "Exemption",
    "Framework",
    "OrganisationQuarter",
    "OrganisationQuarterGap",
    "Period",
    "Practice",
    "PracticeGap",
    "ProjectProfile",
    "QuarterQuartiles",
    "ReviewPolicy",
    "TeamQuarter",
    "TeamQuarterDimension",
    "TeamQuarterGap",
]
