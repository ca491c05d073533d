"""What the tools show beside the answers: under each evidenced question of the
questionnaire (the fact, when it was checked and the suggested answer, never changing the
answer), the mismatch note that follows autosave, "Checked against the tools" on the
result page, and the inflation signal stored at submission for reviewers."""

import html
import re

import pytest

from assessments.models import Answer, Assessment, Practice
from assessments.rules import review as rules
from assessments.services.answering import assessment_submit
from tests.assessments.evidence_data import COMMIT, DATA, RUNS, open_v2_draft, record, share
from tests.assessments.fixtures import answer_all
from tests.assessments.test_autosave_queries import AUTOSAVE_QUERIES
from tests.reviews.conftest import set_policy

HTMX = {"HTTP_HX_REQUEST": "true"}
INPUTS = "mlflow.dataset_inputs_share_30d"
METRICS = "mlflow.metrics_share_30d"
COMMITS = "mlflow.git_commit_share_30d"
CAVEAT = "A tool sees only part of the picture: your answer decides."
MISMATCH = "Your answer and MLflow differ."


@pytest.fixture
def draft(db, project) -> Assessment:
    return open_v2_draft(project)


def _page(client, assessment: Assessment) -> str:
    response = client.get(f"/assessments/{assessment.pk}/")
    assert response.status_code == 200
    return response.text


def _text(fragment: str) -> str:
    """What a person reads: tags out, entities decoded, spaces (and no-break ones) single."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def _evidence(page: str, key: str) -> str:
    """The text of the evidence block under practice `key`'s question."""
    found = re.search(
        rf'<div class="evidence-state[^"]*" id="tools-{key}"[^>]*>(.*?)</div>', page, re.S
    )
    assert found, f"no evidence block for {key}"
    return _text(found.group(1))


def _save(client, assessment: Assessment, key: str, value: str, version: int | None = None):
    if version is None:
        version = Answer.objects.get(assessment=assessment, practice__key=key).version
    return client.post(
        f"/assessments/{assessment.pk}/answers/{key}/",
        {"value": value, "version": version},
        **HTMX,
    )


# --- The questionnaire ---------------------------------------------------------------------


def test_it_shows_the_fact_when_it_was_checked_and_a_suggestion_of_fully_in_place(
    client_for, alice, draft, project
):
    share(project, INPUTS, 14, 15)
    block = _evidence(_page(client_for(alice), draft), DATA)
    assert block.startswith(
        "MLflow: 14 of 15 runs in the last 30 days logged a dataset input (checked 2 hours ago)"
    )
    assert "Suggested answer: Fully in place" in block
    assert CAVEAT in block
    assert MISMATCH not in block and "demo data" not in block


@pytest.mark.parametrize(
    ("count", "total", "suggested"),
    [(3, 15, "Partly"), (0, 15, "Not in place"), (12, 15, "Fully in place")],
)
def test_it_suggests_partly_or_not_in_place_below_the_threshold(
    client_for, alice, draft, project, count, total, suggested
):
    share(project, INPUTS, count, total)
    block = _evidence(_page(client_for(alice), draft), DATA)
    assert f"{count} of {total} runs in the last 30 days logged a dataset input" in block
    assert f"Suggested answer: {suggested}" in block


def test_a_duration_suggests_by_its_most(client_for, alice, draft, project):
    record(project, "mlflow.retraining_interval_days", 60, total=5)
    block = _evidence(_page(client_for(alice), draft), "retrain-automated")
    assert "MLflow: a new model version every 60 days (median of 5 intervals)" in block
    assert "Suggested answer: Partly" in block


def test_it_says_the_tools_cannot_say_yet_with_too_few_runs(client_for, alice, draft, project):
    share(project, INPUTS, 2, 2)
    block = _evidence(_page(client_for(alice), draft), DATA)
    assert "2 of 2 runs in the last 30 days logged a dataset input" in block
    assert "The tools cannot say yet: 2 are too few to judge by (it takes at least 3)." in block
    assert "Suggested answer" not in block


def test_a_practice_whose_fact_is_not_collected_shows_nothing(client_for, alice, draft, project):
    share(project, METRICS, 15, 15)
    page = _page(client_for(alice), draft)
    assert _evidence(page, DATA) == ""
    assert "15 of 15 runs in the last 30 days logged metrics" in _evidence(page, RUNS)
    # A practice without an evidence rule has no block at all.
    assert 'id="tools-data-sources-known"' not in page


def test_it_marks_demo_facts_and_reads_the_latest_of_each(client_for, alice, draft, project):
    share(project, INPUTS, 1, 15, hours_ago=72)
    share(project, INPUTS, 15, 15, hours_ago=26, is_demo=True)
    block = _evidence(_page(client_for(alice), draft), DATA)
    assert "15 of 15 runs" in block and "1 of 15" not in block
    assert "(checked 1 day ago) demo data" in block


