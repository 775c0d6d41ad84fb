"""Audit events in words (audit.words): every action code the code base records has its own
phrase, so no event reaches the timeline or a consent PDF as a raw code."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template

from audit.models import AuditEvent
from audit.services import audit_record
from audit.words import EVENT_VARIANTS, EVENT_WORDS, STATUS_WORDS, event_words, status_words
from consent.models import ConsentMethod, LapseKind
from incidents.models import IncidentStatus
from review.access import ACTIONS
from review.models import AssetStatus

ROOT = Path(settings.BASE_DIR)
# The project's own code: every app, and the benchmark's fixtures, which write events too.
PACKAGES = sorted(
    path.parent.name
    for path in ROOT.glob("*/__init__.py")
    if path.parent.name not in {"tests", "examples", "clients"}
)

# Codes built at run time, by the f-string that builds them (as ast.unparse prints it), and every
# code each one can produce. A new f-string fails test_every_action_code_is_found until it is
# listed here.
BUILT_CODES: dict[str, list[str]] = {
    "f'consent.{kind}'": [f"consent.{kind}" for kind in LapseKind.values],
    "f'asset.{action.value}'": [
        f"asset.{action.value}" for action, spec in ACTIONS.items() if spec.to_state is not None
    ],
}


@dataclass(frozen=True)
class Writer:
    """A function that records an audit event with the code passed in one of its arguments."""

    param: str
    position: int | None  # where it may be passed positionally, or None: keyword only
    home: Path | None  # for a private function, the only module that can call it


@dataclass(frozen=True)
class Found:
    where: str
    code: str


@cache
def _modules() -> list[tuple[Path, ast.Module]]:
    modules = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if "migrations" not in relative.parts:
                modules.append((relative, ast.parse(path.read_text(), filename=str(relative))))
    return modules


def _called(node: ast.Call) -> str:
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return node.func.id if isinstance(node.func, ast.Name) else ""


def _argument(node: ast.Call, writer: Writer) -> ast.expr | None:
    for keyword in node.keywords:
        if keyword.arg == writer.param:
            return keyword.value
    if writer.position is not None and len(node.args) > writer.position:
        return node.args[writer.position]
    return None


Function = ast.FunctionDef | ast.AsyncFunctionDef


Call = tuple[Path, Function | None, ast.Call]  # where, the innermost function around it, the call


def _calls(modules: list[tuple[Path, ast.Module]]) -> list[Call]:
    """Every call in the modules, read once: the search for writers goes over them repeatedly."""
    found: list[Call] = []
    for path, tree in modules:
        stack: list[tuple[ast.AST, Function | None]] = [(tree, None)]
        while stack:
            node, function = stack.pop()
            if isinstance(node, ast.Call):
                found.append((path, function, node))
            inner = node if isinstance(node, Function) else function
            stack.extend((child, inner) for child in ast.iter_child_nodes(node))
    return found


def _writer_calls(
    calls: list[Call], writers: dict[str, Writer]
) -> Iterator[tuple[Path, Function | None, ast.Call, Writer]]:
    for path, function, node in calls:
        writer = writers.get(_called(node))
        if writer is not None and (writer.home is None or writer.home == path):
            yield path, function, node, writer


def _passes_through(
    function: ast.FunctionDef | ast.AsyncFunctionDef | None, value: ast.expr
) -> str:
    """The parameter's name when `value` is one of the enclosing function's parameters."""
    if function is None or not isinstance(value, ast.Name):
        return ""
    arguments = function.args
    names = [a.arg for a in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]]
    return value.id if value.id in names else ""


def _writers(calls: list[Call]) -> dict[str, Writer]:
    """audit_record, and every function that passes one of its own arguments on as the code
    (asset_transition's `event`, two-factor's `_audit`), found until no new one turns up."""
    writers = {"audit_record": Writer("action", None, None)}
    while True:
        before = len(writers)
        for path, function, node, writer in _writer_calls(calls, writers):
            value = _argument(node, writer)
            param = _passes_through(function, value) if value is not None else ""
            if not param or function is None or function.name in writers:
                continue
            positional = [a.arg for a in [*function.args.posonlyargs, *function.args.args]]
            writers[function.name] = Writer(
                param,
                positional.index(param) if param in positional else None,
                path if function.name.startswith("_") else None,
            )
        if len(writers) == before:
            return writers


def _codes(value: ast.expr) -> list[str] | None:
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        return [value.value]
    if isinstance(value, ast.IfExp):
        body, orelse = _codes(value.body), _codes(value.orelse)
        return body + orelse if body is not None and orelse is not None else None
    if isinstance(value, ast.JoinedStr):
        return BUILT_CODES.get(ast.unparse(value))
    return None


def _recorded_codes(
    modules: list[tuple[Path, ast.Module]] | None = None,
) -> tuple[list[Found], list[str]]:
    """Every code the code base records, where; and the calls whose code could not be read."""
    calls = _calls(_modules() if modules is None else modules)
    writers = _writers(calls)
    found: list[Found] = []
    unreadable: list[str] = []
    for path, function, node, writer in _writer_calls(calls, writers):
        where = f"{path}:{node.lineno}"
        value = _argument(node, writer)
        if value is None:
            unreadable.append(f"{where}: no {writer.param}")
            continue
        if _passes_through(function, value):
            continue  # a writer itself: its callers' codes are read
        codes = _codes(value)
        if codes is None:
            unreadable.append(f"{where}: {ast.unparse(value)}")
            continue
        found += [Found(where, code) for code in codes]
    return found, unreadable


def test_every_action_code_is_found():
    found, unreadable = _recorded_codes()
    assert unreadable == [], (
        "These audit codes are built in a way this test cannot read: write a literal, or list "
        f"the f-string and what it builds in BUILT_CODES: {unreadable}"
    )
    codes = {f.code for f in found}
    # The scan does see every kind of writer: literal, pass-through, keyword and positional.
    assert {"consent.recorded", "asset.check_started", "account.two_factor_failed"} <= codes
    assert {"asset.approve", "consent.revoked", "label_term.deactivated"} <= codes


def test_every_action_code_the_code_base_records_has_its_own_words():
    found, _ = _recorded_codes()
    missing = sorted({f"{f.code} ({f.where})" for f in found if f.code not in EVENT_WORDS})
    assert missing == [], f"Add these to audit.words.EVENT_WORDS: {missing}"


def test_no_phrase_is_left_over_for_a_code_nothing_records():
    # Old codes stay readable through the fallback; a stale phrase would only hide a typo.
    codes = {f.code for f in _recorded_codes()[0]}
    assert sorted(set(EVENT_WORDS) - codes) == []


def test_the_scan_would_see_a_new_code_and_an_unreadable_one():
    source = (
        "from audit.services import audit_record\n"
        "from review.transitions import asset_transition\n"
        "def thing_done(*, actor, obj, kind):\n"
        "    audit_record(actor=actor, action='thing.done', obj=obj)\n"
        "    asset_transition(asset=obj, to_state='x', from_states=[], actor=actor,\n"
        "                     event='thing.moved')\n"
        "    audit_record(actor=actor, action=f'thing.{kind}', obj=obj)\n"
    )
    extra = (Path("review/extra.py"), ast.parse(source))
    found, unreadable = _recorded_codes([*_modules(), extra])  # a copy: the cache stays as it is
    assert Found("review/extra.py:4", "thing.done") in found
    assert Found("review/extra.py:5", "thing.moved") in found
    assert unreadable == ["review/extra.py:7: f'thing.{kind}'"]


def test_status_words_are_the_statuses_labels():
    for choices in (AssetStatus, IncidentStatus):
        for value, label in choices.choices:
            assert STATUS_WORDS[value] == label
    assert set(STATUS_WORDS) == {*AssetStatus.values, *IncidentStatus.values}


def test_every_consent_method_has_its_words():
    key, variants = EVENT_VARIANTS["consent.recorded"]
    assert key == "method"
    assert set(variants) == set(ConsentMethod.values)
    assert event_words("consent.recorded", details={"method": "signed_in_person"}) == (
        "Consent recorded in person"
    )
    assert event_words("consent.recorded", details={"method": "smoke signals"}) == (
        "Consent recorded"
    )


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("person.created",), "Person added"),
        (("asset.check_started", "received", "checking"), "Checks started (Received → Checking)"),
        (("asset.received", "", "received"), "Media received (status: Received)"),
        (("asset.published_by_cms", "published", "published"), "Published, as reported by the CMS"),
        # Unknown codes read as words as well as can be guessed.
        (("asset.sent_to_print",), "Sent to print"),
        (("legacy",), "Legacy"),
        (("",), "Event"),
        (("asset.weird", "in_review", "on_hold"), "Weird (In review → On hold)"),
    ],
)
def test_event_words(args, words):
    assert event_words(*args) == words


def test_status_words_for_nothing_is_nothing():
    assert status_words("") == "" and status_words("in_review") == "In review"


@pytest.mark.django_db
def test_template_filter_reads_an_event_and_a_bare_code(asset, editor):
    audit_record(
        actor=editor, action="asset.approve", obj=asset, from_state="in_review", to_state="approved"
    )
    audit_record(actor=None, action="consent.recorded", obj=asset, details={"method": "verbal"})
    events = list(
        AuditEvent.objects.for_object(asset).filter(
            action__in=["asset.approve", "consent.recorded"]
        )
    )
    template = Template(
        "{% load audit_words %}{% for e in events %}{{ e|event_words }}|{% endfor %}"
        "{% for e in events %}{{ e|event_title }}|{% endfor %}"
        "{{ code|event_words }}|{{ state|status_words }}"
    )
    html = template.render(
        Context({"events": events, "code": "label.set", "state": "changes_requested"})
    )
    assert html == (
        "Approved (In review → Approved)|Verbal consent recorded|"
        "Approved|Verbal consent recorded|Label set|Changes requested"
    )
