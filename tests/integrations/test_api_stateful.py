"""The CMS API holds together across calls (a schemathesis stateful run): sequences of calls,
each feeding what a response said into the next request, answer only what the schema
documents, with the documented content types and bodies, and never a 5xx.

The schema the app serves has no OpenAPI links, so this test adds them to a copy (LINKS):
a listed asset's clearance, its incidents and a publication; the rendition's download through
the signed link the clearance gave out; a publication's unpublication and a republication
after it; the clearance after each. Only these links: schemathesis's own inference is off, so
the graph is the one read here. Only schema-valid requests: the contract test
(test_api_contract.py) covers the refusal of invalid ones, call by call.

Every schemathesis check runs, as in the contract test. Its stateful ones (use_after_free,
ensure_resource_availability) have nothing to act on yet: the API has no DELETE, and a
publication has no URL to read it back at.

The run must follow the links to real rows, not wander among 404s: it counts the transitions
it followed and asserts that the main ones answered with success.
"""

from __future__ import annotations

import copy
import re
from collections import Counter
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.db import transaction
from hypothesis import HealthCheck, Phase, settings
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation.stateful.state_machine import StepInput, StepOutput

from integrations.api import encode_cursor
from tests.integrations.test_api_contract import (
    Seeded,
    _keep_the_test_transaction,
    seeded,
    steer,
)

# Fixtures shared with the contract test: the seeded rows and the kept test transaction.
__all__ = ["_keep_the_test_transaction", "seeded"]

pytestmark = pytest.mark.django_db

# As in the contract test: with a token holding every scope, a schema-valid request may only be
# refused for what the schema cannot know (test_api_contract.py says which and why).
CONFIG = schemathesis.Config.from_dict(
    {
        "phases": {
            "stateful": {"generation": {"mode": "positive"}, "inference": {"algorithms": []}}
        },
        "checks": {"positive_data_acceptance": {"expected-statuses": ["2xx", "404", "409"]}},
        "operations": [
            {
                "include-operation-id": ["reportPublication", "reportUnpublication"],
                "checks": {
                    "positive_data_acceptance": {"expected-statuses": ["2xx", "404", "409", "422"]}
                },
            },
            {
                "include-operation-id": "downloadRendition",
                "checks": {
                    "positive_data_acceptance": {"expected-statuses": ["2xx", "403", "404", "409"]}
                },
            },
        ],
    }
)

DOWNLOAD_URL = "$response.body#/rendition/download_url"
LINKS: dict[tuple[str, str, str], dict[str, dict[str, Any]]] = {
    ("/api/v1/assets", "get", "200"): {
        "FirstClearance": {
            "operationId": "getAssetClearance",
            "parameters": {"path.asset_id": "$response.body#/items/0/id"},
        },
        "SecondClearance": {
            "operationId": "getAssetClearance",
            "parameters": {"path.asset_id": "$response.body#/items/1/id"},
        },
        "PublishFirst": {
            "operationId": "reportPublication",
            "parameters": {"path.asset_id": "$response.body#/items/0/id"},
        },
        "NextPage": {
            "operationId": "listClearedAssets",
            "parameters": {"query.cursor": "$response.body#/next_cursor"},
        },
    },
    ("/api/v1/assets/{asset_id}", "get", "200"): {
        "Incidents": {
            "operationId": "listAssetIncidents",
            "parameters": {"path.asset_id": "$response.body#/id"},
        },
        "Publish": {
            "operationId": "reportPublication",
            "parameters": {"path.asset_id": "$response.body#/id"},
        },
        # `sig` is "timestamp:signature", percent-encoded in the link (":" is "%3A"): a link
        # expression cannot decode, so it joins the two halves around a literal ":".
        "DownloadFile": {
            "operationId": "downloadRendition",
            "parameters": {
                "path.rendition_id": "$response.body#/rendition/id",
                "query.part": f"{DOWNLOAD_URL}#regex:[?&]part=([^&]+)",
                "query.sig": f"{{{DOWNLOAD_URL}#regex:[?&]sig=([^&%]+)}}"
                f":{{{DOWNLOAD_URL}#regex:[?&]sig=[^&%]+%3A([^&]+)}}",
            },
        },
    },
    ("/api/v1/assets/{asset_id}/publications", "post", "201"): {
        "Unpublish": {
            "operationId": "reportUnpublication",
            "parameters": {"path.asset_id": "$response.body#/asset_id"},
            "requestBody": {"cms_reference": "$response.body#/cms_reference"},
        },
        "ClearanceAfterPublication": {
            "operationId": "getAssetClearance",
            "parameters": {"path.asset_id": "$response.body#/asset_id"},
        },
    },
    ("/api/v1/assets/{asset_id}/unpublications", "post", "200"): {
        "Republish": {
            "operationId": "reportPublication",
            "parameters": {"path.asset_id": "$response.body#/asset_id"},
            "requestBody": {
                "cms_reference": "$response.body#/cms_reference",
                "public_url": "$response.body#/public_url",
            },
        },
        "ClearanceAfterUnpublication": {
            "operationId": "getAssetClearance",
            "parameters": {"path.asset_id": "$response.body#/asset_id"},
        },
    },
}