def test_the_suggestion_never_fills_or_changes_the_answer(client_for, alice, draft, project):
    share(project, INPUTS, 15, 15)
    share(project, METRICS, 0, 15)
    before = list(Answer.objects.filter(assessment=draft).values_list("pk", "value", "version"))
    page = _page(client_for(alice), draft)
    for key in (DATA, RUNS):
        form = re.search(rf'<form class="practice[^"]*" id="practice-{key}".*?</form>', page, re.S)
        assert form and not re.findall(r"<input[^>]*\bchecked\b[^>]*>", form.group(0))
    after = list(Answer.objects.filter(assessment=draft).values_list("pk", "value", "version"))
    assert after == before


def test_the_mismatch_note_follows_the_saved_answer(client_for, alice, draft, project):
    share(project, INPUTS, 0, 15)
    client = client_for(alice)
    assert MISMATCH not in _page(client, draft)

    response = _save(client, draft, DATA, "yes")
    assert response.status_code == 200 and Answer.objects.get(
        assessment=draft, practice__key=DATA
    ).value == ("yes")
    swapped = re.search(rf'<div class="evidence-state[^"]*" id="tools-{DATA}"[^>]*>', response.text)
    assert swapped and 'hx-swap-oob="true"' in swapped.group(0)
    assert "has-mismatch" in swapped.group(0)
    note = _evidence(response.text, DATA)
    assert (
        f"{MISMATCH} You answered “Fully in place”, and the evidence from MLflow suggests "
        "“Not in place”." in note
    )
    assert MISMATCH in _evidence(_page(client, draft), DATA)

    response = _save(client, draft, DATA, "partly")
    assert MISMATCH not in _evidence(response.text, DATA)
    assert "Suggested answer: Not in place" in _evidence(response.text, DATA)
    assert MISMATCH not in _page(client, draft)


def test_a_fully_in_place_the_tools_agree_with_has_no_note(client_for, alice, draft, project):
    share(project, INPUTS, 14, 15)
    response = _save(client_for(alice), draft, DATA, "yes")
    assert "Suggested answer: Fully in place" in _evidence(response.text, DATA)
    assert MISMATCH not in response.text


def test_saving_a_practice_without_evidence_swaps_no_evidence(client_for, alice, draft, project):
    share(project, INPUTS, 0, 15)
    response = _save(client_for(alice), draft, "data-sources-known", "yes")
    assert response.status_code == 200
    assert 'id="tools-' not in response.text


# --- Query counts ---------------------------------------------------------------------------


def _history(project, per_key: int) -> None:
    for hours in range(per_key):
        share(project, INPUTS, 3, 15, hours_ago=hours + 1)
        share(project, METRICS, 15, 15, hours_ago=hours + 1)
        share(project, COMMITS, 0, 15, hours_ago=hours + 1)


def _count(client, url, django_assert_max_num_queries) -> int:
    with django_assert_max_num_queries(40) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


# The questionnaire of a v2 draft: the 13 queries of the v1 page (tests/assessments/
# test_assessment_page.py), the project's profile, and the project's latest facts.
QUESTIONNAIRE_QUERIES = 15
# The result page of a v2 submission: the 13 of tests/assessments/test_review_feedback.py
# less the review comments (none here), and the project's latest facts.
RESULT_QUERIES = 13


def test_the_questionnaire_reads_the_facts_in_one_query_whatever_their_history(
    client_for, alice, draft, project, django_assert_max_num_queries
):
    client = client_for(alice)
    url = f"/assessments/{draft.pk}/"
    client.get(url)  # the first request caches the framework as scoring reads it
    _history(project, 1)
    few = _count(client, url, django_assert_max_num_queries)
    _history(project, 30)
    answer_all(draft, "yes")
    many = _count(client, url, django_assert_max_num_queries)
    assert few == many == QUESTIONNAIRE_QUERIES
    Practice.objects.update(evidence={})
    assert _count(client, url, django_assert_max_num_queries) == QUESTIONNAIRE_QUERIES - 1


def test_the_result_page_reads_the_facts_in_one_query(
    client_for, alice, draft, project, django_assert_max_num_queries
):
    _history(project, 30)
    answer_all(draft, "yes")
    assessment_submit(assessment=draft, user=alice)
    client = client_for(alice)
    url = f"/assessments/{draft.pk}/"
    client.get(url)
    assert _count(client, url, django_assert_max_num_queries) == RESULT_QUERIES
    Practice.objects.update(evidence={})
    assert _count(client, url, django_assert_max_num_queries) == RESULT_QUERIES - 1


def test_autosave_of_an_evidenced_practice_costs_one_query_more(
    client_for, alice, draft, project, django_assert_num_queries
):
    _history(project, 5)
    client = client_for(alice)
    client.get(f"/assessments/{draft.pk}/")
    # Those of tests/assessments/test_autosave_queries.py (the profile for the asked
    # practices comes with the answer), and the facts for the swapped evidence block.
    with django_assert_num_queries(AUTOSAVE_QUERIES):
        assert _save(client, draft, "data-sources-known", "yes", version=0).status_code == 200
    with django_assert_num_queries(AUTOSAVE_QUERIES + 1):
        assert _save(client, draft, DATA, "yes", version=0).status_code == 200


