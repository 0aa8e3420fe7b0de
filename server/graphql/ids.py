"""Ids across the wire: read from ``ID`` arguments, written into ``ID`` fields."""

from __future__ import annotations

import uuid

import strawberry

from server.errors import BadQueryArgument


def lookup_id(value: strawberry.ID) -> uuid.UUID | None:
    """The id argument of a lookup; a malformed id is simply not found."""
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def filter_id(value: object, field: str) -> uuid.UUID:
    """An id inside a list filter; a malformed one is a bad argument of ``field``."""
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise BadQueryArgument(field, f"{field} is not an id") from None


def optional_id(value: uuid.UUID | None) -> strawberry.ID | None:
    return None if value is None else strawberry.ID(str(value))


@strawberry.interface(
    description="An object with an id no object of another type has (Relay): fetch it again "
    "with node(id:)."
)
class Node:
    id: strawberry.ID
