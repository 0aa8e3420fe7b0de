"""The county cooperative's penalties: lifetime disqualification (省办法 第七条).

终生取消信贷客户经理任职资格 — never re-certified — for the cases 第七条 lists: a
table from violation kind to its clause; customer complaints count from the
tenant's threshold (三次(含)以上).
"""

from __future__ import annotations

from collections.abc import Mapping

from plugins.county_coop.articles import ARTICLE_DISQUALIFICATION
from plugins.county_coop.parameters import CountyParameters
from server.policy import PenaltyEffect, PenaltyKind, ViolationCase, ViolationKind

LIFETIME_DISQUALIFICATION: Mapping[ViolationKind, tuple[str, str]] = {
    ViolationKind.TEN_KINDS_OF_PERSON: ("(一)", "经排查有“十种人”行为"),
    ViolationKind.LOSS_BY_MISCONDUCT: (
        "(二)",
        "道德品质不良、违规操作或工作失职, 导致信贷资产损失或重大业务流失",
    ),
    ViolationKind.FALSIFICATION: ("(四)", "有弄虚作假行为"),
    ViolationKind.OTHER: ("(四)", "有其他违规、违纪行为"),
}
"""Kinds that end the qualification for life on their first confirmation."""


def penalty(case: ViolationCase, params: CountyParameters) -> PenaltyEffect:
    """终生取消信贷客户经理任职资格 for the cases of 第七条; any other kind has no effect here.

    Customer complaints count from the 三次(含) threshold: the confirmation of a
    complaint is the 经核实 the article asks for.
    """
    listed = LIFETIME_DISQUALIFICATION.get(case.kind)
    if listed is not None:
        clause, reason = listed
        return PenaltyEffect(
            PenaltyKind.DISQUALIFY_FOR_LIFE,
            f"{ARTICLE_DISQUALIFICATION}{clause}",
            f"{reason}: 终生取消信贷客户经理任职资格",
        )
    if case.kind is ViolationKind.CUSTOMER_COMPLAINT:
        article = f"{ARTICLE_DISQUALIFICATION}(三)"
        count, needed = case.confirmed_same_kind_this_year, params.complaints_for_disqualification
        if count >= needed:
            return PenaltyEffect(
                PenaltyKind.DISQUALIFY_FOR_LIFE,
                article,
                f"{count} confirmed customer complaints this year, {needed} or more: "
                "终生取消信贷客户经理任职资格",
            )
        return PenaltyEffect(
            PenaltyKind.NONE,
            article,
            f"{count} confirmed customer complaints this year, fewer than {needed}: no effect yet",
        )
    return PenaltyEffect(
        PenaltyKind.NONE,
        ARTICLE_DISQUALIFICATION,
        f"{case.kind.value} ({case.kind.label}) is not a case of 第七条: "
        "no effect under this policy",
    )
