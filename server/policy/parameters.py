"""Validation of a tenant's parameters against what a plugin declares."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from types import MappingProxyType
from typing import Any

from server.errors import FieldProblem
from server.policy.types import ParameterSpec, Params, ParamType, ParamValue, PluginInfo


def defaults(info: PluginInfo) -> Params:
    """The plugin's parameters at their defaults."""
    return MappingProxyType({p.name: p.default for p in info.parameters})


def _coerce(spec: ParameterSpec, raw: Any) -> tuple[ParamValue, str | None]:
    if raw is None:
        return (None, None) if spec.nullable else (None, "may not be null")
    if spec.type == ParamType.BOOLEAN:
        return (raw, None) if isinstance(raw, bool) else (None, "must be true or false")
    if spec.type == ParamType.CHOICE:
        if isinstance(raw, str) and raw in spec.choices:
            return raw, None
        return None, f"must be one of {', '.join(spec.choices)}"
    if isinstance(raw, bool | float):
        return None, "must be a decimal string or an integer, not a JSON float or boolean"
    try:
        number = Decimal(str(raw).strip())
    except InvalidOperation:
        return None, "is not a number"
    if not number.is_finite():
        return None, "is not a number"
    if spec.type == ParamType.INTEGER:
        if number != number.to_integral_value():
            return None, "must be a whole number"
        value: ParamValue = int(number)
    else:
        value = number
    if spec.minimum is not None and number < spec.minimum:
        return None, f"must be at least {spec.minimum}"
    if spec.maximum is not None and number > spec.maximum:
        return None, f"must be at most {spec.maximum}"
    return value, None


def resolve(
    info: PluginInfo, raw: Mapping[str, Any], field: str = "parameters"
) -> tuple[Params, list[FieldProblem]]:
    """Validate ``raw`` against the plugin's parameters; fill defaults for the rest.

    :return: the resolved parameters and the problems (empty when valid).
    """
    specs = {p.name: p for p in info.parameters}
    problems: list[FieldProblem] = []
    values: dict[str, ParamValue] = {p.name: p.default for p in info.parameters}
    for name, given in raw.items():
        spec = specs.get(name)
        if spec is None:
            known = ", ".join(sorted(specs)) or "none"
            problems.append(
                FieldProblem(
                    f"{field}.{name}",
                    "UNKNOWN_PARAMETER",
                    f"{info.name} has no parameter {name} (it has: {known})",
                )
            )
            continue
        value, message = _coerce(spec, given)
        if message is not None:
            problems.append(FieldProblem(f"{field}.{name}", "PARAMETER_RANGE", f"{name} {message}"))
        else:
            values[name] = value
    return MappingProxyType(values), problems


def to_json(params: Params) -> dict[str, Any]:
    """Parameters as stored with a result: decimals as strings, exactly."""
    return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in params.items()}