# (link, status) pairs the run must have seen at least once.
MUST_FOLLOW = {
    ("FirstClearance", 200),
    ("PublishFirst", 201),
    ("ClearanceAfterPublication", 200),
    ("Unpublish", 200),
    ("Republish", 201),
    ("DownloadFile", 200),
}


def linked_schema() -> Any:
    """The schema the app serves (fetched through WSGI, as the contract test does: Django's
    test client would reconnect the signal that closes the test transaction), with LINKS."""
    app = WSGIHandler()
    served = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    raw = copy.deepcopy(served.raw_schema)
    for (path, method, status), links in LINKS.items():
        raw["paths"][path][method]["responses"][status]["links"] = links
    schema = schemathesis.openapi.from_dict(raw, config=CONFIG)
    schema.app = app
    return schema


def aim(input: StepInput, seeded: Seeded) -> None:
    """A step that starts a sequence is aimed as the contract test aims its cases (seeded
    asset ids, cursors this API gave out, the live reference). A linked step keeps what the
    link gave it, and is a new request: it gets a new Idempotency-Key (a generated one is
    often one used before, refused with 422 for another request; the starting steps keep
    theirs, and with them the replays and 422s). A cursor the link did not give is one this
    API could have given out."""
    case = input.case
    if input.transition is None:
        steer(case, seeded)
        return
    if case.headers and "Idempotency-Key" in case.headers:
        case.headers["Idempotency-Key"] = f"linked-{case.id}"
    linked_cursor = (ParameterLocation.QUERY, "cursor") in input.applied_parameters
    if isinstance((case.query or {}).get("cursor"), str) and not linked_cursor:
        case.query = {**case.query, "cursor": encode_cursor(max(seeded.asset_ids))}


def link_name(transition_id: str) -> str:
    # schemathesis names a transition "<source> -> [<status>] <link> -> <target>".
    found = re.search(r" -> \[\w+\] (\w+) -> ", transition_id)
    assert found, transition_id
    return found.group(1)


def test_sequences_of_calls_conform_to_the_schema(seeded: Seeded) -> None:
    headers = {"Authorization": f"Bearer {seeded.token}"}
    followed: Counter[tuple[str, int]] = Counter()

    class Workflow(linked_schema().as_state_machine()):  # type: ignore[misc]
        def setup(self) -> None:
            self.trail: list[str] = []
            # Each sequence starts from the seeded rows, not from what earlier ones wrote:
            # hypothesis replays the start of earlier sequences while it generates, and a
            # replay that meets other rows (and so other answers) is an error to it. A
            # failing sequence is also then reproducible on its own.
            self.sequence = transaction.atomic()
            self.sequence.__enter__()

        def teardown(self) -> None:
            transaction.set_rollback(True)
            self.sequence.__exit__(None, None, None)

        def step(self, input: StepInput) -> StepOutput:
            aim(input, seeded)
            link = link_name(input.transition.id) if input.transition else None
            # A link is sometimes left unapplied, to generate the values instead.
            applied = link if input.is_applied else None
            self.label = link if applied else f"{link} (not applied)" if link else "start"
            try:
                output: StepOutput = super().step(input)
            except BaseException as exc:  # the checks raise a BaseExceptionGroup
                # schemathesis shows the last request only; the sequence led to it.
                exc.add_note("The sequence, from the seeded rows:\n" + "\n".join(self.trail))
                raise
            if applied is not None:
                followed[applied, output.response.status_code] += 1
            return output

        def after_call(self, response: Any, case: Any) -> None:
            super().after_call(response, case)
            request = response.request
            body = request.body or b""
            if isinstance(body, bytes):
                body = body.decode(errors="replace")
            call = f"{request.method} {request.url} {body} -> {response.status_code}"
            self.trail.append(f"{self.label}: {call}")

        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"headers": headers}

        def validate_response(
            self, response: Any, case: Any, additional_checks: Any = None, **kwargs: Any
        ) -> None:
            # As `headers=` to the checks too: otherwise ignored_auth takes the token for one
            # schemathesis generated and reports a 200 as authentication not enforced.
            case.validate_response(
                response,
                additional_checks=additional_checks,
                headers=headers,
                transport_kwargs=kwargs,
                recorder=self.recorder,
            )

    Workflow.run(
        settings=settings(
            max_examples=40,
            stateful_step_count=10,
            deadline=None,
            derandomize=True,
            # Shrinking, for the shortest failing sequence, is sound: each starts from the
            # seeded rows. No explain phase: it replays the sequence many more times.
            phases=[Phase.generate, Phase.shrink],
            suppress_health_check=list(HealthCheck),
        )
    )

    missing = {pair for pair in MUST_FOLLOW if not followed[pair]}
    assert not missing, f"never followed {missing}; followed {dict(followed)}"
