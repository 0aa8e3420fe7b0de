"""The policy tests' fixtures."""

from __future__ import annotations

import pytest

from server.policy.registry import PolicyRegistry
from tests.policy.contract import IN_TREE


@pytest.fixture(scope="module")
def in_tree() -> PolicyRegistry:
    """A registry of exactly the four in-tree plugins."""
    return PolicyRegistry(IN_TREE.values())
