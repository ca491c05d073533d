"""The review policy at /manage/reviews/: org admins only, saved through its service with an
audit entry and fresh dashboards, clear messages for refused input, and who reviews what."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments.models import Assessment, Exemption, ReviewPolicy
from assessments.rules import review as rules
from assessments.services.answering import assessment_submit
from assessments.services.review_policy import review_policy_set
from core.cache import dashboards_generation
from core.models import AuditEntry
from teams.models import Membership, UnitReviewer
from tests.assessments.fixtures import answer_all
from tests.factories import ProjectFactory, TeamFactory, UserFactory

URL = "/manage/reviews/"
HTMX = {"HX-Request": "true"}
GOOD = {"rule": "rises", "count_awaiting_review": "on", "exemption_quarters": "6"}


def test_it_is_for_org_admins_only(personas, rhea, client_for):
    assert client_for(personas["admin"]).get(URL).status_code == 200
    for persona in ["member", "lead", "other_lead", "management", "outsider"]:
        client = client_for(personas[persona])
        assert client.get(URL).status_code == 403, persona
        assert client.post(URL, GOOD).status_code == 403, persona
    reviewer = client_for(rhea)  # reviewers review; they do not set the policy
    assert reviewer.get(URL).status_code == 403
    assert reviewer.post(URL, GOOD).status_code == 403
    anonymous = client_for(None).post(URL, GOOD)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")
    assert not ReviewPolicy.objects.exists()


def test_it_shows_the_default_policy_with_what_each_choice_means(admin_client):
    page = admin_client.get(URL).text
    for label in rules.POLICIES.values():
        assert label in page
    assert "A submission waits when a dimension rose a whole level" in page
    assert 'value="never" id="id_rule_3" required checked' in page
    assert "Count submissions awaiting review in the figures" in page
    assert "counts only once a reviewer accepts it" in page
    assert 'name="exemption_quarters" value="4"' in page
    assert 'href="/manage/reviews/"' in admin_client.get("/manage/").text


def test_it_saves_audits_and_refreshes_the_dashboards(admin_client, erin):
    before = dashboards_generation()
    response = admin_client.post(URL, GOOD, follow=True)
    assert "Saved. Submissions that wait for review: only rises of a whole level" in response.text
    assert "Approved exemptions last 6 quarters." in response.text
    policy = ReviewPolicy.objects.get(pk=1)
    assert (policy.rule, policy.count_awaiting_review, policy.exemption_quarters) == (
        "rises",
        True,
        6,
    )
    assert policy.updated_by == erin
    assert dashboards_generation() != before
    entry = AuditEntry.objects.get(action="review_policy.set")
    assert entry.actor == erin
    assert entry.before == {"rule": "never", "exemption_quarters": 4}
    assert entry.after == {"rule": "rises", "exemption_quarters": 6}


def test_htmx_gets_the_policy_card_back_with_the_notice(admin_client):
    data = {"rule": "every", "exemption_quarters": "4"}  # the box unticked
    response = admin_client.post(URL, data, headers=HTMX)
    assert response.status_code == 200
    assert "<html" not in response.text and 'id="review-policy"' in response.text
    assert "Those awaiting review do not count in the figures." in response.text
    assert ReviewPolicy.current().count_awaiting_review is False


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"rule": "sometimes", "exemption_quarters": "4"}, "one of the four options"),
        ({"exemption_quarters": "4"}, "Choose which submissions wait for review."),
        ({"rule": "every", "exemption_quarters": "0"}, "from 1 to 12"),
        ({"rule": "every", "exemption_quarters": "13"}, "from 1 to 12"),
        ({"rule": "every", "exemption_quarters": "four"}, "from 1 to 12"),
        ({"rule": "every", "exemption_quarters": ""}, "from 1 to 12"),
        ({"rule": "<script>alert(1)</script>", "exemption_quarters": "1e9"}, "from 1 to 12"),
    ],
)
def test_it_refuses_bad_input_clearly_and_keeps_the_saved_policy(admin_client, erin, data, message):
    review_policy_set(rule="rises", count_awaiting_review=True, exemption_quarters=5, actor=erin)
    response = admin_client.post(URL, data, headers=HTMX)
    assert response.status_code == 422
    assert message in response.text
    assert "<script>alert" not in response.text
    policy = ReviewPolicy.current()
    assert (policy.rule, policy.exemption_quarters) == ("rises", 5)


def test_the_service_checks_the_rules_too(erin):
    with pytest.raises(ValidationError) as refused:
        review_policy_set(
            rule="often", count_awaiting_review=True, exemption_quarters=13, actor=erin
        )
    assert set(refused.value.message_dict) == {"rule", "exemption_quarters"}
    assert not ReviewPolicy.objects.exists()


def test_saving_the_same_policy_again_records_nothing(erin):
    review_policy_set(rule="every", count_awaiting_review=False, exemption_quarters=2, actor=erin)
    before = dashboards_generation()
    review_policy_set(rule="every", count_awaiting_review=False, exemption_quarters=2, actor=erin)
    assert AuditEntry.objects.filter(action="review_policy.set").count() == 1
    assert dashboards_generation() == before
    assert ReviewPolicy.objects.count() == 1


# --- Who reviews ------------------------------------------------------------------------------


@pytest.fixture
def waiting(period, project, alice, assessment) -> Assessment:
    """alice's project waits for review, asking to exempt one practice."""
    key = assessment.answers.select_related("practice").order_by("practice__order")[0]
    answer_all(assessment, "partly", **{key.practice.key: "na"})
    assessment_submit(assessment=assessment, user=alice)
    assessment.refresh_from_db()
    assert assessment.awaits_review
    return assessment


