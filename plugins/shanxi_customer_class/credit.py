"""What a Shanxi class allows (第九条第二款: the class governs new credit as well).

支持类 and a customer not classified yet: any loan; 维持类: new credit within the
reference exposure (the larger of the outstanding when the class was set and the
highest outstanding in the 12 months before), a first credit up to
``maintain_first_credit_limit`` for a customer whose reference is 0, and renewals
within the reference; 限制类 and 退出类: no new credit.
"""

from __future__ import annotations

from decimal import Decimal

from plugins.shanxi_customer_class.parameters import ShanxiParameters
from server.policy import ZERO, CustomerClass, LoanRequest, Refusal

ARTICLE_CREDIT_MAINTAIN = "第九条第二款(维持类:不增加授信敞口;原文第十条后缺失,按本产品规定)"
ARTICLE_CREDIT_RESTRICT = "第九条第二款(限制类:不新增授信;原文第十条后缺失,按本产品规定)"
ARTICLE_CREDIT_EXIT = "第九条第二款(退出类:不新增授信,退出清收;原文第十条后缺失,按本产品规定)"


def _money(amount: Decimal) -> str:
    return format(amount, ",.2f")


def reference_of(request: LoanRequest) -> Decimal:
    """The reference exposure the core measured; without one (a class set before the core
    kept it), the outstanding when the class was set, else the outstanding now."""
    if request.reference_exposure is not None:
        return request.reference_exposure
    if request.exposure_at_class_set is not None:
        return request.exposure_at_class_set
    return request.exposure_now


def maintain_refusals(request: LoanRequest, params: ShanxiParameters) -> tuple[Refusal, ...]:
    """维持类: the total outstanding after the loan may not exceed the reference exposure.

    A customer whose reference is 0 (no credit when the class was set, nor in the 12
    months before) may reach ``maintain_first_credit_limit`` instead. A renewal (借新还旧,
    续贷, 展期) repays credit the customer has, so it is allowed when it replaces no more
    than the outstanding now and the outstanding now is within the ceiling.
    """
    reference = reference_of(request)
    first_credit = reference <= ZERO
    ceiling = params.maintain_first_credit_limit if first_credit else reference
    now = request.exposure_now
    after = now + request.amount
    if after <= ceiling:
        return ()
    if request.is_renewal and request.amount <= now <= ceiling:
        return ()
    if first_credit:
        rule = "MAINTAIN_FIRST_CREDIT_LIMIT"
        why = (
            f"the reference exposure is 0 (no credit yet), so a first credit may reach "
            f"{_money(ceiling)} (maintain_first_credit_limit)"
        )
    else:
        rule = "MAINTAIN_NO_INCREASE"
        why = (
            f"the reference exposure {_money(ceiling)} (the larger of the outstanding when "
            "the class was set and the highest outstanding in the 12 months before)"
        )
    renewal = (
        f"; as a renewal it may replace at most the outstanding now, {_money(now)}"
        if request.is_renewal
        else ""
    )
    return (
        Refusal(
            rule=rule,
            article=ARTICLE_CREDIT_MAINTAIN,
            message=(
                f"维持类 (MAINTAIN) customer: outstanding after the loan {_money(after)} "
                f"would exceed {why}{renewal}"
            ),
        ),
    )


def credit_refusals(request: LoanRequest, params: ShanxiParameters) -> tuple[Refusal, ...]:
    """What the customer's class allows (第九条第二款: the class also governs new credit).

    SUPPORT and a customer not classified yet: no refusal (an unclassified
    customer has no class to restrict it; the core classifies on the first facts).
    MAINTAIN: within the reference exposure (:func:`maintain_refusals`). RESTRICT
    and EXIT: no new credit.
    """
    match request.customer_class:
        case None | CustomerClass.SUPPORT:
            return ()
        case CustomerClass.MAINTAIN:
            return maintain_refusals(request, params)
        case CustomerClass.RESTRICT:
            return (
                Refusal(
                    rule="RESTRICT_NO_NEW_CREDIT",
                    article=ARTICLE_CREDIT_RESTRICT,
                    message="限制类 (RESTRICT) customer: no new credit; reduce the exposure",
                ),
            )
        case CustomerClass.EXIT:
            return (
                Refusal(
                    rule="EXIT_NO_NEW_CREDIT",
                    article=ARTICLE_CREDIT_EXIT,
                    message="退出类 (EXIT) customer: no new credit; exit and collect",
                ),
            )
