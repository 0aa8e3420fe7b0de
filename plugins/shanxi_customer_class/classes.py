"""Shanxi's classes of loan customers (第九条, 第十条) as a table of rows.

Source: 农商行贷款客户管理办法(试行). 第九条 names the four classes — 支持类, 维持类,
限制类, 退出类 — and makes the class govern both existing customers and new ones;
第十条 defines 支持类 by six criteria. The source text breaks off after 第十条, so
the criteria for 退出类 and 限制类 are the product's own reading of the same
facts, worst first; their articles say so.

Each row of :data:`CLASS_TABLE` is one case: the rule it is, the fact it reads,
when it holds, the class it gives and the article. The rows are tried in order,
退出类 first; the first row that holds decides the class, and the result lists
every row of that class that holds. A 第十条 criterion that is not met is a
维持类 row; a customer no row catches meets all six and is 支持类.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable
from dataclasses import dataclass

from plugins.shanxi_customer_class.parameters import ShanxiParameters
from server.policy import (
    Classification,
    CustomerClass,
    CustomerFacts,
    IndustryPolicy,
    OperatingStatus,
    Prospects,
    RiskClass,
    RuleHit,
)

ARTICLE_SUPPORT = "第十条"
ARTICLE_EXIT = "第九条(退出类;原文第十条后缺失,退出条件按本产品规定)"
ARTICLE_RESTRICT = "第九条(限制类;原文第十条后缺失,限制条件按本产品规定)"
ARTICLE_MAINTAIN = "第九条(维持类:未满足第十条支持类条件;原文第十条后缺失,按本产品规定)"

SUPPORTED_INDUSTRIES = frozenset({IndustryPolicy.ENCOURAGED, IndustryPolicy.NEUTRAL})
EXIT_RISK_CLASSES = frozenset({RiskClass.DOUBTFUL, RiskClass.LOSS})
IMPAIRED_OPERATIONS = frozenset({OperatingStatus.DECLINING, OperatingStatus.SUSPENDED})

Condition = Callable[[CustomerFacts, ShanxiParameters], bool]


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


def has_bad_record(facts: CustomerFacts, params: ShanxiParameters) -> bool:
    """A bad credit record within ``bad_record_years`` before ``as_of`` (第十条 无不良信用记录).

    以内 includes the bound: a record dated exactly ``bad_record_years`` before
    ``as_of`` still counts. A record dated after ``as_of`` (the core refuses such
    dates) counts as well: it is no older than the bound.
    """
    if facts.last_bad_credit_on is None:
        return False
    return facts.last_bad_credit_on >= years_before(facts.as_of, params.bad_record_years)


@dataclass(frozen=True)
class ClassRule:
    """One row: when ``condition`` holds, the customer is ``effect`` by ``article``.

    ``rule`` is the rule's id and ``fact`` the customer fact it reads: both are
    stored with the class, with the fact's value.
    """

    rule: str
    fact: str
    condition: Condition
    effect: CustomerClass
    article: str

    def hit(self, facts: CustomerFacts) -> RuleHit:
        return RuleHit(self.rule, self.fact, show(getattr(facts, self.fact)), self.article)


@dataclass(frozen=True)
class Criterion:
    """One criterion of 第十条 (支持类): the fact it reads, when it is met, its rule ids."""

    met_rule: str
    unmet_rule: str
    fact: str
    met: Condition

    def unmet_row(self) -> ClassRule:
        """The 维持类 row of this criterion: it holds when the criterion is not met."""
        return ClassRule(
            self.unmet_rule,
            self.fact,
            lambda facts, params: not self.met(facts, params),
            CustomerClass.MAINTAIN,
            ARTICLE_MAINTAIN,
        )


# 第十条: "诚实守信" has no fact of its own — blacklisting and malicious evasion already
# exit a customer — so it is not repeated here.
SUPPORT_CRITERIA = (
    # 从事行业合法合规
    Criterion(
        "support.industry",
        "maintain.industry_not_supported",
        "industry_policy",
        lambda f, p: f.industry_policy in SUPPORTED_INDUSTRIES,
    ),
    # 证件手续齐全
    Criterion(
        "support.licences",
        "maintain.licences_incomplete",
        "licences_complete",
        lambda f, p: f.licences_complete,
    ),
    # 生产经营正常
    Criterion(
        "support.operations",
        "maintain.operations_not_normal",
        "operating_status",
        lambda f, p: f.operating_status is OperatingStatus.NORMAL,
    ),
    # 无不良信用记录
    Criterion(
        "support.no_bad_record",
        "maintain.bad_credit_record",
        "last_bad_credit_on",
        lambda f, p: not has_bad_record(f, p),
    ),
    # 发展前景乐观
    Criterion(
        "support.prospects",
        "maintain.prospects_not_good",
        "prospects",
        lambda f, p: f.prospects is Prospects.GOOD,
    ),
    # 对农商行综合贡献度大
    Criterion(
        "support.contribution",
        "maintain.low_contribution",
        "contribution_score",
        lambda f, p: f.contribution_score >= p.high_contribution_at,
    ),
)

EXIT, RESTRICT = CustomerClass.EXIT, CustomerClass.RESTRICT

CLASS_TABLE = (
    ClassRule(
        "exit.industry_prohibited",
        "industry_policy",
        lambda f, p: f.industry_policy is IndustryPolicy.PROHIBITED,
        EXIT,
        ARTICLE_EXIT,
    ),
    ClassRule("exit.blacklisted", "blacklisted", lambda f, p: f.blacklisted, EXIT, ARTICLE_EXIT),
    ClassRule(
        "exit.malicious_evasion",
        "malicious_evasion",
        lambda f, p: f.malicious_evasion,
        EXIT,
        ARTICLE_EXIT,
    ),
    ClassRule(
        "exit.operations_ceased",
        "operating_status",
        lambda f, p: f.operating_status is OperatingStatus.CEASED,
        EXIT,
        ARTICLE_EXIT,
    ),
    ClassRule(
        "exit.loan_doubtful_or_loss",
        "worst_risk_class",
        lambda f, p: f.worst_risk_class in EXIT_RISK_CLASSES,
        EXIT,
        ARTICLE_EXIT,
    ),
    ClassRule(
        "restrict.industry_restricted",
        "industry_policy",
        lambda f, p: f.industry_policy is IndustryPolicy.RESTRICTED,
        RESTRICT,
        ARTICLE_RESTRICT,
    ),
    ClassRule(
        "restrict.loan_substandard",
        "worst_risk_class",
        lambda f, p: f.worst_risk_class is RiskClass.SUBSTANDARD,
        RESTRICT,
        ARTICLE_RESTRICT,
    ),
    ClassRule(
        "restrict.overdue",
        "max_days_overdue",
        lambda f, p: f.max_days_overdue > p.restrict_overdue_days,
        RESTRICT,
        ARTICLE_RESTRICT,
    ),
    ClassRule(
        "restrict.bad_credit_record",
        "last_bad_credit_on",
        has_bad_record,
        RESTRICT,
        ARTICLE_RESTRICT,
    ),
    ClassRule(
        "restrict.operations_declining_or_suspended",
        "operating_status",
        lambda f, p: f.operating_status in IMPAIRED_OPERATIONS,
        RESTRICT,
        ARTICLE_RESTRICT,
    ),
    ClassRule(
        "restrict.major_litigation",
        "major_litigation",
        lambda f, p: f.major_litigation,
        RESTRICT,
        ARTICLE_RESTRICT,
    ),
    ClassRule(
        "restrict.licences_incomplete",
        "licences_complete",
        lambda f, p: not f.licences_complete,
        RESTRICT,
        ARTICLE_RESTRICT,
    ),
    *(criterion.unmet_row() for criterion in SUPPORT_CRITERIA),
)
"""退出类, 限制类, then 维持类 rows (第九条), in the order they are tried."""


def classify(facts: CustomerFacts, params: ShanxiParameters) -> Classification:
    """第九条: the first row of :data:`CLASS_TABLE` that holds decides; none holds: 支持类.

    The result lists every row of the deciding class that holds — for 维持类, every
    第十条 criterion not met, so a person sees what keeps the customer from 支持类 —
    and for 支持类 every criterion of 第十条.
    """
    first = next((row for row in CLASS_TABLE if row.condition(facts, params)), None)
    if first is None:
        return Classification(
            CustomerClass.SUPPORT,
            tuple(
                RuleHit(c.met_rule, c.fact, show(getattr(facts, c.fact)), ARTICLE_SUPPORT)
                for c in SUPPORT_CRITERIA
            ),
        )
    return Classification(
        first.effect,
        tuple(
            row.hit(facts)
            for row in CLASS_TABLE
            if row.effect is first.effect and row.condition(facts, params)
        ),
    )
