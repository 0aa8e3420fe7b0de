"""Shanxi: support / maintain / restrict / exit classification of loan customers.

Source: 农商行贷款客户管理办法(试行) (忻州、运城、吕梁).
"""

from __future__ import annotations

from server.domain import PolicyCategory
from server.policy import hookimpl
from server.policy.types import PluginInfo

NAME = "shanxi_customer_class"
VERSION = "1.0.0"


@hookimpl
def policy_info() -> PluginInfo:
    return PluginInfo(
        name=NAME,
        version=VERSION,
        title="山西农商行贷款客户分类管理",
        sources=("农商行贷款客户管理办法(试行)",),
        categories=frozenset({PolicyCategory.CLASSIFICATION}),
    )
