"""The dashboards' Reviews card: the quarter's results by review status, whether results
awaiting review count, the inflation signals with their sentences, and the exemptions in
force, for the filters in use and in a fixed number of queries."""

import datetime
import re

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from assessments.models import Assessment, Exemption
from assessments.rules import review as rules
from tests.assessments.factories import scored_organisation
from tests.insights.review_data import count_awaiting, returned, review
from tests.insights.test_units_at_scale import MANAGEMENT_QUERIES
from tests.insights.unit_data import small_tree, unit_manager

PENDING, REVIEWED = Assessment.Review.PENDING, Assessment.Review.REVIEWED
RISE = (rules.BIG_RISE, "The overall level rose from 0 to 2 in one quarter; most teams climb one.")
EVIDENCE = (
    rules.UNEVIDENCED_TOP,
    "2 level-2 practices answered “fully in place” with no evidence link and no note: "
    "Is serving monitored? and Are rollbacks tested?.",
)


@pytest.fixture
def tree(db):
    return small_tree()


def _result(tree, team: str, level: int | None = None) -> Assessment:
    found = Assessment.objects.filter(project__team=tree.teams[team], status="submitted")
    return found.get(overall_level=level) if level is not None else found.get()


def _card(response) -> str:
    """The card's text as a reader sees it."""
    html = response.text[response.text.index('data-testid="review-counts"') :]
    html = html[: html.index("</section>")]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def exempt(assessment: Assessment, key: str, status: str, *, days_ago: int = 0, **fields):
    moment = timezone.now() - datetime.timedelta(days=days_ago)
    return Exemption.objects.create(
        project=assessment.project,
        practice_key=key,
        assessment=assessment,
        justification="Batch scoring only: nothing is served online.",
        status=status,
        requested_at=moment,
        decided_at=moment if status != Exemption.Status.REQUESTED else None,
        **fields,
    )


def test_it_counts_the_quarters_results_by_review(client_for, carol, tree):
    review(_result(tree, "fraud", 2), PENDING)
    review(_result(tree, "search"), REVIEWED)
    draft = _result(tree, "loose")
    returned(draft)
    card = _card(client_for(carol).get("/org/"))
    assert "1 reviewed" in card
    assert "2 self-assessed" in card  # Fraud Detection's other and Feature Store's
    assert "1 awaiting review" in card
    assert "1 returned for changes" in card
    assert "Submissions awaiting review count in these figures" in card


def test_it_says_when_results_awaiting_review_are_not_counted(client_for, carol, tree):
    count_awaiting(False)
    card = _card(client_for(carol).get("/org/"))
    assert "Submissions awaiting review are not counted in the levels and scores" in card


def test_it_follows_the_filters(client_for, carol, tree):
    review(_result(tree, "fraud", 2), PENDING)
    review(_result(tree, "search"), REVIEWED)
    card = _card(client_for(carol).get("/org/?unit=retail-division"))
    assert "1 reviewed" in card and "0 self-assessed" in card and "0 awaiting review" in card
    card = _card(client_for(carol).get("/org/?team=fraud-detection"))
    assert "0 reviewed" in card and "1 self-assessed" in card and "1 awaiting review" in card
    card = _card(client_for(carol).get("/org/?quarter=2025-Q4"))
    assert "0 reviewed" in card and "0 self-assessed" in card


def test_a_unit_manager_reads_the_card_of_their_units(client_for, tree):
    review(_result(tree, "search"), REVIEWED)
    review(_result(tree, "fraud", 2), PENDING, signals=[RISE])
    card = _card(client_for(unit_manager(tree.units["retail"])).get("/org/"))
    assert "1 reviewed" in card and "0 awaiting review" in card
    assert "rose from 0 to 2" not in card


