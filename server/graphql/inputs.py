"""Inputs: which of an input's optional fields the client gave, and text no column can hold.

``TextCheck`` refuses, before anything runs, an operation whose text carries a NUL
character (``\\x00``) — PostgreSQL can store none, in a text column or in JSON — wherever
it sits: a string literal in the document (any argument, any scalar, nested in input
objects or lists) or a string in the variables. The error is ``BAD_USER_INPUT`` naming
the path: ``input.name`` for a literal, ``$input.name`` for a variable. The length of a
string is bounded by the column it is written to, for every column at once, by
``server.db.column_bounds``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import (
    ArgumentNode,
    DocumentNode,
    Node,
    ObjectFieldNode,
    StringValueNode,
    Visitor,
    visit,
)
from strawberry import UNSET
from strawberry.extensions import SchemaExtension

from server.errors import BadQueryArgument

NUL = "\x00"


def given(obj: Any, names: list[str]) -> dict[str, Any]:
    """The named fields the client set on ``obj`` (``null`` included); none if ``obj`` is absent."""
    if obj is None or obj is UNSET:
        return {}
    return {n: getattr(obj, n) for n in names if getattr(obj, n) is not UNSET}


def nul_in_variables(value: Any, path: str) -> str | None:
    """The path of the first string holding NUL within a variable's value (keys included)."""
    if isinstance(value, str):
        return path if NUL in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            if NUL in str(key):
                return path
            found = nul_in_variables(item, f"{path}.{key}")
            if found:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = nul_in_variables(item, f"{path}[{index}]")
            if found:
                return found
    return None


class _NulLiterals(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.found: str | None = None

    def enter_string_value(
        self,
        node: StringValueNode,
        _key: Any,
        parent: Any,
        _path: Any,
        ancestors: list[Node | tuple[Node, ...]],
    ) -> Any:
        if NUL in node.value and self.found is None:
            names = [
                a.name.value
                for a in [*ancestors, parent]
                if isinstance(a, ArgumentNode | ObjectFieldNode)
            ]
            self.found = ".".join(names) or "query"
            return Visitor.BREAK
        return None


def nul_in_document(document: DocumentNode) -> str | None:
    """The argument path of the first string literal holding NUL, if any."""
    visitor = _NulLiterals()
    visit(document, visitor)
    return visitor.found


class TextCheck(SchemaExtension):
    """Refuse an operation whose text (literals or variables) holds a NUL character."""

    def on_execute(self) -> Iterator[None]:
        ec = self.execution_context
        found = None
        if ec.graphql_document is not None:
            found = nul_in_document(ec.graphql_document)
        for name, value in (ec.variables or {}).items():
            found = found or nul_in_variables(value, f"${name}")
        if found:
            raise BadQueryArgument(found, f"{found} must not contain a NUL character (\\x00)")
        yield
