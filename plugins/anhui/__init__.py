"""Anhui: five levels split into an assistant level and seven floating bands.

Sources: 农村商业银行客户经理等级管理办法(试行); 农商银行信贷客户经理管理规定 第一章.
"""

from __future__ import annotations

from server.domain import PolicyCategory
from server.policy import hookimpl
from server.policy.types import PluginInfo, Tier

NAME = "anhui"
VERSION = "1.0.0"

# 第四条–第五条: 助理 + 初级/中级/高级 two bands each + 资深.
TIERS = (
    Tier(code="AH_ASSISTANT", name="助理客户经理", rank=0, external_title="助理客户经理"),
    Tier(code="AH_JUNIOR_1", name="初级一档", rank=1, external_title="客户经理"),
    Tier(code="AH_JUNIOR_2", name="初级二档", rank=2, external_title="客户经理"),
    Tier(code="AH_MID_1", name="中级一档", rank=3, external_title="客户经理"),
    Tier(code="AH_MID_2", name="中级二档", rank=4, external_title="客户经理"),
    Tier(code="AH_SENIOR_1", name="高级一档", rank=5, external_title="高级客户经理"),
    Tier(code="AH_SENIOR_2", name="高级二档", rank=6, external_title="高级客户经理"),
    Tier(code="AH_PRINCIPAL", name="资深客户经理", rank=7, external_title="高级客户经理"),
)


@hookimpl
def policy_info() -> PluginInfo:
    return PluginInfo(
        name=NAME,
        version=VERSION,
        title="安徽农商银行客户经理等级管理",
        sources=(
            "农村商业银行客户经理等级管理办法(试行)",
            "农商银行信贷客户经理管理规定",
        ),
        categories=frozenset(
            {PolicyCategory.GRADING, PolicyCategory.LENDING, PolicyCategory.PENALTY}
        ),
    )


@hookimpl
def grading_tiers() -> tuple[Tier, ...]:
    return TIERS
