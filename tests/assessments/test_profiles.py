"""Project profiles: a rule-2 framework asks a project only the practices that apply to its
kind of system, in the wording for it, and asks for the profile before anything else."""

import pytest

from assessments.models import Assessment, ProjectProfile
from assessments.rules.profiles import Profile
from assessments.services.answering import ProfileMissing, assessment_submit
from assessments.services.periods import period_open
from tests.assessments.factories import DimensionFactory, FrameworkFactory, PracticeFactory
from tests.assessments.fixtures import answer_all, make_period

CLASSIC = {
    "kind": "supervised",
    "serving": "online",
    "label_delay": "weeks",
    "risk_tier": "limited",
}
RAG = {"kind": "rag", "serving": "online", "label_delay": "never", "risk_tier": "limited"}


@pytest.fixture
def draft(db, project) -> Assessment:
    """A draft of a small rule-2 framework: a training dimension only classic and
    fine-tuned models are asked, and a data practice worded differently for RAG."""
    framework = FrameworkFactory(version=2, scoring_rule=2, content_hash="profiles")
    data = DimensionFactory(framework=framework, key="data", order=1)
    training = DimensionFactory(framework=framework, key="training", order=2)
    for level in (0, 1, 2):
        for index in range(2):
            PracticeFactory(
                framework=framework,
                dimension=data,
                key=f"data-{level}-{index}",
                level=level,
                defining=index == 0 and level > 0,
                question=f"Does each training run record data snapshot {level}-{index}?",
                variants=[
                    {
                        "when": {"kind": ["rag"]},
                        "question": (
                            f"Does each index build record its corpus version {level}-{index}?"
                        ),
                        "help": "Yes: ... Partly: ... No: ...",
                    }
                ],
            )
            PracticeFactory(
                framework=framework,
                dimension=training,
                key=f"training-{level}-{index}",
                level=level,
                defining=index == 0 and level > 0,
                question=f"Does the pipeline retrain the model {level}-{index}?",
                applies_to={"kind": ["supervised", "unsupervised", "fine_tuned"]},
            )
    period = make_period(framework, "2026-Q4", opened_days_ago=5)
    period_open(period=period)
    return Assessment.objects.get(period=period, project=project)


def test_the_questionnaire_asks_for_the_profile_before_any_question(draft, client_for, alice):
    page = client_for(alice).get(draft.get_absolute_url()).text
    assert "First, describe the project" in page
    assert "Retrieval-augmented generation" in page
    assert "retrain the model" not in page


def test_a_missing_profile_choice_is_named_and_nothing_is_saved(draft, client_for, alice):
    response = client_for(alice).post(
        f"/assessments/{draft.pk}/profile/", {"kind": "rag", "serving": "online"}
    )
    assert response.status_code == 422
    assert "Choose the project&#x27;s risk tier." in response.text
    assert not ProjectProfile.objects.exists()


def test_a_rag_project_is_asked_no_training_question_and_reads_its_own_wording(
    draft, client_for, alice
):
    client = client_for(alice)
    response = client.post(f"/assessments/{draft.pk}/profile/", RAG, follow=True)
    page = response.text
    assert "This project is asked 6 practices" in page
    assert "retrain the model" not in page
    assert "Does each index build record its corpus version 1-0?" in page
    assert "data snapshot" not in page
    assert "6 of 6" not in page and "0 of 6 answered" in page


def test_changing_the_profile_keeps_the_answers_of_practices_no_longer_asked(
    draft, client_for, alice
):
    client = client_for(alice)
    client.post(f"/assessments/{draft.pk}/profile/", CLASSIC)
    answer_all(draft, "yes")
    client.post(f"/assessments/{draft.pk}/profile/", RAG)
    assert "retrain the model" not in client.get(draft.get_absolute_url()).text
    client.post(f"/assessments/{draft.pk}/profile/", CLASSIC)
    page = client.get(draft.get_absolute_url()).text
    assert "12 of 12 answered" in page


def test_submitting_needs_the_profile_and_then_scores_only_what_was_asked(draft, alice):
    answer_all(draft, "yes", **{f"training-{level}-0": "no" for level in (0, 1, 2)})
    with pytest.raises(ProfileMissing):
        assessment_submit(assessment=draft, user=alice)
    ProjectProfile.objects.create(project=draft.project, **RAG)
    assessment_submit(assessment=draft, user=alice)
    draft.refresh_from_db()
    # The training answers ("no") play no part: RAG is not asked about retraining.
    assert (draft.overall_level, draft.overall_score) == (2, 2.0)
    assert Profile.from_mapping(draft.profile) == Profile(**RAG)
    training = draft.dimension_scores.get(dimension_key="training")
    assert (training.level, training.practice_count) == (None, 0)


def test_a_member_of_another_team_cannot_set_the_profile(draft, client_for, dave):
    response = client_for(dave).post(f"/assessments/{draft.pk}/profile/", RAG)
    assert response.status_code == 404
    assert not ProjectProfile.objects.exists()


def test_registering_a_project_can_record_its_profile(db, team, client_for, alice):
    response = client_for(alice).post(
        f"/teams/{team.slug}/projects/new/",
        {
            "name": "Support answers",
            "stage": "pilot",
            **{f"profile-{name}": value for name, value in RAG.items()},
        },
    )
    assert response.status_code in (200, 302)
    profile = ProjectProfile.objects.get(project__name="Support answers")
    assert profile.as_profile() == Profile(**RAG)


def test_registering_with_half_a_profile_says_what_is_missing(db, team, client_for, alice):
    response = client_for(alice).post(
        f"/teams/{team.slug}/projects/new/",
        {"name": "Support answers", "stage": "pilot", "profile-kind": "rag"},
    )
    assert response.status_code == 422
    assert "or leave all four" in response.text
    assert not ProjectProfile.objects.exists()


def test_the_team_page_counts_only_the_practices_a_draft_asks(draft, client_for, alice):
    ProjectProfile.objects.create(project=draft.project, **RAG)
    answer_all(draft, "yes")
    page = client_for(alice).get(draft.project.team.get_absolute_url()).text
    assert "draft: 6 of 6 answered" in page
