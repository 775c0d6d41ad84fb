"""The client cannot drift from the API: every operation it calls and every field it reads or
sends is checked against docs/openapi.json, the schema the server is itself held to (Proofdesk's
tests/integrations/test_api_schema.py compares that file with what the app serves).

Checked: each operation's path, method and operationId; the query and header parameters the
client sends (the names, where they go, and that no required one is left out); the request
body's schema; the success status and its schema; and for every model, that its fields are
exactly the schema's properties, each nullable exactly when the schema allows null, of the
same JSON type, and nested models where the schema has `$ref`s.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from datetime import datetime
from typing import Any

import pytest
from proofdesk_client import models, operations
from proofdesk_client.operations import Operation
from proofdesk_fakes import OPENAPI_PATH

SCHEMA: dict[str, Any] = json.loads(OPENAPI_PATH.read_text())
COMPONENTS: dict[str, Any] = SCHEMA["components"]["schemas"]
REF = "#/components/schemas/"


def _ref_name(node: dict[str, Any]) -> str | None:
    ref = node.get("$ref")
    return ref.removeprefix(REF) if isinstance(ref, str) else None


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    name = _ref_name(node)
    return COMPONENTS[name] if name else node


@pytest.mark.parametrize("op", operations.ALL, ids=lambda op: op.operation_id)
def test_the_operation_exists_with_that_method_and_id(op: Operation) -> None:
    assert op.path in SCHEMA["paths"], f"{op.path} is not in docs/openapi.json"
    described = SCHEMA["paths"][op.path]
    assert op.method.lower() in described, f"{op.method} {op.path} is not in the schema"
    assert described[op.method.lower()]["operationId"] == op.operation_id


def _operation(op: Operation) -> dict[str, Any]:
    found: dict[str, Any] = SCHEMA["paths"][op.path][op.method.lower()]
    return found


@pytest.mark.parametrize("op", operations.ALL, ids=lambda op: op.operation_id)
def test_the_parameters_the_client_sends_are_the_schemas(op: Operation) -> None:
    parameters = _operation(op).get("parameters", [])
    by_place: dict[str, set[str]] = {}
    required: set[tuple[str, str]] = set()
    for parameter in parameters:
        by_place.setdefault(parameter["in"], set()).add(parameter["name"])
        if parameter.get("required"):
            required.add((parameter["in"], parameter["name"]))
    path_names = {part[1:-1] for part in op.path.split("/") if part.startswith("{")}
    assert by_place.get("path", set()) == path_names
    assert set(op.query) == by_place.get("query", set())
    assert set(op.headers) == by_place.get("header", set())
    sent = {("query", n) for n in op.query} | {("header", n) for n in op.headers}
    sent |= {("path", n) for n in path_names}
    assert required <= sent, f"{op.operation_id} leaves out {required - sent}"


@pytest.mark.parametrize("op", operations.ALL, ids=lambda op: op.operation_id)
def test_the_bodies_are_the_schemas(op: Operation) -> None:
    described = _operation(op)
    body = described.get("requestBody")
    if op.body is None:
        assert body is None
    else:
        assert body is not None and body.get("required") is True
        schema = body["content"]["application/json"]["schema"]
        assert _ref_name(schema) == op.body.SCHEMA
    responses = described["responses"]
    assert str(op.status) in responses, f"{op.operation_id} never answers {op.status}"
    if op.response is not None:
        content = responses[str(op.status)]["content"]["application/json"]
        assert _ref_name(content["schema"]) == op.response.SCHEMA
    for status, response in responses.items():
        if int(status) >= 400:
            # Every refusal is problem+json with the Problem schema the errors module reads.
            problem = response["content"]["application/problem+json"]["schema"]
            assert _ref_name(problem) == "Problem"


def _nullable(hint: Any) -> tuple[bool, Any]:
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        options = [o for o in typing.get_args(hint) if o is not type(None)]
        assert len(options) == 1, hint
        return type(None) in typing.get_args(hint), options[0]
    return False, hint


def _schema_nullable(node: dict[str, Any]) -> tuple[bool, dict[str, Any]]:
    options = node.get("anyOf")
    if options is None:
        return False, node
    kept = [o for o in options if o.get("type") != "null"]
    assert len(kept) == 1, node
    return len(kept) < len(options), kept[0]


def _check_type(where: str, hint: Any, node: dict[str, Any]) -> None:
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        expected = getattr(hint, "SCHEMA")  # noqa: B009  (every model declares it)
        assert _ref_name(node) == expected, f"{where}: {node} is not {expected}"
        return
    target = _resolve(node)
    origin = typing.get_origin(hint)
    if origin is list:
        assert target.get("type") == "array", where
        (item,) = typing.get_args(hint)
        _check_type(f"{where}[]", item, target["items"])
    elif origin is dict:
        assert target.get("type") == "object", where
    elif origin is typing.Literal:
        assert target.get("type") == "string", where
        assert set(typing.get_args(hint)) == set(target.get("enum", [])), where
    elif hint is datetime:
        assert (target.get("type"), target.get("format")) == ("string", "date-time"), where
    elif hint is bool:
        assert target.get("type") == "boolean", where
    elif hint is int:
        assert target.get("type") == "integer", where
    elif hint is str:
        assert target.get("type") == "string", where
    else:
        raise AssertionError(f"{where}: no check for {hint!r}")


@pytest.mark.parametrize("cls", models.SCHEMA_CLASSES, ids=lambda cls: cls.__name__)
def test_the_models_fields_are_the_schemas_properties(cls: type[Any]) -> None:
    schema = COMPONENTS[cls.SCHEMA]
    properties: dict[str, Any] = schema["properties"]
    fields = models.field_types(cls)
    assert list(fields) == list(properties), f"{cls.__name__} vs {cls.SCHEMA}"
    for name, hint in fields.items():
        where = f"{cls.SCHEMA}.{name}"
        nullable, inner = _nullable(hint)
        schema_nullable, node = _schema_nullable(properties[name])
        assert nullable == schema_nullable, f"{where}: nullable {schema_nullable} in the schema"
        _check_type(where, inner, node)


def test_every_schema_a_client_operation_answers_is_modelled() -> None:
    """A new nested object in an answer needs a model here before the client reads it."""
    modelled = {cls.SCHEMA for cls in models.SCHEMA_CLASSES}
    seen: set[str] = set()

    def walk(name: str) -> None:
        if name in seen:
            return
        seen.add(name)
        for node in json.loads(json.dumps(COMPONENTS[name])).get("properties", {}).values():
            for candidate in [node, node.get("items", {}), *node.get("anyOf", [])]:
                ref = _ref_name(candidate) or _ref_name(candidate.get("items", {}))
                if ref and COMPONENTS[ref].get("type") == "object":
                    walk(ref)

    for op in operations.ALL:
        if op.response is not None:
            walk(op.response.SCHEMA)
    assert seen <= modelled, f"not modelled: {seen - modelled}"
