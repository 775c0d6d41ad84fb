"""Recover from a server or worker that died mid-work: re-run checks stuck in `checking` and
remove stale upload temporary files. `make run` calls it with --startup; in production without
a broker, call it when the server starts and from cron every few minutes."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from workflow.recovery import recover
from workflow.tasks import tasks_run_in_process


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--startup",
            action="store_true",
            help="the server is starting with tasks in-process: every `checking` asset is "
            "stuck, however recent",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # With a broker, a worker may be checking a recent asset right now: only the old ones.
        startup = options["startup"] and tasks_run_in_process()
        done = recover(startup=startup)
        verb = "re-ran" if tasks_run_in_process() else "queued"
        self.stdout.write(
            f"Checks {verb}: {len(done.checks)}"
            + (f" (assets {', '.join(map(str, done.checks))})" if done.checks else "")
            + f". Stale upload files removed: {len(done.temp_files)}."
        )
