"""The real mlops-v2.yaml under scoring rule 2: the cases of the methodology review, the
profiles it serves, and its mapping from v1. Pure: the file is parsed, not loaded."""

import re
from pathlib import Path

import pytest

from assessments.rules.framework_file import parse_framework_file
from assessments.rules.framework_profiles import check_mapping_against
from assessments.rules.levels import NOT_APPLICABLE, PARTLY, YES
from assessments.rules.profiles import Profile, every_profile, matches, variant_for
from assessments.rules.scoring import Dimension, Practice, score_assessment

FRAMEWORKS = Path(__file__).resolve().parents[2] / "assessments" / "frameworks"
V1 = parse_framework_file(FRAMEWORKS / "mlops-v1.yaml")
V2 = parse_framework_file(FRAMEWORKS / "mlops-v2.yaml")
CLASSIC = Profile(kind="supervised", serving="online", label_delay="weeks", risk_tier="limited")
RAG = Profile(kind="rag", serving="online", label_delay="never", risk_tier="limited")
LLM_KINDS = ("llm_api", "rag", "agent")
DIMENSIONS = [Dimension(key=d.key, name=d.name, order=d.order) for d in V2.dimensions]
PRACTICES = [
    Practice(
        key=p.key,
        dimension_key=p.dimension_key,
        level=p.level,
        order=p.order,
        defining=p.defining,
        applies_to=p.applies_to,
    )
    for p in V2.practices()
]
ASKED_OF_CLASSIC = [p for p in V2.practices() if matches(p.applies_to, CLASSIC)]


def score(answers: dict[str, str], profile: Profile = CLASSIC):
    return score_assessment(
        dimensions=DIMENSIONS, practices=PRACTICES, answers=answers, profile=profile
    )


def all_yes(**changes: str) -> dict[str, str]:
    return {p.key: YES for p in ASKED_OF_CLASSIC} | changes


def test_every_level_2_practice_partly_reaches_at_most_level_1():
    answers = all_yes(**{p.key: PARTLY for p in ASKED_OF_CLASSIC if p.level == 2})
    result = score(answers)
    assert result.overall_level == 1
    assert all(d.level <= 1 for d in result.assessed_dimensions)


def test_every_level_2_practice_not_applicable_claims_no_level_2_and_says_not_assessed():
    answers = all_yes(**{p.key: NOT_APPLICABLE for p in ASKED_OF_CLASSIC if p.level == 2})
    result = score(answers)
    assert result.overall_level == 1
    for dimension in result.assessed_dimensions:
        assert dimension.level == 1
        assert 2 in dimension.unassessed_levels


def test_one_basic_practice_moves_the_overall_score_by_a_small_step():
    not_in_place = score(all_yes(**{"model-owner-named": "no"}))
    partly = score(all_yes(**{"model-owner-named": PARTLY}))
    assert 0 < partly.overall_score - not_in_place.overall_score <= 0.2  # a tenth of 0-2
    assert score(all_yes()).overall_level == 2


def test_everything_in_place_is_level_2_for_every_kind():
    for kind in ("supervised", "unsupervised", "llm_api", "rag", "fine_tuned", "agent"):
        profile = Profile(kind=kind, serving="batch", label_delay="months", risk_tier="high")
        answers = {p.key: YES for p in V2.practices()}
        assert score(answers, profile).overall_level == 2, kind


def test_a_rag_project_is_asked_the_genai_practices_and_no_training_question():
    asked = [p for p in V2.practices() if matches(p.applies_to, RAG)]
    dimensions = {p.dimension_key for p in asked}
    assert "genai" in dimensions
    assert not dimensions & {"training", "experimentation"}
    for practice in asked:
        wording = variant_for(
            [{"when": v.when, "question": v.question, "help": v.help} for v in practice.variants],
            RAG,
        )
        text = f"{wording.get('question', practice.question)} {wording.get('help', practice.help)}"
        # Whether the provider may train on the data sent to it is a fair question for RAG.
        text = text.replace("training-use terms", "")
        assert not re.search(r"\b(re)?train(ing|ed|s)?\b|feature store", text, re.I), practice.key


def test_the_genai_dimension_has_12_to_15_practices_at_every_level():
    genai = next(d for d in V2.dimensions if d.key == "genai")
    assert 12 <= len(genai.practices) <= 15
    assert {p.level for p in genai.practices} == {0, 1, 2}


def test_every_profile_is_asked_at_least_two_practices_per_level_of_each_dimension_it_meets():
    # The parser enforces it; this proves the real file was checked over every profile.
    assert len(list(every_profile())) == 144
    assert V2.scoring_rule == 2


def test_the_mapping_accounts_for_every_v1_practice():
    check_mapping_against(V2, [p.key for p in V1.practices()], "mlops-v2.yaml")
    mapping = V2.maps_from
    assert mapping is not None and (mapping.key, mapping.version) == ("mlops", 1)
    v2_keys = {p.key for p in V2.practices()}
    listed = mapping.sources()
    for practice in V1.practices():
        assert practice.key in v2_keys or practice.key in listed, practice.key


@pytest.mark.parametrize("practice", V2.practices(), ids=lambda p: p.key)
def test_each_practice_reads_the_same_way(practice):
    texts = [practice.help, *(v.help for v in practice.variants)]
    for help_text in texts:
        assert re.search(r"Yes: .+ Partly: .+ No: ", help_text), practice.key
    for text in [practice.question, *(v.question for v in practice.variants)]:
        assert "your team" not in text.lower()
