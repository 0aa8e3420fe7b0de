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
(:func:`points`), articles in the source's form (``第十一条``). A plugin's tests check
every explanation of an outcome with :func:`untranslated`.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from server.policy.scoring import fmt

if TYPE_CHECKING:
    from server.policy.types import AppraisalOutcome


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
    return f"{format((value * 100).normalize(), 'f')}%"


CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
"""A Chinese character (CJK unified ideographs)."""
CJK_PUNCTUATION = re.compile("[，。；：！？（）]")
"""Chinese sentence punctuation, the mark of a Chinese sentence (not 、 or 《》, which
names and titles quoted in English keep)."""


def bilingual_problem(chinese: str, english: str) -> str | None:
    """Why a pair of texts is not a Chinese explanation with its English beside it, or
    ``None``. The Chinese has Chinese characters; the English is not empty, has no Chinese
    punctuation and fewer Chinese characters than the Chinese (it may quote a term or an
    article, 第十一条, or be a bare formula, but it is not a Chinese sentence)."""
    if not chinese.strip() or not CJK.search(chinese):
        return f"not Chinese: {chinese!r}"
    if not english.strip():
        return f"no English beside: {chinese!r}"
    if CJK_PUNCTUATION.search(english):
        return f"Chinese punctuation in the English: {english!r}"
    if len(CJK.findall(english)) >= len(CJK.findall(chinese)):
        return f"the English is not less Chinese than the Chinese: {english!r} / {chinese!r}"
    return None


def untranslated(outcome: AppraisalOutcome) -> list[str]:
    """Every explanation of an appraisal outcome (the outcome's, each item's, each money
    line's) that is not Chinese with English beside it, by where it is; empty when all are.
    For a plugin's tests: ``assert untranslated(outcome) == []``."""
    texts = [("outcome", outcome.explanation, outcome.explanation_en)]
    texts += [(f"item {i.key}", i.explanation, i.explanation_en) for i in outcome.items]
    texts += [(f"pay {m.key}", m.explanation, m.explanation_en) for m in outcome.pay]
    found = []
    for where, chinese, english in texts:
        problem = bilingual_problem(chinese, english)
        if problem is not None:
            found.append(f"{where}: {problem}")
    return found
