import logging
import os

from celery import Celery
from celery.contrib.django.task import DjangoTask
from django.db import transaction
from kombu.exceptions import OperationalError as BrokerUnavailable

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mlops_portal.settings")

logger = logging.getLogger(__name__)


class PortalTask(DjangoTask):
    """A task whose after-commit dispatch survives a broker outage.

    The database records what is due (queued reports, emails not yet sent), and the hourly
    tick queues it again, so when Redis is down a page that queues work still answers:
    the work waits for the broker instead of the user getting an error.
    """

    def delay_on_commit(self, *args, **kwargs) -> None:
        transaction.on_commit(lambda: self._delay_or_wait(args, kwargs))

    def _delay_or_wait(self, args: tuple, kwargs: dict) -> None:
        try:
            self.delay(*args, **kwargs)
        except (BrokerUnavailable, OSError) as error:
            logger.warning(
                "job queue unavailable; %s%r waits for the next tick: %s", self.name, args, error
            )


app = Celery("mlops_portal", task_cls=PortalTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
