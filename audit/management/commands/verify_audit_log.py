from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from audit.verification import audit_verify_chain


class Command(BaseCommand):
    help = "Verify the audit trail's hash chain; exit non-zero naming the first bad event."

    def handle(self, *args: Any, **options: Any) -> None:
        report = audit_verify_chain()
        if not report.intact:
            raise CommandError(
                f"Audit log TAMPERED after {report.checked} good events: {report.problem}"
            )
        self.stdout.write(
            self.style.SUCCESS(f"Audit log intact: {report.checked} events verified.")
        )
