"""Figure inputs the figure and chart-text tests share."""

from insights.shapes import DimensionPoint, QuarterScores

DIMENSION_NAMES = ["Data and features", "Deployment and release", "Monitoring and feedback"]


def quarter_scores(key: str, scores: list[float], overall: int) -> QuarterScores:
    """A project's quarter: three dimensions with these scores, level = the whole part."""
    return QuarterScores(
        quarter=key,
        overall_level=overall,
        overall_score=sum(scores) / len(scores),
        dimensions=[
            DimensionPoint(
                key=name.split()[0].lower(), name=name, level=int(s), progress=0, score=s
            )
            for name, s in zip(DIMENSION_NAMES, scores, strict=True)
        ],
    )
