"""Arithmetic every policy shares: exact decimals, half-up rounding, safe ratios."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal(0)
ONE = Decimal(1)


def round_score(value: Decimal) -> Decimal:
    """Item scores are rounded half-up to 2 decimals (spec: conventions)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def clamp(value: Decimal, low: Decimal | None = None, high: Decimal | None = None) -> Decimal:
    if low is not None and value < low:
        return low
    if high is not None and value > high:
        return high
    return value


def ratio(actual: Decimal, plan: Decimal) -> Decimal | None:
    """``actual / plan``, or ``None`` when the plan is 0 or less (counts as met)."""
    if plan <= ZERO:
        return None
    return actual / plan


def full_steps(amount: Decimal, step: Decimal) -> int:
    """How many whole ``step``s fit in ``amount`` (0 for a negative amount)."""
    if amount <= ZERO:
        return 0
    return int(amount // step)


def fmt(value: Decimal | int | None) -> str:
    """A value as it appears in explanations and stored inputs."""
    if value is None:
        return "none"
    if isinstance(value, int):
        return str(value)
    return format(value.normalize(), "f") if value == value.to_integral() else str(value)
