"""Autosave in `make bench`: the POST the questionnaire sends when the demo lead changes one
answer of their draft (htmx, with the version the page holds), against the floor, at both
sizes, and its queries. Each save changes the answer, as a person clicking through the
three values would, so every request writes."""

import re
from collections.abc import Callable, Mapping

from benchmarks.measure import Timing, database, timed

SAMPLES = 31
VALUES = ("no", "partly", "yes")
VERSION = re.compile(rb'name="version" value="(\d+)"')


class Autosave:
    """Saves to one answer of the lead's draft, keeping the version the server returns."""

    def __init__(self, client, assessment_id: int, practice_key: str, version: int) -> None:
        self.client = client
        self.path = f"/assessments/{assessment_id}/answers/{practice_key}/"
        self.version = version
        self.count = 0

    def save(self):
        self.count += 1
        response = self.client.post(
            self.path,
            {"value": VALUES[self.count % len(VALUES)], "version": self.version},
            headers={"HX-Request": "true"},
        )
        found = VERSION.search(response.content)
        if response.status_code == 200 and found:
            self.version = int(found.group(1))
        return response


def autosave_for(client, path: str) -> Autosave:
    """An autosave to the first question of the draft at `path` (a questionnaire page)."""
    from assessments.models import Answer

    assessment_id = int(path.strip("/").split("/")[-1])
    answer = (
        Answer.objects.filter(assessment_id=assessment_id)
        .select_related("practice")
        .order_by("practice__order")
        .first()
    )
    if answer is None:
        raise LookupError(f"The draft at {path} has no answers to save.")
    return Autosave(client, assessment_id, answer.practice.key, answer.version)


def measure_autosave(
    saves: dict[str, Autosave], floor: Mapping[str, Callable[[], object]], sizes: tuple[str, ...]
) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    floors = {size: Timing() for size in sizes}
    timings = {size: Timing() for size in sizes}
    for _ in range(SAMPLES):
        for size in sizes:
            with database(size):
                floors[size].samples.append(timed(floor[size]))
                timings[size].samples.append(timed(saves[size].save))
    queries = {}
    for size in sizes:
        with database(size), CaptureQueriesContext(connection) as captured:
            timed(saves[size].save)
            queries[size] = len(captured)
    small, large = sizes
    return {
        "autosave_ratio": round(timings[small].p50 / floors[small].p50, 2),
        "autosave_queries": queries[small],
        "autosave_p50_ms": round(timings[small].p50, 2),
        "autosave_ratio_large": round(timings[large].p50 / floors[large].p50, 2),
        "autosave_queries_large": queries[large],
        "autosave_p50_ms_large": round(timings[large].p50, 2),
        "autosave_floor_p50_ms": round(floors[small].p50, 2),
    }
