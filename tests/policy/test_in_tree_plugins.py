"""Each in-tree plugin declares, implements and documents what it serves, and is found through
its entry point."""

from __future__ import annotations

import importlib.metadata
import re
import types
from decimal import Decimal
from pathlib import Path

import pytest

from server.policy import ParameterSpec, ParamType, PolicyCategory, hookspecs, parse_period
from server.policy.hookspecs import HOOKS_BY_CATEGORY, OPTIONAL_HOOKS_BY_CATEGORY
from server.policy.parameters import resolve, to_json
from server.policy.registry import PolicyRegistry
from tests.policy.contract import EXPECTED_CATEGORIES, HOOK_NAMES, IMPL_MARK, IN_TREE


@pytest.mark.parametrize(("name", "categories"), sorted(EXPECTED_CATEGORIES.items()))
def test_in_tree_plugin_declares_its_categories(
    in_tree: PolicyRegistry, name: str, categories: frozenset[PolicyCategory]
) -> None:
    assert in_tree.info(name).categories == categories


def _readme_summary(module: types.ModuleType) -> str:
    """The first paragraph of the README's leading block quote (the status summary)."""
    assert module.__file__ is not None
    lines: list[str] = []
    readme = Path(module.__file__).with_name("README.md").read_text(encoding="utf-8")
    for line in readme.splitlines():
        if not line.startswith(">") or line.strip() == ">":
            break
        lines.append(line)
    return "\n".join(lines)


@pytest.mark.parametrize(("name", "categories"), sorted(EXPECTED_CATEGORIES.items()))
def test_in_tree_plugin_readme_names_its_categories(
    name: str, categories: frozenset[PolicyCategory]
) -> None:
    summary = _readme_summary(IN_TREE[name])
    named = set(re.findall(r"\b(GRADING|CLASSIFICATION|LENDING|PENALTY)\b", summary))
    assert named == {category.value for category in categories}


@pytest.mark.parametrize(("name", "categories"), sorted(EXPECTED_CATEGORIES.items()))
def test_in_tree_plugin_implements_the_hooks_of_its_categories_only(
    name: str, categories: frozenset[PolicyCategory]
) -> None:
    module = IN_TREE[name]
    implemented = {hook for hook in HOOK_NAMES if hasattr(getattr(module, hook, None), IMPL_MARK)}
    required = {"policy_info"} | {h for c in categories for h in HOOKS_BY_CATEGORY[c.value]}
    optional = {h for c in categories for h in OPTIONAL_HOOKS_BY_CATEGORY[c.value]}
    assert required <= implemented <= required | optional


PARAMETER_CASES = [
    pytest.param(name, spec, id=f"{name}.{spec.name}")
    for name, module in sorted(IN_TREE.items())
    for spec in module.policy_info().parameters
]


@pytest.mark.parametrize(("name", "spec"), PARAMETER_CASES)
def test_parameter_is_documented_and_its_default_within_bounds(
    name: str, spec: ParameterSpec
) -> None:
    assert re.fullmatch(r"[a-z][a-z0-9_]*", spec.name)
    assert spec.description.strip(), "no description"
    assert spec.article.strip(), "no article"
    if spec.minimum is not None and spec.maximum is not None:
        assert spec.minimum <= spec.maximum
    numeric = spec.type in (ParamType.DECIMAL, ParamType.INTEGER)
    if not numeric:
        assert spec.minimum is None and spec.maximum is None
    assert bool(spec.choices) == (spec.type == ParamType.CHOICE)
    default = spec.default
    if default is None:
        assert spec.nullable, "a default of None needs nullable=True"
    else:
        expected_type: dict[ParamType, type] = {
            ParamType.DECIMAL: Decimal,
            ParamType.INTEGER: int,
            ParamType.BOOLEAN: bool,
            ParamType.CHOICE: str,
        }
        assert type(default) is expected_type[spec.type]
        if isinstance(default, Decimal | int) and not isinstance(default, bool):
            assert spec.minimum is None or default >= spec.minimum
            assert spec.maximum is None or default <= spec.maximum
        if spec.type == ParamType.CHOICE:
            assert default in spec.choices
    # The validator accepts the default given explicitly, and as stored (JSON).
    info = IN_TREE[name].policy_info()
    for raw in (default, to_json({spec.name: default})[spec.name]):
        resolved, problems = resolve(info, {spec.name: raw})
        assert problems == []
        assert resolved[spec.name] == default


def test_entry_points_find_the_in_tree_plugins() -> None:
    declared = {
        ep.name: ep.value
        for ep in importlib.metadata.entry_points(group=hookspecs.ENTRY_POINT_GROUP)
    }
    assert {name: declared.get(name) for name in IN_TREE} == {
        name: module.__name__ for name, module in IN_TREE.items()
    }
    registry = PolicyRegistry()
    assert set(IN_TREE) <= set(registry.names())
    for name, module in IN_TREE.items():
        assert registry.info(name) == module.policy_info()


CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize("period", ["2025", "2025-Q3"])
@pytest.mark.parametrize(
    "name",
    sorted(n for n, served in EXPECTED_CATEGORIES.items() if PolicyCategory.GRADING in served),
)
def test_every_input_has_a_chinese_label(in_tree: PolicyRegistry, name: str, period: str) -> None:
    """A front-end builds the figures form from the labels (``appraisalInputs``); a plan is
    told from its actual by its label."""
    grading = in_tree.grading(name)
    params, _ = resolve(in_tree.info(name), {})
    specs = grading.indicators(parse_period(period), params)
    assert all(CHINESE.search(s.label) for s in specs), [s.key for s in specs if not s.label]
    labels = [(s.key, s.source, s.label) for s in specs]
    assert len({label for _, _, label in labels}) == len(labels), "two inputs share a label"
