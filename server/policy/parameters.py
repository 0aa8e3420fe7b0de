"""Tenant parameters: a plugin declares them once; the core validates them against that.

A plugin declares its parameters as a frozen dataclass derived from
:class:`Parameters`, one field per parameter, its default the field's default
and its description, article and bounds the field's metadata (:func:`parameter`)::

    @dataclass(frozen=True)
    class GuangxiParameters(Parameters):
        cap_level_1: Decimal | None = field(
            default=Decimal("300000.00"),
            metadata=parameter(
                "Largest single loan of a level-1 manager (yuan); none = no cap",
                article="第十条",
                minimum=0,
            ),
        )

The field's type is the parameter's type: ``Decimal`` (DECIMAL), ``int``
(INTEGER), ``bool`` (BOOLEAN) or a ``StrEnum`` (CHOICE of its members); ``| None``
makes it nullable. From this one declaration come the :class:`ParameterSpec`
list (``PluginInfo.parameters``, what the ``policies`` query shows), the
validation of a tenant's values (:func:`resolve`) and the typed object every
hook receives as ``params``. Rules that join several parameters (weights that
must sum to 100, thresholds in order) are the declaration's
:meth:`Parameters.set_problems`: :func:`resolve` checks the set as a whole once
every value fits on its own, so a tenant's selection is refused before anything
is stored, each problem naming the parameters it joins. That object is also a read-only mapping from
parameter name to value: what the core stores with every result it shaped
(:func:`to_json`).
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import types
import typing
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol, Self, TypeVar, cast

from server.errors import FieldProblem
from server.policy.vocabulary import ParamType

ParamValue = Decimal | int | bool | str | None
Params = Mapping[str, ParamValue]
"""A plugin's parameters as the core passes them around: name → validated value."""

_DECLARED = "ruralcredit.parameter"
_PYTHON_TYPES: dict[ParamType, type] = {
    ParamType.DECIMAL: Decimal,
    ParamType.INTEGER: int,
    ParamType.BOOLEAN: bool,
}


@dataclass(frozen=True)
class ParameterSpec:
    """One tenant parameter a plugin reads.

    ``article`` names the source article the number stands for, or says that the
    source does not fix it (then ``default`` is the plugin's documented choice).
    ``minimum``/``maximum`` bound DECIMAL and INTEGER values (inclusive);
    ``choices`` lists the allowed CHOICE values. ``nullable`` admits ``None``
    (e.g. "no cap").
    """

    name: str
    type: ParamType
    default: ParamValue
    description: str
    article: str
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    choices: tuple[str, ...] = ()
    nullable: bool = False


@dataclass(frozen=True)
class ParameterSetProblem:
    """A rule joining several parameters that a set of values breaks.

    ``parameters`` names each parameter the rule joins (each gets the problem, as
    ``parameters.<name>``); ``code`` is the rule (e.g. ``WEIGHTS_SUM_TO_100``).
    """

    parameters: tuple[str, ...]
    code: str
    message: str


@dataclass(frozen=True)
class _Declared:
    """What :func:`parameter` records on a field, besides its default."""

    description: str
    article: str
    minimum: Decimal | None
    maximum: Decimal | None


