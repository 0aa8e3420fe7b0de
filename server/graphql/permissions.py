"""The permission table, checked before an operation runs.

Every root field a query or subscription selects (fragments on the root type
included) must be one the caller's roles may call (``server.permissions``);
otherwise the whole operation is refused with ``PERMISSION_DENIED`` naming the
fields, before any resolver or statement runs. A mutation field is checked by the
mutation boundary, which answers a refusal as the typed ``PermissionDeniedError``
(and records it); here a mutation is refused only for a field the table lacks.
Introspection's own root fields (``__schema``, ``__type``, ``__typename``) are
governed by the introspection setting instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    SelectionSetNode,
    get_operation_ast,
)
from strawberry.extensions import SchemaExtension

from server.errors import PermissionDenied
from server.permissions import allowed_roles, may_call, refusal
from server.principal import Principal


def root_fields(document: DocumentNode, operation_name: str | None) -> tuple[str, list[str]]:
    """The operation's type (``query``, ``mutation``, ``subscription``) and its root fields."""
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return "query", []
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    names = list(dict.fromkeys(_fields(operation.selection_set, fragments, set())))
    return operation.operation.value, names


def _fields(
    selections: SelectionSetNode,
    fragments: dict[str, FragmentDefinitionNode],
    seen: set[str],
) -> Iterator[str]:
    for node in selections.selections:
        if isinstance(node, FieldNode):
            if not node.name.value.startswith("__"):
                yield node.name.value
        elif isinstance(node, InlineFragmentNode):
            yield from _fields(node.selection_set, fragments, seen)
        elif isinstance(node, FragmentSpreadNode) and node.name.value not in seen:
            seen.add(node.name.value)
            fragment = fragments.get(node.name.value)
            if fragment is not None:
                yield from _fields(fragment.selection_set, fragments, seen)


def refused_fields(principal: Principal, kind: str, fields: list[str]) -> list[str]:
    return [f for f in fields if not may_call(principal.roles, kind, f)]


class PermissionCheck(SchemaExtension):
    """Refuse an operation that selects a root field the caller's roles may not call."""

    def on_execute(self) -> Iterator[None]:
        ec = self.execution_context
        principal: Any = getattr(ec.context, "principal", None)
        document = ec.graphql_document
        if document is not None:
            kind, fields = root_fields(document, ec.operation_name)
            if kind == "mutation":
                # Each mutation field answers a refusal as data (``server.graphql.mutation``);
                # here only a field the table does not list at all is refused.
                refused = [f for f in fields if not allowed_roles(kind, f)]
            else:
                refused = fields if principal is None else refused_fields(principal, kind, fields)
            if refused:
                raise PermissionDenied("; ".join(refusal(kind, f) for f in refused))
        yield


__all__ = ["PermissionCheck", "refused_fields", "root_fields"]
