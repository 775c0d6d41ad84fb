#!/usr/bin/env python3
"""A Proofdesk webhook receiver to copy from: standard library plus `standardwebhooks`.

    pip install standardwebhooks
    python examples/webhook_receiver.py --secret whsec_... --port 9000

It verifies every request the way docs/cms-integration.md describes, prints each event it
accepts as one JSON line on stdout, and answers 204.

* A forged or altered request (no valid signature for our secret) gets 400.
* A request older or newer than five minutes gets 400 (the library checks the timestamp), so a
  captured request cannot be replayed later; one replayed within those five minutes is caught
  by remembering the (webhook-id, webhook-timestamp) pairs seen, and gets 409.
* The same event sent again with a fresh timestamp and signature (Proofdesk retrying because
  our answer was lost, or someone pressing "Redeliver") is acknowledged with 200 and not
  processed twice: `webhook-id` is the idempotency key.
* An event counts as processed only once it has been handled. If handling fails, the answer is
  500 and the id is not remembered, so Proofdesk's retry is handled anew: nothing is lost.
  The same event arriving again while it is being handled gets 409 (and comes back later).

For tests: `--fail-first N` answers 500 to the first N valid events (Proofdesk retries them),
`--status CODE` answers CODE to the valid events (410 asks Proofdesk to stop sending),
`--port 0` picks a free port; the first line printed is always `listening on http://HOST:PORT/`.

A real receiver keeps the processed ids in its database, not in memory, and should answer
quickly and do the work in the background: Proofdesk waits at most 10 seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

TOLERANCE_SECONDS = 5 * 60  # the library's window for webhook-timestamp
MAX_BODY_BYTES = 1024 * 1024

# What to do with a verified event: (webhook-id, event). Raising means "not handled".
EventHandler = Callable[[str, dict[str, Any]], None]


def print_event(msg_id: str, event: dict[str, Any]) -> None:
    """The example's handling: the event as one JSON line on stdout (a closed stdout raises,
    and the event is then not processed)."""
    line = {"webhook_id": msg_id, "type": event.get("type"), **event}
    print(json.dumps(line, sort_keys=True), flush=True)


class Rejected(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class Receiver:
    """Verification and idempotency, apart from HTTP so that it can be tested directly."""

    def __init__(
        self,
        secrets: list[str],
        *,
        status: int = 204,
        fail_first: int = 0,
        clock: Callable[[], float] = time.time,
        handler: EventHandler = print_event,
    ) -> None:
        if not secrets:
            raise ValueError("At least one secret (whsec_...) is needed.")
        # Two secrets while Proofdesk rotates the endpoint's secret: either one verifies.
        self.webhooks = [Webhook(secret) for secret in secrets]
        self.status = status
        self.failures_left = fail_first
        self.clock = clock
        self.lock = threading.Lock()
        self.handler = handler
        self.seen: dict[tuple[str, str], float] = {}  # (id, timestamp) -> when to forget it
        self.processed: set[str] = set()  # handled: a redelivery is only acknowledged
        self.in_progress: set[str] = set()  # being handled right now

    def verify(self, body: bytes, headers: Mapping[str, str]) -> dict[str, Any]:
        """The event, if the request is authentic and not a replay; raises Rejected."""
        headers = {name.lower(): value for name, value in headers.items()}
        event: dict[str, Any] | None = None
        problem = ""
        for webhook in self.webhooks:
            try:
                event = webhook.verify(body, headers)
                break
            except (WebhookVerificationError, ValueError) as exc:
                # ValueError: a malformed signature header (no "v1," prefix, bad base64).
                problem = str(exc) or type(exc).__name__
        if event is None:
            raise Rejected(400, f"invalid webhook: {problem}")
        key = (headers["webhook-id"], headers["webhook-timestamp"])
        now = self.clock()
        with self.lock:
            for old in [k for k, forget_at in self.seen.items() if forget_at < now]:
                del self.seen[old]
            if key in self.seen:
                raise Rejected(409, "replayed request")
            # Kept twice the tolerance: after that the library refuses the timestamp anyway.
            self.seen[key] = now + 2 * TOLERANCE_SECONDS
        return event

    def handle(self, body: bytes, headers: Mapping[str, str]) -> tuple[int, str]:
        """(status, text) to answer; hands the event to the handler when it is accepted."""
        try:
            event = self.verify(body, headers)
        except Rejected as rejected:
            return rejected.status, rejected.reason
        msg_id = {k.lower(): v for k, v in headers.items()}["webhook-id"]
        with self.lock:
            if msg_id in self.processed:
                return 200, "duplicate: already processed"
            if msg_id in self.in_progress:
                # A redelivery racing the attempt in hand: that one decides. Not 2xx, so that
                # this one comes back should the first fail.
                return 409, "already being processed"
            if self.failures_left > 0:
                self.failures_left -= 1
                return 500, "failing on purpose (--fail-first)"
            if not 200 <= self.status < 300:
                return self.status, ""
            self.in_progress.add(msg_id)
        try:
            self.handler(msg_id, event)
        except Exception as exc:
            # Not remembered as processed: our 500 makes Proofdesk retry, and the retry is
            # handled anew. Marking it first would answer that retry "duplicate" and lose it.
            with self.lock:
                self.in_progress.discard(msg_id)
            return 500, f"handling failed: {type(exc).__name__}"
        with self.lock:
            # Processed before no longer in progress: no moment when a duplicate sees neither.
            self.processed.add(msg_id)
            self.in_progress.discard(msg_id)
        return self.status, ""


def make_handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "ExampleWebhookReceiver/1.0"

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            if length > MAX_BODY_BYTES:
                self._answer(413, "too large")
                return
            body = self.rfile.read(length)
            status, text = receiver.handle(body, dict(self.headers.items()))
            self._answer(status, text)

        def _answer(self, status: int, text: str) -> None:
            data = text.encode()
            self.send_response(status)
            if status != 204:
                self.send_header("content-type", "text/plain; charset=utf-8")
                self.send_header("content-length", str(len(data)))
            self.end_headers()
            if status != 204:
                self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            sys.stderr.write(f"{self.address_string()} {format % args}\n")

    return Handler


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--secret",
        action="append",
        help="whsec_... (give it twice during a rotation); default: $WEBHOOK_SECRET",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9000, help="0 picks a free port")
    parser.add_argument("--status", type=int, default=204, help="answer to valid events")
    parser.add_argument(
        "--fail-first", type=int, default=0, metavar="N", help="answer 500 to the first N"
    )
    args = parser.parse_args(argv)
    secrets = args.secret or (
        [os.environ["WEBHOOK_SECRET"]] if "WEBHOOK_SECRET" in os.environ else []
    )
    if not secrets:
        parser.error("give --secret whsec_... or set WEBHOOK_SECRET")
    receiver = Receiver(secrets, status=args.status, fail_first=args.fail_first)
    server = ThreadingHTTPServer((args.host, args.port), make_handler(receiver))
    server.daemon_threads = True
    print(f"listening on http://{args.host}:{server.server_port}/", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