def _bound(value: Decimal | int | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def parameter(
    description: str,
    *,
    article: str,
    minimum: Decimal | int | None = None,
    maximum: Decimal | int | None = None,
) -> Mapping[str, object]:
    """The metadata that makes a dataclass field a parameter: ``field(default=…, metadata=…)``.

    :param description: what the number means, for the people who set it.
    :param article: the source article it stands for, or that the source does
        not fix it.
    :param minimum: the lowest allowed DECIMAL or INTEGER value (inclusive).
    :param maximum: the highest allowed DECIMAL or INTEGER value (inclusive).
    """
    return {_DECLARED: _Declared(description, article, _bound(minimum), _bound(maximum))}


@dataclass(frozen=True)
class _Field:
    """One declared parameter: its spec, its default as the hooks see it, its choice type."""

    spec: ParameterSpec
    default: ParamValue
    choice: type[enum.StrEnum] | None


def _kind_of(owner: str, hint: Any) -> tuple[ParamType, bool, type[enum.StrEnum] | None]:
    """The parameter type, nullability and choice enumeration a field's annotation stands for."""
    nullable = False
    if typing.get_origin(hint) in (types.UnionType, typing.Union):
        others = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        if len(others) == 1:
            hint, nullable = others[0], True
    for kind, python_type in _PYTHON_TYPES.items():
        if hint is python_type:
            return kind, nullable, None
    if isinstance(hint, type) and issubclass(hint, enum.StrEnum):
        return ParamType.CHOICE, nullable, hint
    raise TypeError(
        f"{owner}: a parameter is a Decimal, int, bool or StrEnum (or one of them | None), "
        f"not {hint!r}"
    )


@functools.cache
def _fields(cls: type[Parameters]) -> tuple[_Field, ...]:
    """Every parameter ``cls`` declares, in declaration order; TypeError for a bad declaration."""
    hints = typing.get_type_hints(cls)
    found: list[_Field] = []
    for f in dataclasses.fields(cls):
        owner = f"{cls.__name__}.{f.name}"
        declared = f.metadata.get(_DECLARED)
        if not isinstance(declared, _Declared):
            raise TypeError(f"{owner} has no parameter(...) metadata")
        if f.default is dataclasses.MISSING:
            raise TypeError(f"{owner} has no default")
        if f.name.startswith("_") or hasattr(Parameters, f.name):
            raise TypeError(f"{owner}: the name is taken by the Parameters interface")
        kind, nullable, choice = _kind_of(owner, hints[f.name])
        default = cast(ParamValue, f.default)
        expected = choice or _PYTHON_TYPES[kind]
        if default is None and not nullable:
            raise TypeError(f"{owner}: a default of None needs the type to admit None")
        if default is not None and type(default) is not expected:
            raise TypeError(f"{owner}: the default {default!r} is not a {expected.__name__}")
        spec = ParameterSpec(
            name=f.name,
            type=kind,
            default=default.value if isinstance(default, enum.StrEnum) else default,
            description=declared.description,
            article=declared.article,
            minimum=declared.minimum,
            maximum=declared.maximum,
            choices=tuple(member.value for member in choice) if choice else (),
            nullable=nullable,
        )
        declared_field = _Field(spec, default, choice)
        if default is not None and _coerce(declared_field, spec.default)[1] is not None:
            raise TypeError(f"{owner}: the default {default!r} is outside its bounds")
        found.append(declared_field)
    return tuple(found)


@dataclass(frozen=True)
class Parameters(Mapping[str, ParamValue]):
    """A plugin's parameter declaration; with no fields, a plugin without parameters.

    Subclass it as a frozen dataclass whose fields carry :func:`parameter` metadata.
    An instance holds one tenant's validated values and reads as a mapping too.
    """

    def __getitem__(self, name: str) -> ParamValue:
        if name not in self.names():
            raise KeyError(name)
        value: ParamValue = getattr(self, name)
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __len__(self) -> int:
        return len(self.names())

    def set_problems(self) -> tuple[ParameterSetProblem, ...]:
        """What makes these values unusable together (rules joining several parameters).

        Override it when a rule joins parameters; each value already fits its own
        bounds when it is called. The default: no such rule.
        """
        return ()

    @classmethod
    def names(cls) -> tuple[str, ...]:
        """The declared parameter names, in declaration order."""
        return tuple(f.spec.name for f in _fields(cls))

    @classmethod
    def specs(cls) -> tuple[ParameterSpec, ...]:
        """The declared parameters as the ``policies`` query lists them."""
        return tuple(f.spec for f in _fields(cls))

    @classmethod
    def of(cls, values: Mapping[str, Any]) -> Self:
        """``values`` as this declaration (itself when it is one already), defaults filled in.

        Raises ``ValueError`` naming every value that does not fit.
        """
        if isinstance(values, cls):
            return values
        resolved, problems = _resolve(cls, values, cls.__name__, "parameters")
        if problems:
            # A rule joining several parameters is one problem per parameter: said once.
            raise ValueError("; ".join(dict.fromkeys(p.message for p in problems)))
        return resolved


class Declares(Protocol):
    """What parameters are validated against: a plugin's name and its declaration."""

    @property
    def name(self) -> str: ...

    @property
    def params(self) -> type[Parameters]: ...


def _coerce(declared: _Field, raw: Any) -> tuple[ParamValue, str | None]:
    spec = declared.spec
    if raw is None:
        return (None, None) if spec.nullable else (None, "may not be null")
    if spec.type == ParamType.BOOLEAN:
        return (raw, None) if isinstance(raw, bool) else (None, "must be true or false")
    if declared.choice is not None:
        if isinstance(raw, str) and raw in spec.choices:
            return declared.choice(raw), None
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


P = TypeVar("P", bound=Parameters)


def _resolve(
    cls: type[P], raw: Mapping[str, Any], owner: str, field: str
) -> tuple[P, list[FieldProblem]]:
    declared = {f.spec.name: f for f in _fields(cls)}
    problems: list[FieldProblem] = []
    values: dict[str, ParamValue] = {name: f.default for name, f in declared.items()}
    for name, given in raw.items():
        found = declared.get(name)
        if found is None:
            known = ", ".join(sorted(declared)) or "none"
            problems.append(
                FieldProblem(
                    f"{field}.{name}",
                    "UNKNOWN_PARAMETER",
                    f"{owner} has no parameter {name} (it has: {known})",
                )
            )
            continue
        value, message = _coerce(found, given)
        if message is not None:
            problems.append(FieldProblem(f"{field}.{name}", "PARAMETER_RANGE", f"{name} {message}"))
        else:
            values[name] = value
    resolved = cls(**values)
    if not problems:
        # The set as a whole, once every value fits on its own (a value replaced by its
        # default would make a rule joining it misleading).
        problems = [
            FieldProblem(f"{field}.{name}", found.code, found.message)
            for found in resolved.set_problems()
            for name in found.parameters
        ]
    return resolved, problems


def defaults(info: Declares) -> Parameters:
    """The plugin's parameters at their defaults."""
    return info.params()


def resolve(
    info: Declares, raw: Mapping[str, Any], field: str = "parameters"
) -> tuple[Parameters, list[FieldProblem]]:
    """Validate ``raw`` against the plugin's parameters; fill defaults for the rest.

    Each value is checked against its own declaration, then (when all fit) the set
    as a whole (:meth:`Parameters.set_problems`, one problem per parameter named).

    :return: the resolved parameters and the problems (empty when valid).
    """
    return _resolve(info.params, raw, info.name, field)


def to_json(params: Params) -> dict[str, Any]:
    """Parameters as stored with a result: decimals as strings, exactly."""
    return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in params.items()}
