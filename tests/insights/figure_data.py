"""Figure inputs the figure and chart-text tests share."""

from insights.shapes import DimensionPoint, QuarterScores

DIMENSION_NAMES = ["Data and features", "Deployment and release", "Monitoring and feedback"]


def quarter_scores(key: str, scores: list[float], overall: int) -> QuarterScores:
    """A project's quarter: three dimensions scored under rule 1, where the score is the
    level (its whole part) plus the progress to the next (its fraction)."""
    return QuarterScores(
        quarter=key,
        overall_level=overall,
        overall_score=sum(scores) / len(scores),
        dimensions=[
            DimensionPoint(
                key=name.split()[0].lower(),
                name=name,
                level=int(s),
                progress=round((s - int(s)) * 100) if s < 2 else 100,
                score=s,
            )
            for name, s in zip(DIMENSION_NAMES, scores, strict=True)
        ],
    )
