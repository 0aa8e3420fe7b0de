"""Shandong: 100-point appraisal of credit customer managers, 一级/二级/三级.

Source: xx农村商业银行股份有限公司信贷客户经理管理办法(草案), under
《山东省农村合作金融机构客户经理管理暂行办法》, articles 6–17.
"""

from __future__ import annotations

from server.domain import PolicyCategory
from server.policy import hookimpl
from server.policy.types import PluginInfo, Tier

NAME = "shandong"
VERSION = "1.0.0"

# 第七条, 第九条: three tiers; here 一级 is the best.
TIERS = (
    Tier(code="SD_3", name="三级客户经理", rank=1, external_title="三级客户经理"),
    Tier(code="SD_2", name="二级客户经理", rank=2, external_title="二级客户经理"),
    Tier(code="SD_1", name="一级客户经理", rank=3, external_title="一级客户经理"),
)


@hookimpl
def policy_info() -> PluginInfo:
    return PluginInfo(
        name=NAME,
        version=VERSION,
        title="山东省农村合作金融机构信贷客户经理等级评定",
        sources=("xx农村商业银行股份有限公司信贷客户经理管理办法(草案)",),
        categories=frozenset({PolicyCategory.GRADING, PolicyCategory.PENALTY}),
    )


@hookimpl
def grading_tiers() -> tuple[Tier, ...]:
    return TIERS
