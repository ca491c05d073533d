"""Queue a Celery task by name once the current transaction commits.

Services dispatch through here, so they never import a tasks module: tasks import the
services they call, and the imports run one way only. The task's module is imported by
name on first use, which registers the task in web processes, workers and tests alike.
"""

import importlib

from celery import current_app


def dispatch_on_commit(task_name: str, *args: object) -> None:
    module, _, _ = task_name.rpartition(".")
    importlib.import_module(module)
    current_app.tasks[task_name].delay_on_commit(*args)
