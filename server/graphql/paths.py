"""Domain field names → the input paths the client sent.

A service names the fields it reports in the domain's words: its own keyword
arguments and dataclass fields, snake_case, dotted for nesting, with list indices
(``contract_no``, ``facts.industry_policy``, ``findings[2].loan_id``). Each mutation
declares where those names sit among its arguments, ``@mutation(fields=input_paths(...))``:

- each dotted segment is camelCased, an index kept: ``findings[2].loanId``;
- ``input_paths("input")`` puts them inside the ``input`` argument: ``input.contractNo``;
- ``overrides`` spells a name the arguments call otherwise: ``{"appraisal_id": "id"}``;
- below a name in ``keys_of`` come the keys of a JSON object, kept as the client wrote
  them: ``parameters.rotation_years``;
- ``tenant`` (the caller's tenant, which comes with the token, not in an argument)
  stays ``tenant``.

A query's domain error is a GraphQL error rather than data; ``reported_as`` gives it
the same paths.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace

from server import errors
from server.graphql.errors import FieldPath

TENANT = "tenant"


def camel_case(name: str) -> str:
    """``credit_work_years`` → ``creditWorkYears`` (a name without ``_`` stays as it is)."""
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


class InputPaths:
    """Spells a domain field name as the input path the client sent."""

    def __init__(
        self,
        argument: str | None = None,
        overrides: Mapping[str, str] | None = None,
        keys_of: Collection[str] = (),
    ) -> None:
        self.argument = argument
        self.overrides = dict(overrides or {})
        self.keys_of = frozenset(keys_of)

    def __call__(self, name: str) -> str:
        if name in self.overrides:
            return self.overrides[name]
        if name == TENANT:
            return name
        for parent in self.keys_of:
            if name.startswith(f"{parent}."):
                return f"{self(parent)}{name[len(parent) :]}"
        path = ".".join(_camel_segment(segment) for segment in name.split("."))
        return path if self.argument is None else f"{self.argument}.{path}"


def _camel_segment(segment: str) -> str:
    name, bracket, index = segment.partition("[")
    return camel_case(name) + bracket + index


def input_paths(
    argument: str | None = None,
    *,
    overrides: Mapping[str, str] | None = None,
    keys_of: Collection[str] = (),
) -> InputPaths:
    """The paths of a mutation whose fields sit in ``argument`` (``None``: the arguments
    themselves), with the names it spells otherwise and the JSON objects it takes."""
    return InputPaths(argument, overrides, keys_of)


@contextmanager
def reported_as(path: FieldPath) -> Iterator[None]:
    """In a query resolver: a domain error raised inside (and each of its field problems)
    names the client's paths."""
    try:
        yield
    except errors.DomainError as error:
        if error.field is not None:
            error.field = path(error.field)
        if isinstance(error, errors.InvalidInput):
            error.problems = [replace(p, field=path(p.field)) for p in error.problems]
        raise
