"""Plugins import nothing from the server but its plugin API: ``from server.policy import …``.

Each plugin module is parsed (never imported) and every import of ``server`` is
checked: only ``from server.policy import <a name of server.policy.__all__>`` is
allowed — not ``import server…``, not ``from server.policy.types import …``, not
``from server import policy``. The worked example in ``tests/plugins`` is held
to the same rule.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import plugins
import server.policy

PLUGIN_FILES = sorted(Path(plugins.__file__).parent.rglob("*.py"))
EXAMPLE = Path(__file__).parents[1] / "plugins" / "example_policy.py"
API = frozenset(server.policy.__all__)


def server_imports_outside_the_api(source: str) -> list[str]:
    """Every import of the server in ``source`` that is not a name of the plugin API."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [
                f"line {node.lineno}: import {alias.name}"
                for alias in node.names
                if alias.name == "server" or alias.name.startswith("server.")
            ]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module is not None:
            module = node.module
            if module != "server" and not module.startswith("server."):
                continue
            names = [alias.name for alias in node.names]
            if module != "server.policy" or not set(names) <= API:
                found.append(f"line {node.lineno}: from {module} import {', '.join(names)}")
    return found


@pytest.mark.parametrize(
    "path", [*PLUGIN_FILES, EXAMPLE], ids=lambda p: str(p.relative_to(p.parents[1]))
)
def test_plugin_imports_only_the_plugin_api(path: Path) -> None:
    assert server_imports_outside_the_api(path.read_text(encoding="utf-8")) == []


def test_every_in_tree_plugin_file_is_checked() -> None:
    packages = {path.parent.name for path in PLUGIN_FILES if path.name == "__init__.py"}
    assert {"shandong", "anhui", "county_coop", "shanxi_customer_class"} <= packages


@pytest.mark.parametrize(
    "source",
    [
        "import server",
        "import server.domain",
        "import server.policy",
        "from server import policy",
        "from server.domain import ManagerStatus",
        "from server.policy.types import Tier",
        "from server.policy.testing import manager_profile",
        "from server.policy import PolicyRegistry",
        "from server.policy import Tier, registry",
    ],
)
def test_the_check_refuses_any_other_server_import(source: str) -> None:
    assert len(server_imports_outside_the_api(source)) == 1


@pytest.mark.parametrize(
    "source",
    [
        "from server.policy import Tier, hookimpl",
        "from plugins.shandong.grades import TIERS",
        "from . import grades",
        "import datetime as dt",
        "from serverless import thing",
    ],
)
def test_the_check_allows_the_api_and_everything_else(source: str) -> None:
    assert server_imports_outside_the_api(source) == []
