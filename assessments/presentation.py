"""What the questionnaire shows per practice, worked out once in Python for the template.

A page asks 60 to 80 practices, and each row names its practice's key some twenty times
(ids, labels, the save URL). Every `{{ }}` the template resolves costs a context walk, an
attribute lookup and an escape; these rows hold the values the row repeats already escaped,
so the template writes them as they are, and each practice's question and help, which are
the framework's text, come rendered. The output is the same HTML.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

from assessments.evidence_selectors import PracticeEvidence
from assessments.exemption_selectors import PracticeExemption
from assessments.selectors import DimensionSection, PracticeRow


@dataclass
class QuestionRow(PracticeRow):
    """A practice row with what its form repeats: the key and the save URL, escaped once; the
    practice's question and help, rendered once per process; last quarter's answer as
    people read it; its exemption and what the tools show beside it."""

    key: str = ""  # safe
    save_url: str = ""  # safe
    legend: str = ""  # safe
    help_text: str = ""  # safe
    previous_label: str = ""
    exemption: PracticeExemption | None = None
    evidence_entry: PracticeEvidence | None = None


def save_url(*, assessment_pk: int, practice_key: str) -> SafeString:
    """Where a practice's answer is saved, escaped as `{% url %}` writes it."""
    url = reverse("assessments:answer_save", args=[assessment_pk, practice_key])
    return conditional_escape(url)


def question_sections(
    *,
    assessment_pk: int,
    sections: Sequence[DimensionSection],
    exemptions: Mapping[str, PracticeExemption],
    evidence: Mapping[str, PracticeEvidence],
) -> list[DimensionSection]:
    """`sections` with each row a QuestionRow (planned_first and the reviewer's feedback
    read them as the PracticeRows they are)."""
    # One reverse() for the page: a practice's URL differs from another's only by its key,
    # a slug, which the URL writes as it is.
    marker = "practice-key-marker"
    pattern = save_url(assessment_pk=assessment_pk, practice_key=marker)
    return [
        DimensionSection(
            dimension=section.dimension,
            rows=[
                _question_row(row, pattern, marker, exemptions, evidence) for row in section.rows
            ],
        )
        for section in sections
    ]


def _question_row(
    row: PracticeRow,
    pattern: str,
    marker: str,
    exemptions: Mapping[str, PracticeExemption],
    evidence: Mapping[str, PracticeEvidence],
) -> QuestionRow:
    practice = row.practice
    key = conditional_escape(practice.key)
    legend, help_text = _practice_texts(
        practice.level,
        practice.defining,
        practice.question,
        practice.help,
        practice.why,
        tuple(str(source) for source in practice.sources),
    )
    return QuestionRow(
        practice=practice,
        answer=row.answer,
        previous=row.previous,
        changes=row.changes,
        key=key,
        save_url=mark_safe(pattern.replace(marker, key)),  # escaped, and a slug for a slug
        legend=legend,
        help_text=help_text,
        previous_label=row.previous.get_value_display() if row.previous else "",
        exemption=exemptions.get(practice.key),
        evidence_entry=evidence.get(practice.key),
    )


@lru_cache(maxsize=2048)
def _practice_texts(
    level: int, defining: bool, question: str, help: str, why: str, sources: tuple[str, ...]
) -> tuple[SafeString, SafeString]:
    """A practice's legend and help as the questionnaire writes them. Keyed by the texts
    themselves (a framework version's, worded for a profile), so never out of date."""
    context = {
        "level": level,
        "defining": defining,
        "question": question,
        "help": help,
        "why": why,
        "sources": sources,
    }
    return (
        render_to_string("assessments/assessment_form.html#practice-legend", context),
        render_to_string("assessments/assessment_form.html#practice-help", context),
    )
