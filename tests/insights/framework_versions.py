"""Quarters across the change of framework version (v1, then v2 with scoring rule 2): shared
by the insights, reports and portal tests."""

from assessments.models import Assessment, Period
from core.cache import dashboards_changed
from teams.models import Project
from tests.assessments.factories import (
    DIMENSIONS,
    DimensionFactory,
    FrameworkFactory,
    PracticeFactory,
    quarter_periods,
    score_assessment,
)


def periods_across_versions(*, quarters: int, on_v2: int) -> list[Period]:
    """`quarters` past quarters ending with 2026-Q1, oldest first; the last `on_v2` of them
    use framework v2 (scoring rule 2), the ones before v1."""
    v1 = FrameworkFactory()
    v2 = FrameworkFactory(version=2, scoring_rule=2, content_hash="v2")
    for framework in (v1, v2):
        for order, (key, name) in enumerate(DIMENSIONS):
            dimension = DimensionFactory(framework=framework, key=key, name=name, order=order)
            PracticeFactory(framework=framework, dimension=dimension, key=f"{key}-tests")
    periods = quarter_periods(quarters, framework=v1)
    for period in periods[quarters - on_v2 :]:
        period.framework = v2
        period.save(update_fields=["framework"])
    dashboards_changed()
    return periods


def score_across(periods: list[Period], *, climbing: Project, flat: Project) -> None:
    """Both projects assessed every quarter. `climbing` gains a data level a quarter (up to
    2), and deployment reaches level 2 in the last quarter; `flat` stays at level 0. On a
    v2 quarter the overall score is the weakest dimension's score, as scoring rule 2 has it.
    """
    last = len(periods) - 1
    for quarter, period in enumerate(periods):
        for project, levels in (
            (climbing, {"data": min(quarter, 2), "deployment": 2 if quarter == last else 1}),
            (flat, {"data": 0, "deployment": 0}),
        ):
            assessment = score_assessment(project=project, period=period, levels=levels)
            if period.framework.version == 2:
                weakest = min(level + (0.5 if level < 2 else 0) for level in levels.values())
                Assessment.objects.filter(pk=assessment.pk).update(overall_score=weakest)
    dashboards_changed()


def marks(figure: dict) -> list[tuple[str, str]]:
    """Where a figure marks a change of framework version: (the quarter the dashed line
    stands before, its label). The line sits half a category before that quarter."""
    layout = figure["layout"]
    quarters = layout["xaxis"].get("categoryarray", [])
    lines = [shape for shape in layout.get("shapes", []) if shape["type"] == "line"]
    assert all(line["x0"] == line["x1"] and line["yref"] == "paper" for line in lines)
    before = [quarters[round(line["x0"] + 0.5)] for line in lines]
    labels = [note["text"] for note in layout.get("annotations", [])]
    return list(zip(before, labels, strict=True))
