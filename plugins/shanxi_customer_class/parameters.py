"""Shanxi's tenant parameters: the thresholds the source leaves open, declared once."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from server.policy import Parameters, parameter


@dataclass(frozen=True)
class ShanxiParameters(Parameters):
    """The look-back span of a bad record, the overdue days, the contribution line and the
    first credit of a 维持类 customer."""

    bad_record_years: int = field(
        default=2,
        metadata=parameter(
            "Years before the classification date within which a bad credit record "
            "counts (以内: a record exactly this many years old still counts)",
            article="第十条 无不良信用记录 (look-back span not fixed by the source)",
            minimum=0,
        ),
    )
    restrict_overdue_days: int = field(
        default=0,
        metadata=parameter(
            "A customer with a loan overdue more than this many days now is 限制类",
            article="第九条 限制类 (not fixed by the source: it breaks off after 第十条)",
            minimum=0,
        ),
    )
    high_contribution_at: int = field(
        default=60,
        metadata=parameter(
            "Contribution score (0–100) at or above which the contribution is 大",
            article="第十条 对农商行综合贡献度大 (score not fixed by the source)",
            minimum=0,
            maximum=100,
        ),
    )
    maintain_first_credit_limit: Decimal = field(
        default=Decimal("300000.00"),
        metadata=parameter(
            "Total outstanding (yuan) a 维持类 customer whose reference exposure is 0 (no "
            "credit yet, nor in the 12 months before the class was set) may reach",
            article="第九条 维持类 (first credit not fixed: the source breaks off after 第十条)",
            minimum=0,
        ),
    )
