"""Limits before execution: what a document may ask before any resolver or SQL runs.

Depth, aliases and tokens are counted by Strawberry's own extensions at parsing and
validation. The cost is estimated here, once the document is valid and its variables
are known (``QueryCostLimiter.on_execute``, before it yields to execution): the
worst-case number of list items the operation can produce,

* a list field counts as many items as its page, times the items of every list
  around it — ``managers(first: 100) { edges { node { loans(first: 100) { edges …``
  is 100 + 100 × 100 = 10,100;
* a page is the field's ``first`` or ``last`` (the schema's default, else
  ``settings.default_page_size`` when absent or null), or the number of ``ids`` it is
  given (``nodes``); it sizes the field's own list
  (``webhookDeliveries``) or the list directly beneath it (a connection's ``edges``,
  an event page's ``events``);
* a list without ``first`` (``children``, ``tierHistory``, ``offices``…) counts as
  ``UNPAGED_LIST_SIZE`` items;
* only lists of objects count: a list of scalars or enums (a policy's ``sources``, a
  manager's ``flags``) is one value of its parent item, with no resolver per element;
* fragments are expanded where they are spread, each alias counts on its own, and
  introspection fields count nothing (the schema's size bounds them).

A document whose estimate exceeds the budget (``settings.max_query_nodes``) is
refused with the code ``QUERY_TOO_COSTLY``, naming the estimate and the budget.

Before validation, the same extension counts the fields a document holds with its
fragments expanded where they are spread: Strawberry's depth and alias limits expand
them at every spread, so twelve fragments each spreading the next twice cost them a
quarter of a second. A document that expands past the token limit — more fields than a
document could hold written out — is refused before they run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    get_named_type,
    get_nullable_type,
    get_operation_ast,
    is_composite_type,
    is_list_type,
)
from graphql.execution.values import VariableValues, get_argument_values, get_variable_values
from graphql.type.definition import GraphQLCompositeType
from strawberry.extensions import (
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    SchemaExtension,
)
from strawberry.types.execution import ExecutionContext

from server.settings import Settings

UNPAGED_LIST_SIZE = 20
"""The items a list without ``first`` is assumed to hold: its real length (a manager's
tier history, an office's sub-offices, an appraisal's items) is rarely larger, and
this is the default page size, so an unpaged list weighs as a default page does."""

QUERY_TOO_COSTLY = "QUERY_TOO_COSTLY"


def _declared(definition: GraphQLField) -> int:
    """How many items an unpaged list holds at most: what its field declares
    (``strawberry.field(metadata={MAX_ITEMS: n})``, e.g. one item per enumeration value),
    else ``UNPAGED_LIST_SIZE``."""
    field = definition.extensions.get("strawberry-definition")
    declared = getattr(field, "metadata", None) or {}
    size = declared.get(MAX_ITEMS)
    return size if isinstance(size, int) else UNPAGED_LIST_SIZE


#: The metadata key of a list field's bound (``_declared``).
MAX_ITEMS = "max_items"


@dataclass(frozen=True)
class QueryLimits:
    """What a document may ask before anything runs (the settings ``max_query_*``,
    ``introspection`` and the page sizes); over a limit, it is refused before execution."""

    max_depth: int = 15
    max_aliases: int = 30
    max_tokens: int = 5000
    max_nodes: int = 1_000
    default_page_size: int = 20
    introspection: bool = True

    @classmethod
    def from_settings(cls, settings: Settings) -> QueryLimits:
        return cls(
            max_depth=settings.max_query_depth,
            max_aliases=settings.max_query_aliases,
            max_tokens=settings.max_query_tokens,
            max_nodes=settings.max_query_nodes,
            default_page_size=settings.default_page_size,
            introspection=settings.introspection,
        )

    def extensions(self) -> list[Callable[[], SchemaExtension]]:
        """Factories, so that each operation gets extensions of its own."""
        limits: list[Callable[[], SchemaExtension]] = [
            partial(MaxTokensLimiter, max_token_count=self.max_tokens),
            partial(QueryDepthLimiter, max_depth=self.max_depth),
            partial(MaxAliasesLimiter, max_alias_count=self.max_aliases),
            partial(
                QueryCostLimiter,
                max_nodes=self.max_nodes,
                default_page_size=self.default_page_size,
                max_fields=self.max_tokens,
            ),
        ]
        if not self.introspection:
            limits.append(DisableIntrospection)
        return limits


class QueryCostLimiter(SchemaExtension):
    """Refuses, before validation, a document whose fragments expand past ``max_fields``;
    before execution, an operation that could produce more list items than the budget
    (see the module's docstring for how they are counted)."""

    def __init__(
        self,
        *,
        max_nodes: int,
        default_page_size: int,
        max_fields: int,
        execution_context: ExecutionContext | None = None,
    ) -> None:
        self.max_nodes = max_nodes
        self.default_page_size = default_page_size
        self.max_fields = max_fields
        if execution_context is not None:
            self.execution_context = execution_context

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None and context.pre_execution_errors is None:
            fields = expanded_fields(document)
            if fields > self.max_fields:
                # Errors set before validation stand in for its result: it does not run.
                context.pre_execution_errors = [
                    GraphQLError(
                        f"the document's fragments expand to {fields} fields, more than the "
                        f"{self.max_fields} a document may hold"
                    )
                ]
        yield

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        if context.graphql_document is not None:
            estimate = estimate_nodes(
                context.schema._schema,
                context.graphql_document,
                operation_name=context.operation_name,
                variables=context.variables or {},
                default_page_size=self.default_page_size,
            )
            if estimate > self.max_nodes:
                raise GraphQLError(
                    f"the query could return up to {estimate} list items, over the budget "
                    f"of {self.max_nodes}: ask for smaller pages (first) or fewer nested lists",
                    extensions={
                        "code": QUERY_TOO_COSTLY,
                        "estimate": estimate,
                        "budget": self.max_nodes,
                    },
                )
        yield


def estimate_nodes(
    schema: GraphQLSchema,
    document: DocumentNode,
    *,
    operation_name: str | None = None,
    variables: Mapping[str, Any] | None = None,
    default_page_size: int = 20,
) -> int:
    """The worst-case number of list items the operation can produce.

    0 when there is no such operation or its variables do not fit their types: execution
    then refuses it before any resolver runs.
    """
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return 0
    root = schema.get_root_type(operation.operation)
    if root is None:
        return 0
    coerced = get_variable_values(
        schema, operation.variable_definitions or (), dict(variables or {})
    )
    if not isinstance(coerced, VariableValues):
        return 0
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    return _Estimate(schema, fragments, coerced, default_page_size).items(
        root, operation.selection_set, None
    )


def expanded_fields(document: DocumentNode) -> int:
    """How many fields the document's operations select, each fragment counted wherever it
    is spread (and computed once; a fragment spreading itself counts nothing more)."""
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    counted: dict[str, int] = {}

    def count(selections: SelectionSetNode) -> int:
        total = 0
        for selection in selections.selections:
            if isinstance(selection, FieldNode):
                below = selection.selection_set
                total += 1 + (count(below) if below is not None else 0)
            elif isinstance(selection, InlineFragmentNode):
                total += count(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name not in counted and name in fragments:
                    counted[name] = 0
                    counted[name] = count(fragments[name].selection_set)
                total += counted.get(name, 0)
        return total

    return sum(
        count(d.selection_set)
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode)
    )


class _Estimate:
    """Items per parent item of a selection set: the cost is linear in the number of
    parents, so each fragment is counted once per page size above it, however often it
    is spread (a document cannot grow the work exponentially through fragments)."""

    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: VariableValues,
        default_page_size: int,
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.default_page_size = default_page_size
        self.fragment_items: dict[tuple[str, int | None], int] = {}

    def items(
        self, parent: GraphQLCompositeType, selections: SelectionSetNode, page: int | None
    ) -> int:
        """``page``: the page size a list directly in ``selections`` takes (set by a paged
        field that is not itself a list, as a connection is)."""
        total = 0
        for selection in selections.selections:
            if isinstance(selection, FieldNode):
                total += self._field(parent, selection, page)
            elif isinstance(selection, InlineFragmentNode):
                total += self.items(
                    self._condition(selection, parent), selection.selection_set, page
                )
            elif isinstance(selection, FragmentSpreadNode):
                total += self._spread(selection.name.value, parent, page)
        return total

    def _field(self, parent: GraphQLCompositeType, node: FieldNode, page: int | None) -> int:
        name = node.name.value
        fields: dict[str, GraphQLField] = getattr(parent, "fields", {})
        definition = fields.get(name)
        if name.startswith("__") or definition is None:
            return 0
        try:
            first = self._first(definition, node)
        except GraphQLError:
            return 0  # the argument cannot be coerced: the field fails, nothing beneath runs
        returns = get_nullable_type(definition.type)
        named = get_named_type(returns)
        below = node.selection_set
        if below is None or not is_composite_type(named):
            return 0  # a scalar, or a list of them: part of its parent's item
        inner = self.items(named, below, None if is_list_type(returns) else first)
        if not is_list_type(returns):
            return inner
        size = first if first is not None else page if page is not None else _declared(definition)
        return max(size, 0) * (1 + inner)

    def _first(self, definition: GraphQLField, node: FieldNode) -> int | None:
        """The field's page size if it takes ``first`` (or ``last``, paging backwards), the
        number of ids if it takes ``ids``, else ``None``."""
        if "ids" in definition.args:
            ids = get_argument_values(definition, node, self.variables).get("ids")
            return len(ids) if isinstance(ids, list) else None
        argument = definition.args.get("first")
        if argument is None:
            return None
        given = get_argument_values(definition, node, self.variables)
        sizes = [v for v in (given.get("first"), given.get("last")) if isinstance(v, int)]
        if sizes:
            return max(sizes)
        default = argument.default_value
        return default if isinstance(default, int) else self.default_page_size

    def _condition(
        self, node: InlineFragmentNode | FragmentDefinitionNode, parent: GraphQLCompositeType
    ) -> GraphQLCompositeType:
        if node.type_condition is None:
            return parent
        named = self.schema.get_type(node.type_condition.name.value)
        return named if is_composite_type(named) else parent

    def _spread(self, name: str, parent: GraphQLCompositeType, page: int | None) -> int:
        fragment = self.fragments.get(name)
        if fragment is None:
            return 0
        key = (name, page)
        if key not in self.fragment_items:
            self.fragment_items[key] = 0  # a cycle (refused by validation) counts nothing
            self.fragment_items[key] = self.items(
                self._condition(fragment, parent), fragment.selection_set, page
            )
        return self.fragment_items[key]
