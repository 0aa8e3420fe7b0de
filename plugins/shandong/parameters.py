"""Shandong's tenant parameters: the numbers the source lost (第十一条), declared once.

The extraction of the source dropped most per-case deductions of 第十一条(三)
("每笔扣分") and the points per step of three bonuses of 第十一条(二); each is a
parameter with the documented default. The source sets no cap on B6.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from server.policy import Parameters, parameter

LOST = "the amount is lost in the source text (每笔扣分); not fixed by the source"


def own_deduction(item: str, article: str) -> Mapping[str, object]:
    """A work-quality item's own per-case deduction (default none = ``deduction_per_case``)."""
    return parameter(
        f"Per-case deduction for {item}; none = deduction_per_case",
        article=f"{article} ({LOST})",
        minimum=0,
        maximum=2,
    )


@dataclass(frozen=True)
class ShandongParameters(Parameters):
    """The tenant's numbers for what the source lost, and the optional B6 cap."""

    deduction_per_case: Decimal = field(
        default=Decimal("0.5"),
        metadata=parameter(
            "Points deducted per defective case (per kind in C2) in the work-quality items "
            "C1.1–C1.5, C2, C4, C5 and C6, unless the item's own deduction_<item> is set",
            article=f"第十一条(三) ({LOST})",
            minimum=0,
            maximum=2,
        ),
    )
    deduction_c1_1: Decimal | None = field(
        default=None, metadata=own_deduction("C1.1 贷款受理", "第十一条(三)1(1)")
    )
    deduction_c1_2: Decimal | None = field(
        default=None, metadata=own_deduction("C1.2 贷前调查", "第十一条(三)1(2)")
    )
    deduction_c1_3: Decimal | None = field(
        default=None, metadata=own_deduction("C1.3 贷款发放", "第十一条(三)1(3)")
    )
    deduction_c1_4: Decimal | None = field(
        default=None, metadata=own_deduction("C1.4 贷后检查", "第十一条(三)1(4)")
    )
    deduction_c1_5: Decimal | None = field(
        default=None, metadata=own_deduction("C1.5 贷款新规执行", "第十一条(三)1(5)")
    )
    deduction_c2: Decimal | None = field(
        default=None, metadata=own_deduction("C2 贷款风险五级分类管理", "第十一条(三)2")
    )
    deduction_c4: Decimal | None = field(
        default=None, metadata=own_deduction("C4 执行利率政策", "第十一条(三)4")
    )
    deduction_c5: Decimal | None = field(
        default=None, metadata=own_deduction("C5 信贷档案管理", "第十一条(三)5")
    )
    deduction_c6: Decimal | None = field(
        default=None, metadata=own_deduction("C6 客户信息管理", "第十一条(三)6")
    )
    deposit_bonus_per_step: Decimal = field(
        default=Decimal("0.5"),
        metadata=parameter(
            "B4 bonus points for each full 50,000 yuan by which the year's monthly-average "
            "deposit balance exceeds the annual plan (bonus at most 5)",
            article="第十一条(二)4 (points per 5万元 lost in the source; not fixed by the source)",
            minimum=0,
            maximum=5,
        ),
    )
    cash_bonus_per_step: Decimal = field(
        default=Decimal("0.1"),
        metadata=parameter(
            "B5.2 bonus points for each full 10,000 yuan of NPL cash recovered over plan "
            "(item at most 2)",
            article=(
                "第十一条(二)5(2) (points per 1万元 lost in the source; not fixed by the source)"
            ),
            minimum=0,
            maximum=1,
        ),
    )
    writeoff_bonus_per_step: Decimal = field(
        default=Decimal("0.1"),
        metadata=parameter(
            "B5.4 bonus points for each full 1,000 yuan of written-off / replaced loans "
            "recovered over plan (bonus at most 1)",
            article=(
                "第十一条(二)5(4) (points per 1000元 lost in the source; not fixed by the source)"
            ),
            minimum=0,
            maximum=1,
        ),
    )
    interest_cap: Decimal | None = field(
        default=None,
        metadata=parameter(
            "Highest score of B6 (20 × interest recovered / plan); none = no cap, "
            "the actual ratio as the source says",
            article="第十一条(二)6 (the source sets no cap: a cap is not fixed by the source)",
            minimum=20,
        ),
    )

    def deduction(self, item: str) -> Decimal:
        """The per-case deduction of a work-quality item (``c1_4``): its own, else the common."""
        own: Decimal | None = getattr(self, f"deduction_{item}", None)
        return self.deduction_per_case if own is None else own
