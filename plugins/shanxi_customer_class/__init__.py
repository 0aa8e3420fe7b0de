"""Shanxi: support / maintain / restrict / exit classification of loan customers.

Source: 农商行贷款客户管理办法(试行) (忻州、运城、吕梁). The hooks only adapt the
core's calls; the rules live in :mod:`plugins.shanxi_customer_class.rules`.
"""

from __future__ import annotations

from decimal import Decimal

from plugins.shanxi_customer_class import rules
from server.domain import PolicyCategory
from server.policy import hookimpl
from server.policy.types import (
    Classification,
    CustomerFacts,
    LoanRequest,
    ParameterSpec,
    Params,
    ParamType,
    PluginInfo,
    Refusal,
)

NAME = "shanxi_customer_class"
VERSION = "1.0.0"

PARAMETERS = (
    ParameterSpec(
        name="bad_record_years",
        type=ParamType.INTEGER,
        default=2,
        description=(
            "Years before the classification date within which a bad credit record "
            "counts (以内: a record exactly this many years old still counts)"
        ),
        article="第十条 无不良信用记录 (look-back span not fixed by the source)",
        minimum=Decimal(0),
    ),
    ParameterSpec(
        name="restrict_overdue_days",
        type=ParamType.INTEGER,
        default=0,
        description="A customer with a loan overdue more than this many days now is 限制类",
        article="第九条 限制类 (not fixed by the source: it breaks off after 第十条)",
        minimum=Decimal(0),
    ),
    ParameterSpec(
        name="high_contribution_at",
        type=ParamType.INTEGER,
        default=60,
        description="Contribution score (0–100) at or above which the contribution is 大",
        article="第十条 对农商行综合贡献度大 (score not fixed by the source)",
        minimum=Decimal(0),
        maximum=Decimal(100),
    ),
)


@hookimpl
def policy_info() -> PluginInfo:
    return PluginInfo(
        name=NAME,
        version=VERSION,
        title="山西农商行贷款客户分类管理",
        sources=("农商行贷款客户管理办法(试行)",),
        categories=frozenset({PolicyCategory.CLASSIFICATION}),
        parameters=PARAMETERS,
    )


@hookimpl
def classify_customer(facts: CustomerFacts, params: Params) -> Classification:
    return rules.classify(facts, rules.Limits.from_params(params))


@hookimpl
def classification_credit_check(request: LoanRequest, params: Params) -> tuple[Refusal, ...]:
    # The class alone decides; no parameter shapes this check.
    return rules.credit_refusals(request)
