"""Shanxi's support / maintain / restrict / exit rules for loan customers.

Source: 农商行贷款客户管理办法(试行). Art. 9 names the four classes and makes
the classification govern both existing customers and the admission of new
ones; Art. 10 defines 支持类. The source text breaks off after Art. 10, so the
criteria for 退出类, 限制类 and 维持类 are the product's own reading of the
same criteria, worst first; their articles say so.

Everything here is a pure function of the frozen dataclasses the core passes
in: no I/O, no state, exact integers and decimals only.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from decimal import Decimal

from server.domain import CustomerClass, IndustryPolicy, OperatingStatus, Prospects, RiskClass
from server.policy.types import (
    Classification,
    CustomerFacts,
    LoanRequest,
    Params,
    Refusal,
    RuleHit,
)

ARTICLE_CLASSES = "第九条"
ARTICLE_SUPPORT = "第十条"
ARTICLE_EXIT = "第九条(退出类;原文第十条后缺失,退出条件按本产品规定)"
ARTICLE_RESTRICT = "第九条(限制类;原文第十条后缺失,限制条件按本产品规定)"
ARTICLE_MAINTAIN = "第九条(维持类:未满足第十条支持类条件;原文第十条后缺失,按本产品规定)"
ARTICLE_CREDIT_MAINTAIN = "第九条第二款(维持类:不增加授信敞口;原文第十条后缺失,按本产品规定)"
ARTICLE_CREDIT_RESTRICT = "第九条第二款(限制类:不新增授信;原文第十条后缺失,按本产品规定)"
ARTICLE_CREDIT_EXIT = "第九条第二款(退出类:不新增授信,退出清收;原文第十条后缺失,按本产品规定)"

SUPPORTED_INDUSTRIES = frozenset({IndustryPolicy.ENCOURAGED, IndustryPolicy.NEUTRAL})
EXIT_RISK_CLASSES = frozenset({RiskClass.DOUBTFUL, RiskClass.LOSS})
IMPAIRED_OPERATIONS = frozenset({OperatingStatus.DECLINING, OperatingStatus.SUSPENDED})


@dataclass(frozen=True)
class Limits:
    """The tenant's thresholds, read once from the validated parameters."""

    bad_record_years: int
    restrict_overdue_days: int
    high_contribution_at: int

    @classmethod
    def from_params(cls, params: Params) -> Limits:
        return cls(
            bad_record_years=_integer(params, "bad_record_years"),
            restrict_overdue_days=_integer(params, "restrict_overdue_days"),
            high_contribution_at=_integer(params, "high_contribution_at"),
        )


def _integer(params: Params, name: str) -> int:
    """An INTEGER parameter; the core validates parameters, so anything else is a bug."""
    value = params[name]
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"parameter {name} must be an integer, got {value!r}")
    return value


