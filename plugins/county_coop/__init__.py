"""County credit cooperative: 见习 to 四级 with lending caps, rating, pay and risk money.

Sources: ⅩⅩ县农村信用社客户经理管理办法; XXX省农村信用社信贷客户经理管理暂行办法.
"""

from __future__ import annotations

from server.domain import PolicyCategory
from server.policy import hookimpl
from server.policy.types import PluginInfo, Tier

NAME = "county_coop"
VERSION = "1.0.0"

# 第一章: five levels; here 四级 is the best.
TIERS = (
    Tier(code="CC_TRAINEE", name="见习客户经理", rank=0, external_title="见习客户经理"),
    Tier(code="CC_1", name="一级客户经理", rank=1, external_title="一级客户经理"),
    Tier(code="CC_2", name="二级客户经理", rank=2, external_title="二级客户经理"),
    Tier(code="CC_3", name="三级客户经理", rank=3, external_title="三级客户经理"),
    Tier(code="CC_4", name="四级客户经理", rank=4, external_title="四级客户经理"),
)


@hookimpl
def policy_info() -> PluginInfo:
    return PluginInfo(
        name=NAME,
        version=VERSION,
        title="县农村信用社客户经理等级与贷款权限",
        sources=(
            "ⅩⅩ县农村信用社客户经理管理办法",
            "XXX省农村信用社信贷客户经理管理暂行办法",
        ),
        categories=frozenset(
            {
                PolicyCategory.GRADING,
                PolicyCategory.LENDING,
                PolicyCategory.PENALTY,
            }
        ),
    )


@hookimpl
def grading_tiers() -> tuple[Tier, ...]:
    return TIERS
