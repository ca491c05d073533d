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

__all__ = [
    "Answer",
    "AnswerChange",
    "Assessment",
    "Dimension",
    "DimensionScore",
    "Exemption",
    "Framework",
    "Period",
    "Practice",
    "PracticeGap",
    "ProjectProfile",
    "ReviewPolicy",
]