def show(value: object) -> str:
    """A fact's value as it is stored with the class: the form the rest of the product uses."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def years_before(day: dt.date, years: int) -> dt.date:
    """The same calendar day ``years`` earlier; 29 February falls back to 28 February.

    A span reaching before year 1 gives the earliest date, so every record counts.
    """
    year = day.year - years
    if year < dt.MINYEAR:
        return dt.date.min
    try:
        return day.replace(year=year)
    except ValueError:
        return day.replace(year=year, day=28)


def has_bad_record(facts: CustomerFacts, limits: Limits) -> bool:
    """A bad credit record within ``bad_record_years`` before ``as_of`` (第十条 无不良信用记录).

    以内 includes the bound: a record dated exactly ``bad_record_years`` before
    ``as_of`` still counts. A record dated after ``as_of`` (the core refuses such
    dates) counts as well: it is no older than the bound.
    """
    if facts.last_bad_credit_on is None:
        return False
    return facts.last_bad_credit_on >= years_before(facts.as_of, limits.bad_record_years)


def _hits(*candidates: tuple[bool, str, str, object, str]) -> tuple[RuleHit, ...]:
    """The rules whose condition holds, in the order given."""
    return tuple(
        RuleHit(rule=rule, fact=fact, value=show(value), article=article)
        for holds, rule, fact, value, article in candidates
        if holds
    )


def exit_hits(facts: CustomerFacts) -> tuple[RuleHit, ...]:
    """Every 退出类 condition that holds (any one is enough)."""
    return _hits(
        (
            facts.industry_policy is IndustryPolicy.PROHIBITED,
            "exit.industry_prohibited",
            "industry_policy",
            facts.industry_policy,
            ARTICLE_EXIT,
        ),
        (facts.blacklisted, "exit.blacklisted", "blacklisted", True, ARTICLE_EXIT),
        (
            facts.malicious_evasion,
            "exit.malicious_evasion",
            "malicious_evasion",
            True,
            ARTICLE_EXIT,
        ),
        (
            facts.operating_status is OperatingStatus.CEASED,
            "exit.operations_ceased",
            "operating_status",
            facts.operating_status,
            ARTICLE_EXIT,
        ),
        (
            facts.worst_risk_class in EXIT_RISK_CLASSES,
            "exit.loan_doubtful_or_loss",
            "worst_risk_class",
            facts.worst_risk_class,
            ARTICLE_EXIT,
        ),
    )


def restrict_hits(facts: CustomerFacts, limits: Limits) -> tuple[RuleHit, ...]:
    """Every 限制类 condition that holds (any one is enough)."""
    return _hits(
        (
            facts.industry_policy is IndustryPolicy.RESTRICTED,
            "restrict.industry_restricted",
            "industry_policy",
            facts.industry_policy,
            ARTICLE_RESTRICT,
        ),
        (
            facts.worst_risk_class is RiskClass.SUBSTANDARD,
            "restrict.loan_substandard",
            "worst_risk_class",
            facts.worst_risk_class,
            ARTICLE_RESTRICT,
        ),
        (
            facts.max_days_overdue > limits.restrict_overdue_days,
            "restrict.overdue",
            "max_days_overdue",
            facts.max_days_overdue,
            ARTICLE_RESTRICT,
        ),
        (
            has_bad_record(facts, limits),
            "restrict.bad_credit_record",
            "last_bad_credit_on",
            facts.last_bad_credit_on,
            ARTICLE_RESTRICT,
        ),
        (
            facts.operating_status in IMPAIRED_OPERATIONS,
            "restrict.operations_declining_or_suspended",
            "operating_status",
            facts.operating_status,
            ARTICLE_RESTRICT,
        ),
        (
            facts.major_litigation,
            "restrict.major_litigation",
            "major_litigation",
            True,
            ARTICLE_RESTRICT,
        ),
        (
            not facts.licences_complete,
            "restrict.licences_incomplete",
            "licences_complete",
            False,
            ARTICLE_RESTRICT,
        ),
    )


@dataclass(frozen=True)
class SupportCondition:
    """One criterion of 第十条, with the rule id named when it holds and when it fails."""

    met_rule: str
    unmet_rule: str
    fact: str
    value: str
    met: bool


def support_conditions(facts: CustomerFacts, limits: Limits) -> tuple[SupportCondition, ...]:
    """The six criteria of 第十条, each judged on its own.

    "诚实守信" has no fact of its own: blacklisting and malicious evasion already
    exit a customer, so it is not repeated here.
    """

    def condition(name: str, unmet: str, fact: str, value: object, met: bool) -> SupportCondition:
        return SupportCondition(f"support.{name}", f"maintain.{unmet}", fact, show(value), met)

    return (
        # 从事行业合法合规
        condition(
            "industry",
            "industry_not_supported",
            "industry_policy",
            facts.industry_policy,
            facts.industry_policy in SUPPORTED_INDUSTRIES,
        ),
        # 证件手续齐全
        condition(
            "licences",
            "licences_incomplete",
            "licences_complete",
            facts.licences_complete,
            facts.licences_complete,
        ),
        # 生产经营正常
        condition(
            "operations",
            "operations_not_normal",
            "operating_status",
            facts.operating_status,
            facts.operating_status is OperatingStatus.NORMAL,
        ),
        # 无不良信用记录
        condition(
            "no_bad_record",
            "bad_credit_record",
            "last_bad_credit_on",
            facts.last_bad_credit_on,
            not has_bad_record(facts, limits),
        ),
        # 发展前景乐观
        condition(
            "prospects",
            "prospects_not_good",
            "prospects",
            facts.prospects,
            facts.prospects is Prospects.GOOD,
        ),
        # 对农商行综合贡献度大
        condition(
            "contribution",
            "low_contribution",
            "contribution_score",
            facts.contribution_score,
            facts.contribution_score >= limits.high_contribution_at,
        ),
    )


def classify(facts: CustomerFacts, limits: Limits) -> Classification:
    """第九条: EXIT, then RESTRICT, then SUPPORT, else MAINTAIN; the first class that matches wins.

    The result lists every rule of the deciding class: all exit (or restrict)
    conditions that hold, all support criteria for SUPPORT, and for MAINTAIN the
    support criteria that failed, so a person sees what keeps the customer from 支持类.
    """
    exits = exit_hits(facts)
    if exits:
        return Classification(CustomerClass.EXIT, exits)
    restricts = restrict_hits(facts, limits)
    if restricts:
        return Classification(CustomerClass.RESTRICT, restricts)
    conditions = support_conditions(facts, limits)
    if all(c.met for c in conditions):
        return Classification(
            CustomerClass.SUPPORT,
            tuple(RuleHit(c.met_rule, c.fact, c.value, ARTICLE_SUPPORT) for c in conditions),
        )
    return Classification(
        CustomerClass.MAINTAIN,
        tuple(
            RuleHit(c.unmet_rule, c.fact, c.value, ARTICLE_MAINTAIN)
            for c in conditions
            if not c.met
        ),
    )


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
