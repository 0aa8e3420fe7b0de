"""What a Shanxi class allows (第九条第二款: the class governs new credit as well).

支持类 and a customer not classified yet: any loan; 维持类: no growth of the
exposure beyond what it was when the class was set; 限制类 and 退出类: no new credit.
"""

from __future__ import annotations

from decimal import Decimal

from server.policy import CustomerClass, LoanRequest, Refusal

ARTICLE_CREDIT_MAINTAIN = "第九条第二款(维持类:不增加授信敞口;原文第十条后缺失,按本产品规定)"
ARTICLE_CREDIT_RESTRICT = "第九条第二款(限制类:不新增授信;原文第十条后缺失,按本产品规定)"
ARTICLE_CREDIT_EXIT = "第九条第二款(退出类:不新增授信,退出清收;原文第十条后缺失,按本产品规定)"


def _money(amount: Decimal) -> str:
    return format(amount, ",.2f")


def credit_refusals(request: LoanRequest) -> tuple[Refusal, ...]:
    """What the customer's class allows (第九条第二款: the class also governs new credit).

    SUPPORT and a customer not classified yet: no refusal (an unclassified
    customer has no class to restrict it; the core classifies on the first facts).
    MAINTAIN: the total outstanding after the loan may not exceed the outstanding
    when the class was set; with no figure recorded then, today's outstanding is
    the ceiling, so the exposure cannot grow. RESTRICT and EXIT: no new credit.
    """
    match request.customer_class:
        case None | CustomerClass.SUPPORT:
            return ()
        case CustomerClass.MAINTAIN:
            ceiling = (
                request.exposure_now
                if request.exposure_at_class_set is None
                else request.exposure_at_class_set
            )
            after = request.exposure_now + request.amount
            if after <= ceiling:
                return ()
            return (
                Refusal(
                    rule="MAINTAIN_NO_INCREASE",
                    article=ARTICLE_CREDIT_MAINTAIN,
                    message=(
                        f"维持类 (MAINTAIN) customer: outstanding after the loan "
                        f"{_money(after)} would exceed {_money(ceiling)}, the outstanding "
                        f"when the class was set"
                    ),
                ),
            )
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
