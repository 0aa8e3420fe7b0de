"""Explanations in two languages: Chinese, the text people read, and English beside it.

Every result a policy explains (an item score, an appraisal outcome, a money line, a
lending cap) carries ``explanation`` in Chinese and ``explanation_en`` in English; a
plugin that gives only ``explanation`` still works (``explanation_en`` is then empty).
:class:`Explanation` lets a plugin build both texts side by side and join them::

    e = Explanation(f"学历 {education.label}", f"education {education.value}")
    e = e.then(Explanation(f"→ {points(score)}", f"→ {fmt(score)}"))
    ItemScore(..., explanation=e.zh, explanation_en=e.en)

Chinese texts use the terms of the source documents: item names as the source names
them, enumeration values by their ``label`` (:func:`zh`), points as ``3 分``
(:func:`points`), articles in the source's form (``第十一条``).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from server.policy.scoring import fmt


@dataclass(frozen=True)
class Explanation:
    """One explanation in Chinese (``zh``, what people read) and English (``en``)."""

    zh: str
    en: str

    def then(self, other: Explanation, zh_sep: str = " ", en_sep: str = " ") -> Explanation:
        """This explanation followed by ``other``, each language with its own separator."""
        return Explanation(f"{self.zh}{zh_sep}{other.zh}", f"{self.en}{en_sep}{other.en}")

    @staticmethod
    def join(parts: Iterable[Explanation], zh_sep: str = "；", en_sep: str = "; ") -> Explanation:
        """The parts one after the other (Chinese joined by ``；``, English by ``; ``)."""
        listed = list(parts)
        return Explanation(zh_sep.join(p.zh for p in listed), en_sep.join(p.en for p in listed))


def zh(value: enum.Enum | None, missing: str = "未登记") -> str:
    """The Chinese name of an enumeration value: its ``label`` (the source's word), else its
    value; ``missing`` for ``None``."""
    if value is None:
        return missing
    label = getattr(value, "label", "")
    return label if isinstance(label, str) and label else str(value.value)


def points(value: Decimal | int | None) -> str:
    """A score as a Chinese explanation writes it: ``3 分``, ``12.5 分``."""
    return f"{fmt(value)} 分"


def yuan(value: Decimal | int | None) -> str:
    """An amount of money in yuan as a Chinese explanation writes it: ``50000 元``."""
    return f"{fmt(value)} 元"


def percent(value: Decimal | None) -> str:
    """A ratio (0.8) as a Chinese explanation writes it: ``80%``."""
    if value is None:
        return fmt(None)
    return f"{fmt(value * 100)}%"
