"""How Shandong writes an item score: rounded half-up to 2 decimals, explained in Chinese and
English, with inputs."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from server.policy import Explanation, ItemScore, fmt, points, round_score


def item(
    key: str,
    name: str,
    article: str,
    max_points: Decimal | None,
    raw: Decimal,
    inputs: Mapping[str, str],
    explanation: Explanation,
) -> ItemScore:
    """An item score, rounded half-up to 2 decimals (spec conventions), explained in Chinese
    (``学历 本科及以上 → 3 分``) and in English (``education BACHELOR_OR_HIGHER → 3``)."""
    score = round_score(raw)
    return ItemScore(
        key=key,
        name=name,
        article=article,
        max_points=max_points,
        score=score,
        inputs=dict(inputs),
        explanation=f"{explanation.zh} → {points(score)}",
        explanation_en=f"{explanation.en} → {fmt(score)}",
    )
