"""Initiatives' counts, computed by PostgreSQL in one query for any number of initiatives.

The database reads each project in scope, its current answers and the practices it is
asked, and returns counts only: per initiative and team, the projects for which a practice
counts, those complete and those for which none counts; per initiative and practice, the
projects where it is in place, where it counts and where it is left out. The page then
handles as many rows as there are teams and practices, whatever the number of projects.

The rules are those of `initiative_progress` (scope) and `improvement.burnup` (current
answer, in place, counted, complete), written in SQL:

- the two most recent periods that have assessments (by `opens_on`) are read; a project's
  latest assessment is its one in the newer period, else in the older; while that is a
  draft, the older period's submission fills the draft's blank answers;
- a project is asked the practices of its latest assessment's framework (the newest
  period's when it has none; every practice any framework has when no period has
  assessments); from scoring rule 2 on, only those whose `applies_to` matches its profile:
  a submission's stored profile, otherwise the profile recorded for the project; a profile
  that is missing or incomplete matches only the empty condition.
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection

from assessments.models import Assessment
from assessments.rules.levels import NOT_APPLICABLE, YES
from assessments.rules.profiles import PROFILE_FIELDS

# Frameworks from this scoring rule on ask each project only the practices its profile matches.
RULE_WITH_PROFILES = 2


@dataclass(frozen=True)
class ScopeRule:
    """What `Scope` says, as the query reads it."""

    initiative_id: int
    stages: tuple[str, ...]
    unit_paths: tuple[str, ...]
    team_ids: tuple[int, ...]
    practice_keys: tuple[str, ...]


@dataclass(frozen=True)
class TeamCount:
    initiative_id: int
    team_id: int
    projects: int  # projects for which at least one practice counts
    complete: int
    not_applicable: int  # projects for which none counts


@dataclass(frozen=True)
class PracticeTally:
    initiative_id: int
    key: str
    in_place: int
    counted: int
    left_out: int


_PROFILE_VALID = " AND ".join(
    f"(profile ->> '{name}') = ANY(%(allowed_{name})s)" for name in PROFILE_FIELDS
)

COUNTS_SQL = f"""
WITH init AS (
    SELECT * FROM jsonb_to_recordset(%(initiatives)s::jsonb)
        AS i(id bigint, stages text[], paths text[], teams bigint[], keys text[])
), periods AS (
    SELECT pe.id, pe.framework_id, row_number() OVER (ORDER BY pe.opens_on DESC) AS n
    FROM assessments_period pe
    WHERE EXISTS (SELECT 1 FROM assessments_assessment a WHERE a.period_id = pe.id)
    ORDER BY pe.opens_on DESC
    LIMIT 2
), scoped AS (
    SELECT i.id AS initiative_id, p.id AS project_id, p.team_id, i.keys
    FROM init i
    JOIN teams_project p
        ON p.archived_at IS NULL AND (cardinality(i.stages) = 0 OR p.stage = ANY(i.stages))
    JOIN teams_team t ON t.id = p.team_id AND t.archived_at IS NULL
    LEFT JOIN teams_unit u ON u.id = t.unit_id
    WHERE (cardinality(i.paths) = 0 AND cardinality(i.teams) = 0)
        OR p.team_id = ANY(i.teams)
        OR EXISTS (SELECT 1 FROM unnest(i.paths) AS up(path) WHERE starts_with(u.path, up.path))
), latest AS (
    SELECT pr.project_id,
        COALESCE(a0.id, a1.id) AS latest_id,
        CASE WHEN a0.status = %(draft)s AND a1.status = %(submitted)s THEN a1.id END
            AS previous_id,
        CASE WHEN a0.id IS NULL AND a1.id IS NOT NULL
            THEN (SELECT framework_id FROM periods WHERE n = 2)
            ELSE (SELECT framework_id FROM periods WHERE n = 1) END AS framework_id,
        CASE WHEN COALESCE(a0.status, a1.status) = %(submitted)s
            THEN COALESCE(a0.profile, a1.profile)
            ELSE jsonb_build_object('kind', pp.kind, 'serving', pp.serving,
                'label_delay', pp.label_delay, 'risk_tier', pp.risk_tier) END AS profile
    FROM (SELECT DISTINCT project_id FROM scoped) pr
    LEFT JOIN assessments_assessment a0
        ON a0.project_id = pr.project_id AND a0.period_id = (SELECT id FROM periods WHERE n = 1)
    LEFT JOIN assessments_assessment a1
        ON a1.project_id = pr.project_id AND a1.period_id = (SELECT id FROM periods WHERE n = 2)
    LEFT JOIN assessments_projectprofile pp ON pp.project_id = pr.project_id
), state AS MATERIALIZED (
    SELECT latest.*, COALESCE({_PROFILE_VALID}, false) AS profile_valid FROM latest
), practices AS MATERIALIZED (
    SELECT pa.id, pa.key, pa.framework_id, f.scoring_rule,
        COALESCE(pa.applies_to, '{{}}'::jsonb) AS applies_to
    FROM assessments_practice pa JOIN assessments_framework f ON f.id = pa.framework_id
    WHERE pa.key = ANY(%(keys)s)
), answers AS MATERIALIZED (
    -- One lookup in the (assessment, practice) index per pair: LIMIT keeps the planner
    -- from reading every answer of each assessment instead.
    SELECT a.id AS assessment_id, pa.key, an.value
    FROM (SELECT latest_id AS id FROM state UNION SELECT previous_id FROM state) a
    CROSS JOIN practices pa
    CROSS JOIN LATERAL (
        SELECT NULLIF(an.value, '') AS value FROM assessments_answer an
        WHERE an.assessment_id = a.id AND an.practice_id = pa.id
        LIMIT 1
    ) an
), answered AS MATERIALIZED (
    SELECT s.project_id, k.key, COALESCE(la.value, pa.value) AS value,
        CASE WHEN s.framework_id IS NULL
            THEN EXISTS (SELECT 1 FROM practices p WHERE p.key = k.key)
            ELSE EXISTS (
                SELECT 1 FROM practices p
                WHERE p.framework_id = s.framework_id AND p.key = k.key
                    AND (p.scoring_rule < %(rule_with_profiles)s
                        OR p.applies_to = '{{}}'::jsonb
                        OR (s.profile_valid AND NOT EXISTS (
                            SELECT 1 FROM jsonb_each(p.applies_to) AS c(field, allowed)
                            WHERE NOT COALESCE(c.allowed ? (s.profile ->> c.field), false)))))
            END AS asked
    FROM state s
    CROSS JOIN unnest(%(keys)s::text[]) AS k(key)
    LEFT JOIN answers la ON la.assessment_id = s.latest_id AND la.key = k.key
    LEFT JOIN answers pa ON pa.assessment_id = s.previous_id AND pa.key = k.key
), marked AS MATERIALIZED (
    SELECT project_id, key,
        asked AND value IS DISTINCT FROM %(not_applicable)s AS counted,
        asked AND value IS NOT DISTINCT FROM %(yes)s AS in_place
    FROM answered
), per_project AS (
    SELECT sc.initiative_id, sc.project_id, sc.team_id,
        COALESCE(bool_or(m.counted), false) AS applicable,
        COALESCE(bool_and(NOT m.counted OR m.in_place), true) AS all_in_place
    FROM scoped sc
    LEFT JOIN marked m ON m.project_id = sc.project_id AND m.key = ANY(sc.keys)
    GROUP BY sc.initiative_id, sc.project_id, sc.team_id
)
SELECT 'team', initiative_id, team_id, NULL,
    count(*) FILTER (WHERE applicable),
    count(*) FILTER (WHERE applicable AND all_in_place),
    count(*) FILTER (WHERE NOT applicable)
