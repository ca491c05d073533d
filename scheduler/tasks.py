from celery import shared_task

from scheduler import tick as scheduler


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90)
def tick() -> None:
    """Beat's only task: the database decides what is due (see scheduler.tick)."""
    scheduler.schedule_tick()
