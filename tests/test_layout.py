"""The shape of the code: imports run one way (no module imports one that imports it back,
not even inside a function or under ``TYPE_CHECKING``), each layer imports only the layers
below it, no module is long, and the tests are laid out as the code is."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"
MIGRATIONS = ROOT / "server" / "db" / "migrations"
MAX_LINES = 500
DATA_TABLES = {"server.demo.names", "server.demo.lending_tables"}
"""Modules that hold only data tables (names, loan-book tables): exempt from the length limit."""


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _sources() -> dict[str, Path]:
    paths = [*(ROOT / "server").rglob("*.py"), *(ROOT / "plugins").rglob("*.py")]
    return {_module_name(p): p for p in paths if MIGRATIONS not in p.parents}


def _imports() -> dict[str, set[str]]:
    """Every module of ``server`` and ``plugins``, and the modules of theirs it imports
    anywhere (a module importing a package's name counts as importing the package)."""
    modules = _sources()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets: set[str] = set()
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                base = package.rsplit(".", node.level - 1)[0] if node.level else ""
                source = ".".join(p for p in (base, node.module or "") if p)
                targets.add(source)
                targets.update(f"{source}.{a.name}" for a in node.names)
            elif isinstance(node, ast.Import):
                targets.update(a.name for a in node.names)
        graph[name] = {t for t in targets if t in modules and t != name}
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    done: set[str] = set()
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        if module in path:
            return [*path[path.index(module) :], module]
        if module in done:
            return None
        path.append(module)
        for target in sorted(graph[module]):
            found = visit(target)
            if found:
                return found
        path.pop()
        done.add(module)
        return None

    for module in sorted(graph):
        found = visit(module)
        if found:
            return found
    return None


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycle_in_server_or_plugins() -> None:
    graph = _imports()
    assert "server.graphql.context" in graph
    assert "plugins.shandong" in graph
    assert _cycle(graph) is None


def _layer(module: str) -> str:
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "server" else parts[0]


# Which layers a layer may not import: requests come in at the top (app, cli), GraphQL
# calls jobs and services, jobs call services, services call the outbox, the database's
# query functions and the policy API; policies and plugins see nothing of the server.
FORBIDDEN = {
    "server.services": {"server.graphql", "server.jobs", "server.app", "server.cli"},
    "server.jobs": {"server.graphql", "server.app", "server.cli"},
    "server.outbox": {"server.graphql", "server.jobs", "server.services", "server.app"},
    "server.db": {"server.graphql", "server.jobs", "server.services", "server.outbox"},
    "server.policy": {
        "server.graphql",
        "server.jobs",
        "server.services",
        "server.outbox",
        "server.db",
        "server.app",
        "plugins",
    },
    "plugins": {"server.graphql", "server.jobs", "server.services", "server.db", "server.app"},
}


def test_each_layer_imports_only_layers_below_it() -> None:
    wrong = sorted(
        f"{module} imports {target}"
        for module, targets in _imports().items()
        for target in targets
        if _layer(target) in FORBIDDEN.get(_layer(module), set())
    )
    assert wrong == []


@pytest.mark.parametrize(
    ("module", "target", "allowed"),
    [
        ("server.services.loans", "server.graphql.context", False),
        ("server.graphql.context", "server.services.loans", True),
        ("plugins.anhui.rules", "server.db.models", False),
    ],
)
def test_the_layer_rule_reads_both_ways(module: str, target: str, allowed: bool) -> None:
    assert (_layer(target) not in FORBIDDEN.get(_layer(module), set())) is allowed


def test_no_module_is_longer_than_the_limit() -> None:
    long = sorted(
        f"{name}: {len(path.read_text(encoding='utf-8').splitlines())} lines"
        for name, path in _sources().items()
        if name not in DATA_TABLES
        and len(path.read_text(encoding="utf-8").splitlines()) > MAX_LINES
    )
    assert long == []


def test_each_test_folder_is_named_after_the_code_it_tests() -> None:
    """``tests/graphql/lending`` tests ``server/graphql/lending``, ``tests/plugins`` the plugins."""
    folders = [
        p.relative_to(TESTS)
        for p in TESTS.rglob("*")
        if p.is_dir() and not any(part.startswith((".", "__")) for part in p.parts)
    ]
    assert folders
    unmatched = sorted(
        str(f) for f in folders if not ((ROOT / "server" / f).is_dir() or (ROOT / f).is_dir())
    )
    assert unmatched == []


KIND_NAMES = ("test_api", "test_mutations", "test_queries", "test_misc")
"""Names of a kind of test rather than of its subject (the old ``test_api_more.py``)."""


def test_no_test_module_is_named_after_a_kind_of_test() -> None:
    named = sorted(
        str(p.relative_to(TESTS))
        for p in TESTS.rglob("test_*.py")
        if p.stem in KIND_NAMES or p.stem.startswith("test_api_") or p.stem.endswith("_more")
    )
    assert named == []
