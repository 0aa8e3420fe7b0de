"""Partial inputs: which of an input's optional fields the client gave."""

from __future__ import annotations

from typing import Any

from strawberry import UNSET


def given(obj: Any, names: list[str]) -> dict[str, Any]:
    """The named fields the client set on ``obj`` (``null`` included); none if ``obj`` is absent."""
    if obj is None or obj is UNSET:
        return {}
    return {n: getattr(obj, n) for n in names if getattr(obj, n) is not UNSET}