def test_it_counts_each_signal_and_lists_the_latest_submissions_with_their_sentences(
    client_for, carol, tree
):
    rising = review(_result(tree, "fraud", 2), PENDING, signals=[RISE, EVIDENCE])
    review(_result(tree, "loose"), Assessment.Review.SELF_ASSESSED, signals=[RISE])
    response = client_for(carol).get("/org/")
    page = response.context["page"]
    kinds = {kind.name: kind.submissions for kind in page.reviews.signal_kinds}
    assert kinds == {
        rules.SIGNAL_NAMES[rules.BIG_RISE]: 2,
        rules.SIGNAL_NAMES[rules.UNEVIDENCED_TOP]: 1,
    }
    card = _card(response)
    assert f"2 {rules.SIGNAL_NAMES[rules.BIG_RISE]}" in card
    assert f"1 {rules.SIGNAL_NAMES[rules.UNEVIDENCED_TOP]}" in card
    assert "The overall level rose from 0 to 2 in one quarter; most teams climb one." in card
    assert "with no evidence link and no note: Is serving monitored?" in card
    assert f'href="/assessments/{rising.pk}/"' in response.text
    listed = [(s.project, s.review) for s in page.reviews.signalled]
    assert (rising.project.name, "Awaiting review") in listed


def test_it_says_when_no_submission_shows_a_signal(client_for, carol, tree):
    card = _card(client_for(carol).get("/org/"))
    assert "No submission in 2026-Q1 shows a sign of an inflated self-assessment." in card


def test_it_lists_only_the_most_recent_signalled_submissions(client_for, carol, db):
    organisation = scored_organisation(teams=4, projects_per_team=2, quarters=1)
    latest = Assessment.objects.filter(status="submitted", period=organisation.periods[-1])
    for number, assessment in enumerate(latest.order_by("pk")):
        Assessment.objects.filter(pk=assessment.pk).update(
            submitted_at=timezone.now() - datetime.timedelta(hours=number)
        )
        review(assessment, Assessment.Review.SELF_ASSESSED, signals=[RISE])
    response = client_for(carol).get("/org/")
    shown = response.context["page"].reviews
    assert (len(shown.signalled), shown.signalled_total) == (5, 7)
    assert "The 5 most recent of 7." in _card(response)
    times = [s.submitted_at for s in shown.signalled]
    assert times == sorted(times, reverse=True)


def test_the_exemptions_line_counts_those_in_force_and_waiting(client_for, carol, tree):
    fraud = _result(tree, "fraud", 2)
    later = timezone.localdate() + datetime.timedelta(days=200)
    exempt(fraud, "data-tests", "approved", days_ago=30, expires_on=later)
    exempt(fraud, "deployment-tests", "approved", days_ago=400, expires_on=later)
    exempt(_result(tree, "search"), "data-tests", "requested", days_ago=3)
    # Expired, declined and withdrawn ones are not in force.
    exempt(
        _result(tree, "loose"),
        "data-tests",
        "approved",
        days_ago=500,
        expires_on=timezone.localdate(),
    )
    exempt(_result(tree, "loose"), "deployment-tests", "declined", days_ago=2)
    response = client_for(carol).get("/org/")
    line = response.context["page"].reviews.exemptions
    assert (line.approved, line.awaiting_decision, line.oldest_approved_days) == (2, 1, 400)
    card = _card(response)
    assert "2 approved · 1 awaiting a decision · the oldest approved 400 days ago" in card
    assert 'href="/exemptions/"' in response.text
    retail = client_for(carol).get("/org/?unit=retail-division").context["page"].reviews
    assert (retail.exemptions.approved, retail.exemptions.awaiting_decision) == (0, 1)


def test_only_org_admins_get_the_link_to_the_review_settings(client_for, carol, erin, tree):
    try:
        settings_url = reverse("administration:reviews")
    except NoReverseMatch:
        pytest.skip("The review settings page is not there yet.")
    assert 'data-testid="review-settings-link"' not in client_for(carol).get("/org/").text
    text = client_for(erin).get("/org/").text
    assert f'href="{settings_url}" data-testid="review-settings-link"' in text


@pytest.mark.parametrize("teams", [2, 12], ids=["2-teams", "12-teams"])
def test_the_card_reads_as_many_queries_for_more_signals_and_exemptions(
    teams, client_for, carol, django_assert_num_queries
):
    organisation = scored_organisation(teams=teams, projects_per_team=3, quarters=4)
    latest = Assessment.objects.filter(status="submitted", period=organisation.periods[-1])
    for assessment in latest:
        review(assessment, PENDING, signals=[RISE, EVIDENCE])
        exempt(assessment, "data-tests", "requested", days_ago=1)
    client = client_for(carol)
    with django_assert_num_queries(MANAGEMENT_QUERIES):
        response = client.get("/org/")
    assert response.context["page"].reviews.exemptions.awaiting_decision == len(latest)
