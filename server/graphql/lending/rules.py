"""A classification rule that decided a customer's class, typed (the stored ``rules`` JSON)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import strawberry


@strawberry.type(
    description="A rule that decided a customer's class: its id, the fact it read and that "
    "fact's value, the article."
)
class ClassRule:
    rule: str
    fact: str
    value: str
    article: str

    @classmethod
    def all_from_json(cls, stored: Any) -> list[ClassRule]:
        """The rules as the core stores them (``server.services.classification.rules_json``)."""
        if not isinstance(stored, list):
            return []
        return [
            cls(
                rule=str(r.get("rule", "")),
                fact=str(r.get("fact", "")),
                value=str(r.get("value", "")),
                article=str(r.get("article", "")),
            )
            for r in stored
            if isinstance(r, Mapping)
        ]
