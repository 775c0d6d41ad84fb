"""The Celery app. Without CELERY_BROKER_URL tasks run in-process (see settings)."""

from __future__ import annotations

import os
from typing import Any

from celery import Celery, Task
from celery.signals import task_prerun, worker_init
from django.db import connections

from newsroom.startup import keep_freed_memory_for_reuse

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")

app = Celery("newsroom")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect(dispatch_uid="newsroom.keep_freed_memory_for_reuse")
def tune_worker_allocator(**kwargs: Any) -> None:
    """In the worker's main process, before it starts its pool: forked pool processes inherit
    the allocator's settings."""
    keep_freed_memory_for_reuse()


@task_prerun.connect(dispatch_uid="newsroom.replace_dropped_connections")
def replace_dropped_connections(task: Task[Any, Any], **kwargs: Any) -> None:
    """A worker keeps its database connection from task to task (CELERY_DB_REUSE_MAX). If the
    server dropped it meanwhile (a restart, a failover, an idle timeout), close it here so
    that the task's first query opens a new one, rather than the task failing on the old.
    A task run in-process (no broker) is inside the caller's work: its connection is the
    caller's, and left alone."""
    if task.request.is_eager:
        return
    for connection in connections.all(initialized_only=True):
        if (
            connection.connection is not None
            and not connection.in_atomic_block
            and not connection.is_usable()
        ):
            connection.close()
