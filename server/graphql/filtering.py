"""What every list filter does with its values: search patterns, tuples, search terms."""

from __future__ import annotations

from typing import Any


def like_pattern(text: str) -> str:
    """A case-insensitive ``LIKE`` pattern matching ``text`` anywhere (escape ``\\``)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def as_tuple(values: list[Any] | None) -> tuple[Any, ...] | None:
    """A list argument in hashable form, so that loaders can batch by filter."""
    return None if values is None else tuple(values)


def search_term(text: str | None) -> str | None:
    """The search text without surrounding blanks; blank is no search."""
    return text.strip() if text and text.strip() else None
