"""What the tools suggest for a practice, and when an answer contradicts them. Pure Python.

A practice's evidence rule, from the framework file, names one fact and a threshold:
`{"fact": "mlflow.dataset_inputs_share_30d", "at_least": 0.8}` or, for durations,
`{"fact": "mlflow.retraining_interval_days", "at_most": 45}`. The suggestion:

- **yes** ("fully in place") when the fact meets the threshold;
- **partly** when it falls short but shows the practice in part: above zero for `at_least`,
  within twice the threshold for `at_most`;
- **no** otherwise.

A share of fewer than `MIN_SAMPLE` items suggests nothing ("too few runs to say"), and so
does a missing fact. The lead still answers: a tool sees only part of the picture. A
*mismatch* is an answer of "fully in place" where the tools suggest less.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from evidence.rules.facts import FACTS

YES: Final = "yes"
PARTLY: Final = "partly"
NO: Final = "no"
MIN_SAMPLE: Final = 3
THRESHOLD_KEYS: Final = ("at_least", "at_most")


@dataclass(frozen=True)
class Suggestion:
    answer: str  # YES, PARTLY or NO; "" when the tools cannot say
    reason: str  # why not, when answer is ""


def evidence_rule_errors(rule: object) -> list[str]:
    """What is wrong with a practice's evidence rule from the framework file (none: it is
    fine). Each error names the problem."""
    if not isinstance(rule, Mapping):
        return ["evidence must be a mapping with 'fact' and 'at_least' or 'at_most'"]
    errors = []
    unknown = set(rule) - {"fact", *THRESHOLD_KEYS}
    if unknown:
        errors.append(f"evidence has unknown keys: {', '.join(sorted(map(str, unknown)))}")
    fact = rule.get("fact")
    if not isinstance(fact, str) or fact not in FACTS:
        known = ", ".join(sorted(FACTS))
        errors.append(f"evidence fact {fact!r} is not a fact the portal collects ({known})")
    thresholds = [key for key in THRESHOLD_KEYS if key in rule]
    if len(thresholds) != 1:
        errors.append("evidence needs exactly one of 'at_least' and 'at_most'")
        return errors
    threshold = rule[thresholds[0]]
    if isinstance(threshold, bool) or not isinstance(threshold, int | float) or threshold < 0:
        errors.append(f"evidence {thresholds[0]} must be a number of 0 or more, not {threshold!r}")
    elif isinstance(fact, str) and fact in FACTS:
        kind = FACTS[fact].kind
        if kind == "share" and not 0 < threshold <= 1:
            errors.append(
                f"evidence {thresholds[0]} for {fact} is a share: between 0 and 1 "
                f"(0.8 for 80 %), not {threshold!r}"
            )
        if kind == "days" and thresholds[0] != "at_most":
            errors.append(f"evidence for {fact} counts days: use 'at_most'")
    return errors


def suggest(rule: Mapping[str, object], value: float | None, detail: Mapping) -> Suggestion:
    """The answer the tools suggest for a practice with `rule`, given its fact's latest
    `value` and `detail` (None: never collected)."""
    if value is None:
        return Suggestion("", "not collected yet")
    if FACTS[str(rule["fact"])].kind == "share" and int(detail.get("total", 0)) < MIN_SAMPLE:
        return Suggestion("", f"too few to say (fewer than {MIN_SAMPLE})")
    if "at_least" in rule:
        threshold = float(rule["at_least"])  # type: ignore[arg-type]
        if value >= threshold:
            return Suggestion(YES, "")
        return Suggestion(PARTLY if value > 0 else NO, "")
    threshold = float(rule["at_most"])  # type: ignore[arg-type]
    if value <= threshold:
        return Suggestion(YES, "")
    return Suggestion(PARTLY if value <= 2 * threshold else NO, "")


def is_mismatch(answer: str, suggestion: Suggestion) -> bool:
    """An answer of "fully in place" where the tools suggest less."""
    return answer == YES and suggestion.answer in (PARTLY, NO)
