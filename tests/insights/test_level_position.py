"""Charts coloured by level show a dimension's level plus its progress, never rule 2's
coverage score: a level-0 dimension that covers most of its practices is still level 0."""

from assessments.models import DimensionScore
from insights import project_figures
from insights.selectors.project import project_insights
from insights.selectors.team import team_insights
from tests.assessments.factories import FrameworkFactory, quarter_periods, score_assessment
from tests.factories import ProjectFactory


def _rule_2_quarter(db, team):
    v2 = FrameworkFactory(version=2, scoring_rule=2, content_hash="v2")
    period = quarter_periods(1, framework=v2)[0]
    project = ProjectFactory(team=team)
    assessment = score_assessment(project=project, period=period, levels={"data": 0})
    # Rule 2: level 0 (a defining practice is missing) with 90 % of the way to level 1,
    # and a coverage score of 1.8.
    DimensionScore.objects.filter(assessment=assessment).update(level=0, progress=90, score=1.8)
    return project


def test_the_team_heatmap_shows_level_0_as_level_0(db, team):
    _rule_2_quarter(db, team)
    heatmap = team_insights(team=team).heatmap
    assert heatmap is not None
    assert heatmap.values == [[0.9]]


def test_the_project_charts_show_level_0_as_level_0(db, team):
    project = _rule_2_quarter(db, team)
    insights = project_insights(project=project)
    history = project_figures.dimension_history(insights.history)
    assert history["data"][0]["z"] == [[0.9]]
    assert history["data"][0]["customdata"][0] == ["level 0, 90% of the way to level 1"]


def test_a_cell_never_shows_the_next_level_its_colour_denies(db, team):
    project = _rule_2_quarter(db, team)
    DimensionScore.objects.filter(project=project).update(progress=99)
    history = project_figures.dimension_history(project_insights(project=project).history)
    assert history["data"][0]["text"] == [["0.9"]]