def test_it_lists_who_reviews_what_and_what_waits_there(admin_client, tree, rhea, waiting):
    pam = UserFactory(username="pam", first_name="Pam")
    UnitReviewer.objects.create(user=pam, unit=tree["data"])  # alice's team is below Data
    UnitReviewer.objects.create(
        user=UserFactory(username="rob", first_name="Rob"), unit=tree["retail"]
    )
    page = admin_client.get(URL).text
    assert f'href="/manage/people/{rhea.pk}/">Rhea</a>' in page
    assert f'href="/manage/people/{pam.pk}/">Pam</a>' in page
    assert "1</strong> submission awaiting review" in page
    assert "1</strong> exemption awaiting a decision" in page
    rows = page.split('data-testid="reviewers"')[1].split("<tr>")[2:]
    assert "The whole organisation" in rows[0] and rows[0].count('class="num">1<') == 2
    assert "Data division" in rows[1] and rows[1].count('class="num">1<') == 2
    assert "Retail division" in rows[2] and rows[2].count('class="num">0<') == 2
    assert "no reviewer may review" not in page


def test_it_warns_of_submissions_nobody_may_review(admin_client, tree, rhea, team, waiting):
    Membership.objects.create(user=rhea, team=team, role=Membership.Role.MEMBER)
    page = admin_client.get(URL).text
    assert "1 submission waits where no reviewer may review it" in page


def test_it_reads_who_reviews_in_as_many_queries_for_ten_times_the_data(
    admin_client, tree, rhea, framework, period
):
    from assessments.services.periods import period_open

    def grow(first: int, last: int) -> None:
        for number in range(first, last):
            team = TeamFactory(name=f"Team {number}", unit=tree["serving"])
            lead = UserFactory(username=f"lead{number}")
            Membership.objects.create(user=lead, team=team, role=Membership.Role.LEAD)
            ProjectFactory(team=team, name=f"Project {number}")
            reviewer = UserFactory(username=f"r{number}")
            UnitReviewer.objects.create(user=reviewer, unit=tree["retail"])
        period_open(period=period)
        for draft in Assessment.objects.filter(period=period, status="draft"):
            answer_all(draft, "partly", **{"data-sources-known": "na"})
            lead = Membership.objects.get(team=draft.project.team, role="lead").user
            assessment_submit(assessment=draft, user=lead)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert admin_client.get(URL).status_code == 200
        return len(captured)

    grow(0, 1)
    small = queries()
    grow(1, 10)
    assert Exemption.objects.filter(status="requested").count() == 10
    assert queries() == small
    # session, user, the navigation's; the policy, the tree (units, teams, managers), org
    # reviewers, unit reviewers, the submissions and exemptions waiting, reviewers' teams.
    assert small <= 14
