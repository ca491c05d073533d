"""Drafts on the team page show how far they got and lead to the draft, in the projects
table and in the heatmap, instead of empty rows."""

from assessments.models import Assessment
from assessments.services.answering import assessment_submit
from assessments.services.periods import period_open
from tests.assessments.fixtures import answer_all
from tests.factories import ProjectFactory


def test_it_shows_a_draft_as_in_progress_with_a_link(client_for, alice, team, project, period):
    other = ProjectFactory(team=team, name="Merchant risk", slug="merchant-risk")
    period_open(period=period)
    submitted = Assessment.objects.get(period=period, project=project)
    answer_all(submitted, "yes")
    assessment_submit(assessment=submitted, user=alice)
    draft = Assessment.objects.get(period=period, project=other)
    total = draft.answers.count()
    for answer in draft.answers.order_by("practice__order")[:31]:
        answer.value = "partly"
        answer.save()

    response = client_for(alice).get(f"/teams/{team.slug}/")

    assert f"draft: 31 of {total} answered" in response.text
    heatmap = response.context["charts"]["heatmap"]
    rows, links = heatmap["data"][0]["y"], heatmap["layout"]["meta"]["links"]
    label = f"Merchant risk (in progress, 31/{total})"
    assert label in rows
    assert links[rows.index(label)] == draft.get_absolute_url()
    assert links[rows.index(project.name)] == f"/projects/{project.slug}/"
