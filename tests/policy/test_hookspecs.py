"""The hook specifications document themselves, the plugin authors' guide shows each one with its
signature and holds the worked example as it runs, and every hook has a ``test_hook_<name>``
contract test (in the manner of datasette's plugin tests)."""

from __future__ import annotations

import ast
import inspect
import re

import pytest

from server.policy import PolicyCategory, hookspecs
from server.policy.hookspecs import HOOKS_BY_CATEGORY, OPTIONAL_HOOKS_BY_CATEGORY
from tests.policy.contract import BRIEF_HOOKS, HOOK_NAMES, HOOK_SPECS, SPEC_MARK, TESTS_DIR


def test_hookspecs_hold_every_known_hook() -> None:
    assert set(HOOK_NAMES) >= BRIEF_HOOKS, sorted(BRIEF_HOOKS - set(HOOK_NAMES))


@pytest.mark.parametrize("hook", HOOK_NAMES)
def test_spec_docstring_documents_parameters_return_and_firstresult(hook: str) -> None:
    spec = HOOK_SPECS[hook]
    doc = inspect.getdoc(spec) or ""
    parameters = list(inspect.signature(spec).parameters)
    assert re.findall(r"^:param (\w+):", doc, re.MULTILINE) == parameters
    assert re.search(r"^:return: \S", doc, re.MULTILINE), f"{hook} documents no :return:"
    assert "Stops at first non-None result." in doc
    assert getattr(spec, SPEC_MARK)["firstresult"] is True


GUIDE = TESTS_DIR.parent / "docs" / "plugin-authors.md"


def _signature(hook: str) -> str:
    """A hook's signature as the guide writes it: ``name(arg: Type, …) -> Return``."""
    signature = inspect.signature(HOOK_SPECS[hook])
    arguments = ", ".join(f"{name}: {p.annotation}" for name, p in signature.parameters.items())
    return f"{hook}({arguments}) -> {signature.return_annotation}"


@pytest.mark.parametrize("hook", HOOK_NAMES)
def test_guide_documents_the_hook_with_its_signature(hook: str) -> None:
    assert f"#### `{_signature(hook)}`" in GUIDE.read_text(encoding="utf-8")


def test_guide_holds_the_worked_example_as_it_runs() -> None:
    example = (TESTS_DIR / "plugins" / "example_policy.py").read_text(encoding="utf-8")
    assert f"```python\n{example}```" in GUIDE.read_text(encoding="utf-8")


def test_every_hook_has_a_contract_test() -> None:
    names: set[str] = set()
    for path in sorted(TESTS_DIR.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        names |= {
            node.name
            for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        }
    missing = [hook for hook in HOOK_NAMES if f"test_hook_{hook}" not in names]
    assert missing == [], f"hooks without a test_hook_<name> test: {missing}"


def test_hooks_by_category_cover_every_hook_but_policy_info_once() -> None:
    required = [hook for hooks in HOOKS_BY_CATEGORY.values() for hook in hooks]
    optional = [hook for hooks in OPTIONAL_HOOKS_BY_CATEGORY.values() for hook in hooks]
    listed = required + optional
    assert sorted(listed) == sorted(set(HOOK_NAMES) - {"policy_info"})
    assert len(listed) == len(set(listed)), "a hook is listed under two categories"
    categories = {category.value for category in PolicyCategory}
    assert set(HOOKS_BY_CATEGORY) == categories == set(OPTIONAL_HOOKS_BY_CATEGORY)
    assert tuple(required) == hookspecs.HOOKS_BY_CATEGORY_FLAT
    assert tuple(optional) == hookspecs.OPTIONAL_HOOKS_FLAT


@pytest.mark.parametrize("hook", hookspecs.OPTIONAL_HOOKS_FLAT)
def test_an_optional_hook_says_so_and_gives_its_default(hook: str) -> None:
    doc = inspect.getdoc(HOOK_SPECS[hook]) or ""
    assert "Optional:" in doc, f"{hook} does not say it is optional and what the default is"
