"""The ``…Label`` fields of the entity types: the Chinese name of a coded column.

``server.graphql.nodes`` sets each on its type in one line (``kind_label = label_of("kind")``);
the field reads the stored row (``root._row``) and its code's ``label``.
"""

from __future__ import annotations

from typing import Any

import strawberry


def label_of(column: str) -> Any:
    """A ``String!`` field: the label of the row's code in ``column``."""

    def label(root: Any) -> str:
        return str(getattr(root._row, column).label)

    return strawberry.field(resolver=label)


def optional_label_of(column: str) -> Any:
    """A ``String`` field: the label of the row's code in ``column``, null without a code."""

    def label(root: Any) -> str | None:
        code = getattr(root._row, column)
        return None if code is None else str(code.label)

    return strawberry.field(resolver=label)
