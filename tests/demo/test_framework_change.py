"""The demo across the change of framework: a database that has only v1 history loads v2,
opens the next quarter, and every v1 answer that v2 still asks about is carried."""

import datetime
import io

from django.core.management import call_command

from assessments.models import Answer, Assessment, Framework, Period, ProjectProfile
from assessments.rules.carrying import SAME, carry_plan
from assessments.services.frameworks import framework_load
from assessments.services.periods import period_create, period_key_after, period_open
from demo import organisation as demo
from demo.history import FRAMEWORKS, seed_history
from teams.models import Project


def test_loading_v2_and_opening_the_next_quarter_carries_every_v1_answer_it_can(db):
    organisation = demo.seed_organisation(teams=3, projects_per_team=3, seed=42)
    today = datetime.date(2026, 11, 20)
    seed_history(teams=organisation.teams, quarters=2, seed=42, today=today, v2_quarters=0)
    v1 = Framework.objects.get(version=1)
    # The current v1 quarter's drafts are submitted as they are, as last quarter's answers.
    last = Assessment.objects.filter(period__framework=v1).order_by("-period__opens_on")[0].period
    Answer.objects.filter(assessment__period=last, value="").update(value="partly")
    Assessment.objects.filter(period=last).update(status=Assessment.Status.SUBMITTED)

    v2 = framework_load(path=FRAMEWORKS / "mlops-v2.yaml").framework
    next_quarter = period_create(key=period_key_after(last.key), framework=v2)
    period_open(period=next_quarter)

    v2_keys = list(v2.practices.values_list("key", flat=True))
    v1_keys = list(v1.practices.values_list("key", flat=True))
    plan = carry_plan(v2_keys, v1_keys, v2.maps_from)
    expected = 0
    for project in Project.objects.filter(archived_at__isnull=True):
        earlier = dict(
            Answer.objects.filter(assessment__project=project, assessment__period=last)
            .exclude(value="")
            .values_list("practice__key", "value")
        )
        expected += sum(
            1 for source in plan.values() if any(key in earlier for key in source.earlier_keys)
        )
    carried = Answer.objects.filter(assessment__period=next_quarter, carried_over=True)
    assert expected > 0
    assert carried.count() == expected
    # Every v1 practice except the removed one reaches some v2 practice.
    reached = {key for source in plan.values() for key in source.earlier_keys}
    assert set(v1_keys) - reached == set(v2.maps_from["removed"])
    assert carried.exclude(carried_via=SAME).exists()


def test_the_demo_spans_the_change_with_llm_applications(db):
    call_command("seed_demo", teams=6, projects_per_team=3, quarters=3, stdout=io.StringIO())
    versions = list(
        Period.objects.order_by("opens_on").values_list("framework__version", flat=True)
    )
    assert versions == [1, 1, 2, 2]
    kinds = set(ProjectProfile.objects.values_list("kind", flat=True))
    assert {"supervised", "unsupervised", "rag", "llm_api", "fine_tuned"} <= kinds
    rag = Assessment.objects.filter(
        project__profile__kind="rag",
        status=Assessment.Status.SUBMITTED,
        period__framework__version=2,
    ).first()
    assert rag is not None
    training = rag.dimension_scores.get(dimension_key="training")
    assert training.practice_count == 0
    assert rag.dimension_scores.get(dimension_key="genai").level is not None
