"""Shanxi: support / maintain / restrict / exit classification of loan customers.

Source: 农商行贷款客户管理办法(试行) (忻州、运城、吕梁). The hooks only adapt the
core's calls; the rules live beside them: :mod:`~plugins.shanxi_customer_class.classes`
(第九条, 第十条: the class table) and :mod:`~plugins.shanxi_customer_class.credit`
(第九条第二款: what each class allows).
"""

from __future__ import annotations

from plugins.shanxi_customer_class import classes, credit
from plugins.shanxi_customer_class.parameters import ShanxiParameters
from server.policy import (
    Classification,
    CustomerFacts,
    LoanRequest,
    PluginInfo,
    PolicyCategory,
    Refusal,
    hookimpl,
)

NAME = "shanxi_customer_class"
VERSION = "1.1.0"


@hookimpl
def policy_info() -> PluginInfo:
    return PluginInfo(
        name=NAME,
        version=VERSION,
        title="山西农商行贷款客户分类管理",
        sources=("农商行贷款客户管理办法(试行)",),
        categories=frozenset({PolicyCategory.CLASSIFICATION}),
        params=ShanxiParameters,
    )


@hookimpl
def classify_customer(facts: CustomerFacts, params: ShanxiParameters) -> Classification:
    return classes.classify(facts, params)


@hookimpl
def classification_credit_check(
    request: LoanRequest, params: ShanxiParameters
) -> tuple[Refusal, ...]:
    return credit.credit_refusals(request, params)
