"""Plugin parameters as a typed list beside their JSON form.

A plugin declares its parameters (any names, any of the declared types), so the
schema cannot name them as fields: the JSON object stays, and this list gives each
parameter as a name, its value as text and its declared type.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

import strawberry

from server.errors import UnknownPlugin
from server.policy.registry import PolicyRegistry

#: Why plugin parameters stay JSON: the sentence their fields' descriptions share.
WHY_JSON = (
    "JSON because each plugin declares its own parameters (names and types); "
    "the same values, typed, are in {typed}."
)


@strawberry.type(description="One plugin parameter: its name, its value as text, its type.")
class ParameterValue:
    name: str
    value: str | None = strawberry.field(
        description='Decimals exact ("0.15"), integers, true or false, a choice\'s value; '
        "null when the parameter is null (e.g. no cap)."
    )
    type: str | None = strawberry.field(
        description="DECIMAL, INTEGER, BOOLEAN or CHOICE, as the plugin declares it; null "
        "when the plugin is no longer installed or no longer declares it."
    )


def parameter_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def parameter_values(
    registry: PolicyRegistry, plugin: str | None, stored: Any
) -> list[ParameterValue]:
    """``stored`` (name → value, as stored with a result or a selection), by name."""
    types: dict[str, str] = {}
    if plugin is not None:
        with contextlib.suppress(UnknownPlugin):
            types = {p.name: p.type.value for p in registry.info(plugin).parameters}
    items = stored.items() if isinstance(stored, Mapping) else ()
    return [
        ParameterValue(name=str(name), value=parameter_text(value), type=types.get(str(name)))
        for name, value in sorted(items)
    ]
