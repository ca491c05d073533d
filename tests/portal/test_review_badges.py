"""Wherever a result is shown, a badge says whether a reviewer checked it: the project's
assessment history, each project's result on the team page, and a returned draft on the
home page."""

import datetime
import re

import pytest
import time_machine
from django.core.cache import cache

from assessments.models import Assessment, ReviewPolicy
from assessments.rules import review as rules
from assessments.services.answering import assessment_submit
from assessments.services.periods import period_open
from reviews.services.reviews import ReviewInput, review_accept, review_return
from teams.models import Project
from tests.assessments.fixtures import answer_all, make_period, submit_last_quarter
from tests.factories import ProjectFactory


def set_policy(rule: str) -> None:
    ReviewPolicy.objects.update_or_create(pk=1, defaults={"rule": rule})


def badges(text: str) -> list[str]:
    return re.findall(r'data-testid="review-badge"[^>]*>([^<]+)<', text)


def submitted(project: Project, period, lead, outcome: str, reviewer=None) -> Assessment:
    """Submit the project's draft of `period` and take it to `outcome`: "self_assessed",
    "pending", "reviewed" or "returned"."""
    draft = Assessment.objects.get(period=period, project=project)
    answer_all(draft, "partly")
    set_policy(rules.NEVER if outcome == "self_assessed" else rules.EVERY)
    assessment_submit(assessment=draft, user=lead, confirm_carried=True)
    draft.refresh_from_db()
    key = draft.answers.values_list("practice__key", flat=True).first()
    if outcome == "reviewed":
        review_accept(assessment=draft, reviewer=reviewer, decision=ReviewInput())
    elif outcome == "returned":
        review_return(
            assessment=draft, reviewer=reviewer, decision=ReviewInput(comments={key: "Why?"})
        )
    draft.refresh_from_db()
    assert draft.review_status == outcome
    return draft


def test_the_project_history_marks_each_result(client_for, alice, past_period, period, project):
    submit_last_quarter(past_period, project, alice)
    set_policy(rules.EVERY)
    period_open(period=period)
    submitted(project, period, alice, "pending")
    text = client_for(alice).get(f"/projects/{project.slug}/").text
    assert badges(text) == ["Awaiting review", "Self-assessed"]


def test_the_project_history_marks_a_reviewed_result_and_a_returned_draft(
    client_for, alice, rhea, past_period, period, project
):
    with_review = submit_last_quarter(past_period, project, alice)
    Assessment.objects.filter(pk=with_review.pk).update(review_status="reviewed")
    period_open(period=period)
    submitted(project, period, alice, "returned", reviewer=rhea)
    text = client_for(alice).get(f"/projects/{project.slug}/").text
    assert badges(text) == ["Returned for changes", "Reviewed"]


@pytest.mark.parametrize("outcome", ["self_assessed", "pending", "reviewed", "returned"])
def test_the_team_page_marks_each_project_s_result(
    outcome, client_for, alice, rhea, period, team, project
):
    period_open(period=period)
    submitted(project, period, alice, outcome, reviewer=rhea)
    text = client_for(alice).get(f"/teams/{team.slug}/").text
    assert badges(text) == [dict(Assessment.Review.choices)[outcome]]


def test_a_draft_nobody_returned_has_no_badge(client_for, alice, period, team, project):
    period_open(period=period)
    assert badges(client_for(alice).get(f"/teams/{team.slug}/").text) == []
    assert badges(client_for(alice).get(f"/projects/{project.slug}/").text) == []


def test_the_home_page_marks_a_returned_draft(client_for, alice, rhea, period, project):
    period_open(period=period)
    other = ProjectFactory(team=project.team, name="Chargeback triage")
    period_open(period=period)
    returned = submitted(project, period, alice, "returned", reviewer=rhea)
    text = client_for(alice).get("/").text
    row = text[text.index(f'href="{returned.get_absolute_url()}"') :]
    row = row[: row.index("</tr>")]
    assert "Returned for changes" in row
    assert "See the comments" in row
    other_row = text[text.index(other.name) :]
    assert "Returned for changes" not in other_row[: other_row.index("</tr>")]


# --- Queries -----------------------------------------------------------------------------------

OUTCOMES = ["self_assessed", "pending", "reviewed", "returned"]


def with_every_outcome(team, period, lead, reviewer) -> None:
    """Take each of the team's drafts of `period` to a different outcome."""
    drafts = Assessment.objects.filter(period=period, project__team=team).order_by("pk")
    for number, draft in enumerate(drafts):
        submitted(draft.project, period, lead, OUTCOMES[number % 4], reviewer=reviewer)


def test_the_badges_cost_no_query_on_the_team_page(
    client_for, alice, dave, carol, rhea, period, team, other_team, django_assert_max_num_queries
):
    for number in range(4):
        ProjectFactory(team=team, name=f"Model {number}")
    for number in range(8):
        ProjectFactory(team=other_team, name=f"Ranker {number}")
    period_open(period=period)
    with_every_outcome(team, period, alice, rhea)
    with_every_outcome(other_team, period, dave, rhea)
    client = client_for(carol)
    cache.clear()
    with django_assert_max_num_queries(40) as few:
        assert len(badges(client.get(f"/teams/{team.slug}/").text)) == 4
    cache.clear()
    with django_assert_max_num_queries(40) as many:
        assert len(badges(client.get(f"/teams/{other_team.slug}/").text)) == 8
    assert len(few) == len(many)


def test_the_badges_cost_no_query_on_the_project_page(
    client_for,
    alice,
    dave,
    carol,
    framework,
    past_period,
    period,
    project,
    other_project,
    django_assert_max_num_queries,
):
    earlier = make_period(framework, "2026-Q2", opened_days_ago=185)
    submit_last_quarter(earlier, other_project, dave)
    period_open(period=past_period)
    for draft in Assessment.objects.filter(period=past_period):
        answer_all(draft, "partly")
        with time_machine.travel(past_period.opens_on + datetime.timedelta(days=1)):
            assessment_submit(
                assessment=draft,
                user=draft.project.team.memberships.get().user,
                confirm_carried=True,
            )
    period_open(period=period)
    submitted(project, period, alice, "pending")
    submitted(other_project, period, dave, "self_assessed")
    client = client_for(carol)
    cache.clear()
    with django_assert_max_num_queries(30) as few:
        assert len(badges(client.get(f"/projects/{project.slug}/").text)) == 2
    cache.clear()
    with django_assert_max_num_queries(30) as many:
        assert len(badges(client.get(f"/projects/{other_project.slug}/").text)) == 3
    assert len(few) == len(many)


def test_the_returned_mark_costs_no_query_on_the_home_page(
    client_for, alice, rhea, period, team, django_assert_max_num_queries
):
    for number in range(4):
        ProjectFactory(team=team, name=f"Model {number}")
    period_open(period=period)
    drafts = list(Assessment.objects.filter(period=period).order_by("pk"))
    client = client_for(alice)
    with django_assert_max_num_queries(20) as none_returned:
        assert "Returned for changes" not in client.get("/").text
    for draft in drafts[:3]:
        submitted(draft.project, period, alice, "returned", reviewer=rhea)
    with django_assert_max_num_queries(20) as three_returned:
        assert client.get("/").text.count('data-testid="returned-badge"') == 3
    assert len(none_returned) == len(three_returned)
