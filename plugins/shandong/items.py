"""How Shandong writes an item score: rounded half-up to 2 decimals, explained, with inputs."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from server.policy import ItemScore, fmt, round_score


def item(
    key: str,
    name: str,
    article: str,
    max_points: Decimal | None,
    raw: Decimal,
    inputs: Mapping[str, str],
    explanation: str,
) -> ItemScore:
    """An item score, rounded half-up to 2 decimals (spec conventions)."""
    score = round_score(raw)
    return ItemScore(
        key=key,
        name=name,
        article=article,
        max_points=max_points,
        score=score,
        inputs=dict(inputs),
        explanation=f"{explanation} → {fmt(score)}",
    )