FROM per_project
GROUP BY initiative_id, team_id
UNION ALL
SELECT 'practice', sc.initiative_id, NULL, m.key,
    count(*) FILTER (WHERE m.in_place),
    count(*) FILTER (WHERE m.counted),
    count(*) FILTER (WHERE NOT m.counted)
FROM scoped sc
JOIN marked m ON m.project_id = sc.project_id AND m.key = ANY(sc.keys)
GROUP BY sc.initiative_id, m.key
"""


def counts_params(rules: Sequence[ScopeRule]) -> dict[str, Any]:
    initiatives = [
        {
            "id": rule.initiative_id,
            "stages": list(rule.stages),
            "paths": list(rule.unit_paths),
            "teams": list(rule.team_ids),
            "keys": list(dict.fromkeys(rule.practice_keys)),
        }
        for rule in rules
    ]
    return {
        "initiatives": json.dumps(initiatives),
        "keys": sorted({key for rule in rules for key in rule.practice_keys}),
        "draft": Assessment.Status.DRAFT.value,
        "submitted": Assessment.Status.SUBMITTED.value,
        "rule_with_profiles": RULE_WITH_PROFILES,
        "not_applicable": NOT_APPLICABLE,
        "yes": YES,
        **{f"allowed_{name}": list(allowed) for name, allowed in PROFILE_FIELDS.items()},
    }


def initiative_counts(
    rules: Sequence[ScopeRule],
) -> tuple[list[TeamCount], list[PracticeTally]]:
    """The counts of every initiative of `rules`, in one query."""
    teams: list[TeamCount] = []
    practices: list[PracticeTally] = []
    with connection.cursor() as cursor:
        cursor.execute(COUNTS_SQL, counts_params(rules))
        for kind, initiative_id, team_id, key, first, second, third in cursor.fetchall():
            if kind == "team":
                teams.append(TeamCount(initiative_id, team_id, first, second, third))
            else:
                practices.append(PracticeTally(initiative_id, key, first, second, third))
    return teams, practices
