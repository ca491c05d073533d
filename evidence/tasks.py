"""Celery tasks for evidence: they take ids, call one service and own the time limits.

A collection starts with a claim (queued -> running), so a second delivery of the same
message does nothing, and late acknowledgement is safe.
"""

from celery import shared_task

from evidence.services import collections

# Under the rescue's STUCK_AFTER (30 min): a collection still running past it is dead.
HARD_TIME_LIMIT = int(collections.STUCK_AFTER.total_seconds()) - 5 * 60
SOFT_TIME_LIMIT = HARD_TIME_LIMIT - 60


@shared_task(acks_late=True, soft_time_limit=SOFT_TIME_LIMIT, time_limit=HARD_TIME_LIMIT)
def collection_run(collection_id: int) -> None:
    collections.collection_run(collection_id=collection_id)
