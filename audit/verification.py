"""Checking the audit chain end to end."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from audit.chain import GENESIS_HASH, hash_of_event
from audit.models import AuditChainHead, AuditEvent


@dataclass(frozen=True)
class ChainProblem:
    seq: int | None
    event_id: int | None
    reason: str

    def __str__(self) -> str:
        where = f"event #{self.seq} (id {self.event_id})" if self.seq is not None else "chain head"
        return f"{where}: {self.reason}"


@dataclass(frozen=True)
class ChainReport:
    checked: int
    problem: ChainProblem | None

    @property
    def intact(self) -> bool:
        return self.problem is None


def _events() -> Iterator[AuditEvent]:
    # Ordered by primary key, not seq: rows swapped by changing their seq must show up as
    # out-of-order, and insertion order is the order the writer produced them in.
    return AuditEvent.objects.order_by("pk").iterator(chunk_size=2000)


def audit_verify_chain() -> ChainReport:
    expected_seq = 1
    prev_hash = GENESIS_HASH
    checked = 0
    for event in _events():
        if event.seq != expected_seq:
            reason = (
                f"expected sequence number {expected_seq}, found {event.seq}: "
                "an event was removed or the rows were reordered"
            )
            return ChainReport(checked, ChainProblem(event.seq, event.pk, reason))
        if event.prev_hash != prev_hash:
            return ChainReport(
                checked,
                ChainProblem(
                    event.seq, event.pk, "previous-hash link does not match the event before it"
                ),
            )
        recomputed = hash_of_event(event)
        if recomputed != event.hash:
            return ChainReport(
                checked,
                ChainProblem(event.seq, event.pk, "contents were altered after it was written"),
            )
        prev_hash = event.hash
        expected_seq += 1
        checked += 1

    head = AuditChainHead.objects.filter(pk=1).first()
    last_seq = head.last_seq if head else 0
    last_hash = head.last_hash if head else GENESIS_HASH
    if last_seq != checked or last_hash != prev_hash:
        if checked < last_seq:
            why = "events were removed from the end"
        elif checked > last_seq:
            why = "events were added without going through the audit log"
        else:
            why = "the last event was replaced"
        reason = f"the chain head records {last_seq} events but {checked} were found: {why}"
        return ChainReport(checked, ChainProblem(None, None, reason))
    return ChainReport(checked, None)