# --- The result page ------------------------------------------------------------------------


def _checked_rows(page: str) -> list[str]:
    section = re.search(r'<section class="card section evidence-checked".*?</section>', page, re.S)
    assert section, "no 'Checked against the tools' section"
    return [_text(row) for row in re.findall(r"<tr class=\"evidence-row.*?</tr>", section[0], re.S)]


def test_the_result_page_lists_mismatches_first_and_flags_them(client_for, alice, draft, project):
    share(project, METRICS, 15, 15)  # exp-runs-logged: agrees
    share(project, INPUTS, 0, 15)  # data-versioned-snapshots: "not in place"
    share(project, COMMITS, 6, 15)  # run-commit-recorded: "partly"
    answer_all(draft, "yes")
    assessment_submit(assessment=draft, user=alice)
    page = _page(client_for(alice), draft)
    assert "Checked against the tools" in page
    assert "2 answers of “fully in place” differ from what the tools show" in _text(page)
    rows = _checked_rows(page)
    assert len(rows) == 3
    questions = {
        key: Practice.objects.get(framework=draft.period.framework, key=key).question
        for key in (DATA, RUNS, COMMIT)
    }
    assert rows[0].startswith("⚑ differs " + questions[DATA])
    assert "Fully in place Not in place MLflow: 0 of 15 runs" in rows[0]
    assert rows[1].startswith("⚑ differs " + questions[COMMIT])
    assert "Fully in place Partly MLflow: 6 of 15 runs" in rows[1]
    assert rows[2].startswith(questions[RUNS])
    assert "Fully in place Fully in place MLflow: 15 of 15 runs" in rows[2]


def test_the_result_page_has_no_section_without_facts(client_for, alice, draft):
    answer_all(draft, "yes")
    assessment_submit(assessment=draft, user=alice)
    assert "Checked against the tools" not in _page(client_for(alice), draft)


# --- The inflation signal -------------------------------------------------------------------


def _mismatch_signals(assessment: Assessment) -> list[str]:
    assessment.refresh_from_db()
    return [s["text"] for s in assessment.signals if s["kind"] == rules.EVIDENCE_MISMATCH]


def test_submitting_stores_the_mismatch_signal_in_one_sentence(alice, draft, project):
    share(project, INPUTS, 3, 15)
    share(project, COMMITS, 0, 15, is_demo=True)
    share(project, METRICS, 15, 15)
    answer_all(draft, "yes")
    assessment_submit(assessment=draft, user=alice)
    assert _mismatch_signals(draft) == [
        "The evidence from MLflow disagrees with 2 answers of “fully in place”: Data "
        "versioned snapshots (3 of 15 runs in the last 30 days logged a dataset input; it "
        "suggests “Partly”) and Run commit recorded (demo data: 0 of 15 runs in the last 30 "
        "days recorded their git commit; it suggests “Not in place”)."
    ]


def test_no_signal_when_the_answers_agree_or_the_tools_cannot_say(alice, draft, project):
    share(project, INPUTS, 3, 15)  # partly, answered partly
    share(project, METRICS, 15, 15)  # yes, answered yes
    share(project, COMMITS, 0, 2)  # too few to say, answered yes
    answer_all(draft, "yes", **{DATA: "partly"})
    assessment_submit(assessment=draft, user=alice)
    assert _mismatch_signals(draft) == []


def test_reviewers_read_the_signal_in_the_queue_and_on_the_review_page(
    client_for, alice, rhea, draft, project
):
    set_policy(rules.EVERY)
    share(project, INPUTS, 0, 15)
    answer_all(draft, "yes")
    assessment_submit(assessment=draft, user=alice)
    (text,) = _mismatch_signals(draft)
    queue = client_for(rhea).get("/reviews/").text
    # The queue shows the first signal's sentence; the tools' disagreement comes before the
    # level-2 claims without evidence that every answer of "fully in place" also raises.
    assert text in _text(queue)
    review = _text(client_for(rhea).get(f"/reviews/{draft.pk}/").text)
    assert f"{rules.SIGNAL_NAMES[rules.EVIDENCE_MISMATCH]}. {text}" in review
    result = _text(client_for(alice).get(f"/assessments/{draft.pk}/").text)
    assert f"{rules.SIGNAL_NAMES[rules.EVIDENCE_MISMATCH]}. {text}" in result


def test_a_reader_who_cannot_answer_reads_the_difference_as_the_teams(
    client_for, carol, draft, project
):
    share(project, INPUTS, 0, 15)
    answer_all(draft, "yes")
    block = _evidence(_page(client_for(carol), draft), DATA)
    assert "The answer and MLflow differ. The team answered “Fully in place”" in block
    assert MISMATCH not in block
