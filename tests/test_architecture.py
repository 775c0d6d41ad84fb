"""The rules of docs/architecture.md that the import contract (`make lint`) cannot see: one
decider of permissions, one writer of `Asset.status`, no import hidden inside a function to
dodge the layering, one copy of each request helper.

These read the source, so they fail the moment someone adds a second way of doing one of these
things, with the file and line to look at."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

from newsroom.celery import app as celery_app

ROOT = Path(settings.BASE_DIR)
APPS = sorted(
    path.parent.name
    for path in ROOT.glob("*/apps.py")
    if path.parent.name not in {"tests", "bench", "examples", "clients"}
)
PROJECT_PACKAGES = [*APPS, "newsroom"]
ACCESS_LAYER = Path("review/access.py")
STATUS_WRITER = Path("review/transitions.py")


def _python_files() -> Iterator[tuple[Path, ast.Module]]:
    for package in PROJECT_PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if "migrations" in relative.parts:
                continue
            yield relative, ast.parse(path.read_text(), filename=str(relative))


def _parents(tree: ast.AST) -> dict[ast.AST, ast.AST]:
    return {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}


def test_the_project_has_the_apps_the_architecture_describes():
    assert set(APPS) == {
        "accounts",
        "audit",
        "review",
        "provenance",
        "consent",
        "labeling",
        "signoff",
        "workflow",
        "incidents",
        "integrations",
        "public",
    }
    architecture = (ROOT / "docs" / "architecture.md").read_text()
    for app in APPS:
        assert f"`{app}`" in architecture, f"docs/architecture.md does not place {app}"


def test_no_permission_is_checked_outside_the_access_layer():
    found = []
    for path, tree in _python_files():
        if path == ACCESS_LAYER:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in {"has_perm", "has_perms"}:
                found.append(f"{path}:{node.lineno}")
    assert found == [], "ask review.access instead of has_perm"


def test_no_template_reads_perms():
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sorted((ROOT / "templates").rglob("*.html"))
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if re.search(r"\bperms\.", line)
    ]
    assert found == [], "templates ask `can` (review.context_processors), not `perms`"


def _writes_asset_status(node: ast.AST) -> bool:
    # `<something naming an asset>.status = ...`, or `= AssetStatus.X` on any object.
    if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        for target in targets:
            if isinstance(target, ast.Attribute) and target.attr == "status":
                owner = ast.unparse(target.value).lower()
                value = ast.unparse(node.value) if node.value is not None else ""
                if "asset" in owner or owner == "locked" or "AssetStatus" in value:
                    return True
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        call = ast.unparse(node.func)
        keywords = {keyword.arg for keyword in node.keywords}
        if node.func.attr == "update" and "status" in keywords and "Asset." in call:
            return True
        if node.func.attr == "save" and "asset" in ast.unparse(node.func.value).lower():
            fields = next((k.value for k in node.keywords if k.arg == "update_fields"), None)
            if fields is not None and "'status'" in ast.unparse(fields):
                return True
    return False


def test_asset_status_has_one_writer():
    found = [
        f"{path}:{getattr(node, 'lineno', '?')}"
        for path, tree in _python_files()
        if path != STATUS_WRITER
        for node in ast.walk(tree)
        if _writes_asset_status(node)
    ]
    assert found == [], "change an asset's status with review.transitions.asset_transition"


def test_the_status_writer_check_would_see_a_write():
    """The check above is a heuristic; these are the shapes it must catch."""
    for source in (
        "asset.status = AssetStatus.PUBLISHED",
        "locked.status = to_state",
        "thing.status = AssetStatus.IN_REVIEW",
        "Asset.objects.filter(pk=1).update(status='published')",
        "asset.save(update_fields=['status', 'updated_at'])",
    ):
        assert any(_writes_asset_status(node) for node in ast.walk(ast.parse(source))), source
    assert not any(
        _writes_asset_status(node) for node in ast.walk(ast.parse("incident.status = 'decided'"))
    )


def _imported_package(node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.ImportFrom):
        return [node.module.split(".")[0]] if node.module and node.level == 0 else []
    return [alias.name.split(".")[0] for alias in node.names]


def test_no_function_hides_an_import_of_the_projects_own_code():
    """A deferred import hides a dependency from the reader, and is the usual way to dodge a
    cycle, between apps or inside one. AppConfig.ready() connecting receivers is the one Django
    idiom allowed. (Third-party imports may be deferred, for the weight of what they load.)"""
    found = []
    for path, tree in _python_files():
        parents = _parents(tree)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            function = parents.get(node)
            while function is not None and not isinstance(
                function, ast.FunctionDef | ast.AsyncFunctionDef
            ):
                function = parents.get(function)
            if function is None or function.name == "ready":
                continue
            ours = [p for p in _imported_package(node) if p in PROJECT_PACKAGES]
            if ours:
                found.append(f"{path}:{node.lineno} imports {', '.join(ours)}")
    assert found == []


@pytest.mark.parametrize(
    "pattern, home",
    [
        (r"^def _?wants_fragment\(", "review/http.py"),
        (r"^def _?client_ip\(", "review/http.py"),
        (r"^class HtmxHttpRequest\(", "review/http.py"),
        (r"^AnyUser = ", "accounts/roles.py"),
        (r"X-Accel-Redirect", "review/media.py"),
        # The one pool that reads files beside the caller's thread (provenance.services).
        (r"ThreadPoolExecutor\(", "provenance/services.py"),
        (r"\bmallopt\(", "newsroom/startup.py"),
    ],
)
def test_each_request_helper_is_defined_once(pattern, home):
    homes = sorted(
        str(path)
        for path, _ in _python_files()
        if re.search(pattern, (ROOT / path).read_text(), flags=re.MULTILINE)
    )
    assert homes == [home]


def test_htmx_requests_are_typed_not_fished_out_with_getattr():
    found = [
        f"{path}:{number}"
        for path, _ in _python_files()
        for number, line in enumerate((ROOT / path).read_text().splitlines(), start=1)
        if re.search(r"getattr\(request, [\"']htmx[\"']", line)
    ]
    assert found == []


def test_every_scheduled_and_renamed_task_is_registered_under_its_name():
    """Tasks keep their names when their module moves (the workflow layer took review's): a
    message already on a broker, or a beat entry, names the task, not the module."""
    # What a worker does when it starts: import every installed app's tasks module.
    celery_app.autodiscover_tasks(force=True)
    registered = set(celery_app.tasks)
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert scheduled <= registered
    assert {"review.tasks.asset_check", "review.tasks.sweep_stuck_checks"} <= registered
