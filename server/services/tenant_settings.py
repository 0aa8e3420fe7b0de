"""Core parameters every tenant has, whatever its policies (core.md)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

APPEAL_DAYS_DEFAULT = 15  # core.md: 申诉/复议 within appeal_days after confirmation


@dataclass(frozen=True)
class TenantSettings:
    appeal_days: int = APPEAL_DAYS_DEFAULT
    """Days after an appraisal's confirmation within which the manager may appeal."""

    @classmethod
    def from_json(cls, stored: dict[str, Any]) -> TenantSettings:
        return cls(appeal_days=int(stored.get("appeal_days", APPEAL_DAYS_DEFAULT)))
