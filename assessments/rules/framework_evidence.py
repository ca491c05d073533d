"""A practice's optional evidence rule in a framework file: pure Python, no Django.

    evidence: {fact: mlflow.dataset_inputs_share_30d, at_least: 0.8}

names a fact the portal collects from the tools and the threshold at which it suggests the
practice is fully in place. Which facts exist, and what makes a rule valid, belong to the
`evidence` app: the loader passes its checker in (`evidence_errors`), so these rules import
nothing. Each problem the checker finds becomes the practice's error, with its key.
"""

from collections.abc import Callable

from assessments.rules.framework_section import Section, describe

# The checker: a rule as the file wrote it -> what is wrong with it (nothing: it is fine).
type EvidenceErrors = Callable[[object], list[str]]

FIELD = "evidence"


def evidence(section: Section, evidence_errors: EvidenceErrors | None) -> dict[str, object]:
    """The practice's evidence rule ({} without one). Without a checker (a pure parse of the
    file, as the scoring tests do) the rule is only checked to be a mapping of text keys."""
    if FIELD not in section.data:
        return {}
    rule = section.data[FIELD]
    if not isinstance(rule, dict):
        raise section.error(
            f"evidence must be a mapping with 'fact' and 'at_least' or 'at_most', "
            f"got {describe(rule)}"
        )
    if evidence_errors is not None:
        problems = evidence_errors(rule)
    else:
        problems = [f"evidence key {describe(k)} is not text" for k in rule if type(k) is not str]
    if problems:
        raise section.error("; ".join(problems))
    return {str(key): value for key, value in rule.items()}
