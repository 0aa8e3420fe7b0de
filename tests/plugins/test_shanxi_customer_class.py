"""Shanxi customer classification: every rule, boundary and credit consequence.

The baseline customer meets every 支持类 criterion exactly; each row changes one
fact (or a few) so that the row fails if the rule it names were wrong.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import plugins.shanxi_customer_class as plugin
from plugins.shanxi_customer_class.classes import CLASS_TABLE, SUPPORT_CRITERIA, years_before
from plugins.shanxi_customer_class.parameters import ShanxiParameters
from server.errors import UnknownPlugin
from server.policy import (
    Classification,
    CustomerClass,
    CustomerFacts,
    IndustryPolicy,
    LoanProduct,
    LoanRequest,
    OperatingStatus,
    Params,
    PolicyCategory,
    Prospects,
    Refusal,
    RiskClass,
)
from server.policy.parameters import resolve
from server.policy.testing import customer_facts, loan_request, manager_profile, registry

AS_OF = dt.date(2025, 6, 30)
INFO = plugin.policy_info()
DEFAULTS = ShanxiParameters()
REGISTRY = registry(plugin)
FACT_FIELDS = {f.name for f in dataclasses.fields(CustomerFacts)}

SUPPORT_RULES = (
    "support.industry",
    "support.licences",
    "support.operations",
    "support.no_bad_record",
    "support.prospects",
    "support.contribution",
)
EXIT_RULES = (
    "exit.industry_prohibited",
    "exit.blacklisted",
    "exit.malicious_evasion",
    "exit.operations_ceased",
    "exit.loan_doubtful_or_loss",
)
RESTRICT_RULES = (
    "restrict.industry_restricted",
    "restrict.loan_substandard",
    "restrict.overdue",
    "restrict.bad_credit_record",
    "restrict.operations_declining_or_suspended",
    "restrict.major_litigation",
    "restrict.licences_incomplete",
)


def facts(**changes: Any) -> CustomerFacts:
    """A customer meeting every 支持类 criterion exactly (contribution 60) at the default
    parameters, then ``changes``."""
    return dataclasses.replace(customer_facts(contribution_score=60, as_of=AS_OF), **changes)


def params(**raw: Any) -> ShanxiParameters:
    return ShanxiParameters.of(raw)


def classify(customer: CustomerFacts, tenant_params: Params = DEFAULTS) -> Classification:
    result = REGISTRY.classification(plugin.NAME).classify(customer, tenant_params)
    assert isinstance(result, Classification)
    return result


def rule_ids(result: Classification) -> tuple[str, ...]:
    return tuple(hit.rule for hit in result.rules)


# --- identity and parameters -----------------------------------------------------


def test_plugin_registers_with_classification_only() -> None:
    info = REGISTRY.info(plugin.NAME)
    assert info.version == "1.1.0"
    assert info.categories == frozenset({PolicyCategory.CLASSIFICATION})
    assert not hasattr(plugin, "grading_tiers")
    with pytest.raises(UnknownPlugin, match="GRADING"):
        REGISTRY.grading(plugin.NAME)


def test_parameter_defaults_and_articles() -> None:
    assert dict(DEFAULTS) == {
        "bad_record_years": 2,
        "restrict_overdue_days": 0,
        "high_contribution_at": 60,
        "maintain_first_credit_limit": Decimal(300_000),
    }
    for spec in INFO.parameters:
        assert spec.article
        assert spec.description


@pytest.mark.parametrize(
    ("raw", "valid"),
    [
        ({"bad_record_years": 0}, True),
        ({"bad_record_years": -1}, False),
        ({"bad_record_years": "1.5"}, False),
        ({"restrict_overdue_days": 0}, True),
        ({"restrict_overdue_days": -1}, False),
        ({"restrict_overdue_days": 90}, True),
        ({"high_contribution_at": 0}, True),
        ({"high_contribution_at": 100}, True),
        ({"high_contribution_at": 101}, False),
        ({"high_contribution_at": -1}, False),
        ({"unknown": 1}, False),
    ],
)
def test_parameter_bounds(raw: dict[str, Any], valid: bool) -> None:
    _, problems = resolve(INFO, raw)
    assert (problems == []) is valid


# --- the four classes ------------------------------------------------------------


def test_baseline_is_support_with_every_criterion_listed() -> None:
    result = classify(facts())
    assert result.customer_class is CustomerClass.SUPPORT
    assert rule_ids(result) == SUPPORT_RULES
    assert {hit.article for hit in result.rules} == {"第十条"}


EXIT_CASES = [
    ({"industry_policy": IndustryPolicy.PROHIBITED}, "exit.industry_prohibited"),
    ({"blacklisted": True}, "exit.blacklisted"),
    ({"malicious_evasion": True}, "exit.malicious_evasion"),
    ({"operating_status": OperatingStatus.CEASED}, "exit.operations_ceased"),
    ({"worst_risk_class": RiskClass.DOUBTFUL}, "exit.loan_doubtful_or_loss"),
    ({"worst_risk_class": RiskClass.LOSS}, "exit.loan_doubtful_or_loss"),
]


@pytest.mark.parametrize(("changes", "rule"), EXIT_CASES)
def test_each_exit_condition_alone(changes: dict[str, Any], rule: str) -> None:
    result = classify(facts(**changes))
    assert result.customer_class is CustomerClass.EXIT
    assert rule_ids(result) == (rule,)


def test_every_exit_condition_is_listed_and_restrict_ones_are_not() -> None:
    result = classify(
        facts(
            industry_policy=IndustryPolicy.PROHIBITED,
            blacklisted=True,
            malicious_evasion=True,
            operating_status=OperatingStatus.CEASED,
            worst_risk_class=RiskClass.LOSS,
            max_days_overdue=400,
            major_litigation=True,
            licences_complete=False,
            last_bad_credit_on=AS_OF,
        )
    )
    assert result.customer_class is CustomerClass.EXIT
    assert rule_ids(result) == EXIT_RULES
    values = {hit.rule: (hit.fact, hit.value) for hit in result.rules}
    assert values["exit.industry_prohibited"] == ("industry_policy", "PROHIBITED")
    assert values["exit.blacklisted"] == ("blacklisted", "true")
    assert values["exit.operations_ceased"] == ("operating_status", "CEASED")
    assert values["exit.loan_doubtful_or_loss"] == ("worst_risk_class", "LOSS")


RESTRICT_CASES = [
    ({"industry_policy": IndustryPolicy.RESTRICTED}, "restrict.industry_restricted"),
    ({"worst_risk_class": RiskClass.SUBSTANDARD}, "restrict.loan_substandard"),
    ({"max_days_overdue": 1}, "restrict.overdue"),
    ({"last_bad_credit_on": AS_OF}, "restrict.bad_credit_record"),
    (
        {"operating_status": OperatingStatus.DECLINING},
        "restrict.operations_declining_or_suspended",
    ),
    (
        {"operating_status": OperatingStatus.SUSPENDED},
        "restrict.operations_declining_or_suspended",
    ),
    ({"major_litigation": True}, "restrict.major_litigation"),
    ({"licences_complete": False}, "restrict.licences_incomplete"),
]


@pytest.mark.parametrize(("changes", "rule"), RESTRICT_CASES)
def test_each_restrict_condition_alone(changes: dict[str, Any], rule: str) -> None:
    result = classify(facts(**changes))
    assert result.customer_class is CustomerClass.RESTRICT
    assert rule_ids(result) == (rule,)


def test_every_restrict_condition_is_listed() -> None:
    result = classify(
        facts(
            industry_policy=IndustryPolicy.RESTRICTED,
            worst_risk_class=RiskClass.SUBSTANDARD,
            max_days_overdue=45,
            last_bad_credit_on=dt.date(2024, 1, 15),
            operating_status=OperatingStatus.DECLINING,
            major_litigation=True,
            licences_complete=False,
            prospects=Prospects.POOR,
            contribution_score=0,
        )
    )
    assert result.customer_class is CustomerClass.RESTRICT
    assert rule_ids(result) == RESTRICT_RULES
    values = {hit.rule: (hit.fact, hit.value) for hit in result.rules}
    assert values["restrict.overdue"] == ("max_days_overdue", "45")
    assert values["restrict.bad_credit_record"] == ("last_bad_credit_on", "2024-01-15")
    assert values["restrict.licences_incomplete"] == ("licences_complete", "false")


@pytest.mark.parametrize(
    ("industry", "expected"),
    [
        (IndustryPolicy.ENCOURAGED, CustomerClass.SUPPORT),
        (IndustryPolicy.NEUTRAL, CustomerClass.SUPPORT),
        (IndustryPolicy.RESTRICTED, CustomerClass.RESTRICT),
        (IndustryPolicy.PROHIBITED, CustomerClass.EXIT),
    ],
)
def test_industry_policy(industry: IndustryPolicy, expected: CustomerClass) -> None:
    assert classify(facts(industry_policy=industry)).customer_class is expected


@pytest.mark.parametrize(
    ("worst", "expected"),
    [
        (None, CustomerClass.SUPPORT),
        (RiskClass.NORMAL, CustomerClass.SUPPORT),
        (RiskClass.SPECIAL_MENTION, CustomerClass.SUPPORT),
        (RiskClass.SUBSTANDARD, CustomerClass.RESTRICT),
        (RiskClass.DOUBTFUL, CustomerClass.EXIT),
        (RiskClass.LOSS, CustomerClass.EXIT),
    ],
)
def test_worst_risk_class(worst: RiskClass | None, expected: CustomerClass) -> None:
    assert classify(facts(worst_risk_class=worst)).customer_class is expected


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (OperatingStatus.NORMAL, CustomerClass.SUPPORT),
        (OperatingStatus.DECLINING, CustomerClass.RESTRICT),
        (OperatingStatus.SUSPENDED, CustomerClass.RESTRICT),
        (OperatingStatus.CEASED, CustomerClass.EXIT),
    ],
)
def test_operating_status(status: OperatingStatus, expected: CustomerClass) -> None:
    assert classify(facts(operating_status=status)).customer_class is expected


@pytest.mark.parametrize(
    ("overdue_days", "restrict_after", "expected"),
    [
        (0, 0, CustomerClass.SUPPORT),
        (1, 0, CustomerClass.RESTRICT),
        (30, 30, CustomerClass.SUPPORT),
        (31, 30, CustomerClass.RESTRICT),
    ],
)
def test_overdue_boundary(overdue_days: int, restrict_after: int, expected: CustomerClass) -> None:
    result = classify(
        facts(max_days_overdue=overdue_days), params(restrict_overdue_days=restrict_after)
    )
    assert result.customer_class is expected


@pytest.mark.parametrize(
    ("as_of", "bad_on", "years", "expected"),
    [
        # 以内 includes the bound: exactly two years before still counts.
        (AS_OF, dt.date(2023, 6, 30), 2, CustomerClass.RESTRICT),
        (AS_OF, dt.date(2023, 6, 29), 2, CustomerClass.SUPPORT),
        (AS_OF, dt.date(2025, 6, 29), 2, CustomerClass.RESTRICT),
        (AS_OF, dt.date(2020, 6, 30), 5, CustomerClass.RESTRICT),
        (AS_OF, dt.date(2020, 6, 29), 5, CustomerClass.SUPPORT),
        # 0 years: only a record dated on the classification day counts.
        (AS_OF, AS_OF, 0, CustomerClass.RESTRICT),
        (AS_OF, dt.date(2025, 6, 29), 0, CustomerClass.SUPPORT),
        # 29 February: two years before is 28 February.
        (dt.date(2024, 2, 29), dt.date(2022, 2, 28), 2, CustomerClass.RESTRICT),
        (dt.date(2024, 2, 29), dt.date(2022, 2, 27), 2, CustomerClass.SUPPORT),
        (dt.date(2024, 2, 29), dt.date(2020, 2, 29), 4, CustomerClass.RESTRICT),
        (dt.date(2024, 2, 29), dt.date(2020, 2, 28), 4, CustomerClass.SUPPORT),
    ],
)
def test_bad_record_window(
    as_of: dt.date, bad_on: dt.date, years: int, expected: CustomerClass
) -> None:
    result = classify(facts(as_of=as_of, last_bad_credit_on=bad_on), params(bad_record_years=years))
    assert result.customer_class is expected
    if expected is CustomerClass.SUPPORT:
        no_record = next(h for h in result.rules if h.rule == "support.no_bad_record")
        assert no_record.value == bad_on.isoformat()


def test_bad_record_span_reaching_before_year_one_counts_every_record() -> None:
    result = classify(facts(last_bad_credit_on=dt.date(1, 1, 1)), params(bad_record_years=999_999))
    assert result.customer_class is CustomerClass.RESTRICT


@pytest.mark.parametrize(
    ("day", "years", "expected"),
    [
        (dt.date(2025, 6, 30), 2, dt.date(2023, 6, 30)),
        (dt.date(2025, 6, 30), 0, dt.date(2025, 6, 30)),
        (dt.date(2024, 2, 29), 1, dt.date(2023, 2, 28)),
        (dt.date(2024, 2, 29), 4, dt.date(2020, 2, 29)),
        (dt.date(2025, 6, 30), 2025, dt.date.min),
        (dt.date(2025, 6, 30), 2024, dt.date(1, 6, 30)),
    ],
)
def test_years_before(day: dt.date, years: int, expected: dt.date) -> None:
    assert years_before(day, years) == expected


@pytest.mark.parametrize(
    ("prospects", "expected", "rules_listed"),
    [
        (Prospects.GOOD, CustomerClass.SUPPORT, SUPPORT_RULES),
        (Prospects.STABLE, CustomerClass.MAINTAIN, ("maintain.prospects_not_good",)),
        (Prospects.POOR, CustomerClass.MAINTAIN, ("maintain.prospects_not_good",)),
    ],
)
def test_prospects(
    prospects: Prospects, expected: CustomerClass, rules_listed: tuple[str, ...]
) -> None:
    result = classify(facts(prospects=prospects))
    assert result.customer_class is expected
    assert rule_ids(result) == rules_listed


@pytest.mark.parametrize(
    ("score", "high_at", "expected"),
    [
        (59, 60, CustomerClass.MAINTAIN),
        (60, 60, CustomerClass.SUPPORT),
        (100, 60, CustomerClass.SUPPORT),
        (0, 60, CustomerClass.MAINTAIN),
        (0, 0, CustomerClass.SUPPORT),
        (99, 100, CustomerClass.MAINTAIN),
        (100, 100, CustomerClass.SUPPORT),
    ],
)
def test_contribution_boundary(score: int, high_at: int, expected: CustomerClass) -> None:
    result = classify(facts(contribution_score=score), params(high_contribution_at=high_at))
    assert result.customer_class is expected
    if expected is CustomerClass.MAINTAIN:
        assert rule_ids(result) == ("maintain.low_contribution",)
        assert result.rules[0].value == str(score)


def test_maintain_lists_every_failed_support_criterion() -> None:
    result = classify(facts(prospects=Prospects.STABLE, contribution_score=10))
    assert result.customer_class is CustomerClass.MAINTAIN
    assert rule_ids(result) == ("maintain.prospects_not_good", "maintain.low_contribution")
    assert [(h.fact, h.value) for h in result.rules] == [
        ("prospects", "STABLE"),
        ("contribution_score", "10"),
    ]
    assert all("第十条" in h.article and "第九条" in h.article for h in result.rules)


def test_old_bad_record_does_not_stop_support() -> None:
    result = classify(facts(last_bad_credit_on=dt.date(2020, 1, 1)))
    assert result.customer_class is CustomerClass.SUPPORT


CRITERION_CASES = [
    ({}, ()),
    ({"industry_policy": IndustryPolicy.RESTRICTED}, ("maintain.industry_not_supported",)),
    ({"industry_policy": IndustryPolicy.PROHIBITED}, ("maintain.industry_not_supported",)),
    ({"licences_complete": False}, ("maintain.licences_incomplete",)),
    ({"operating_status": OperatingStatus.DECLINING}, ("maintain.operations_not_normal",)),
    ({"last_bad_credit_on": dt.date(2024, 1, 1)}, ("maintain.bad_credit_record",)),
    ({"prospects": Prospects.STABLE}, ("maintain.prospects_not_good",)),
    ({"contribution_score": 59}, ("maintain.low_contribution",)),
]


@pytest.mark.parametrize(("changes", "unmet"), CRITERION_CASES)
def test_support_criteria_judged_one_by_one(
    changes: dict[str, Any], unmet: tuple[str, ...]
) -> None:
    customer = facts(**changes)
    assert [c.met_rule for c in SUPPORT_CRITERIA] == list(SUPPORT_RULES)
    assert tuple(c.unmet_rule for c in SUPPORT_CRITERIA if not c.met(customer, DEFAULTS)) == unmet


def test_every_row_of_the_class_table_is_a_test_case() -> None:
    """Each 退出类 and 限制类 row is a case above; each 维持类 row is an unmet criterion."""
    cased = {rule for _, rule in EXIT_CASES + RESTRICT_CASES}
    cased |= {rule for _, unmet in CRITERION_CASES for rule in unmet}
    assert cased == {row.rule for row in CLASS_TABLE}
    classes = [row.effect for row in CLASS_TABLE]
    assert classes == sorted(
        classes, key=[CustomerClass.EXIT, CustomerClass.RESTRICT, CustomerClass.MAINTAIN].index
    ), "worst class first"


def test_first_match_wins_restrict_before_maintain() -> None:
    result = classify(facts(major_litigation=True, prospects=Prospects.POOR, contribution_score=0))
    assert result.customer_class is CustomerClass.RESTRICT
    assert rule_ids(result) == ("restrict.major_litigation",)


@pytest.mark.parametrize(
    "customer",
    [
        facts(),
        facts(prospects=Prospects.STABLE),
        facts(max_days_overdue=3, major_litigation=True),
        facts(blacklisted=True, worst_risk_class=RiskClass.DOUBTFUL),
    ],
)
def test_every_hit_names_fact_value_and_article(customer: CustomerFacts) -> None:
    result = classify(customer)
    assert result.rules
    for hit in result.rules:
        assert hit.rule.startswith(result.customer_class.value.lower() + ".")
        assert hit.fact in FACT_FIELDS
        assert hit.value
        assert hit.article.startswith(("第九条", "第十条"))


def test_same_input_same_outcome() -> None:
    customer = facts(prospects=Prospects.STABLE, last_bad_credit_on=dt.date(2021, 3, 1))
    assert classify(customer) == classify(customer)


def test_parameters_reach_the_rules_as_integers() -> None:
    assert type(params(bad_record_years=Decimal(2)).bad_record_years) is int
    with pytest.raises(ValueError, match="bad_record_years must be a whole number"):
        params(bad_record_years=Decimal("2.5"))


# --- credit consequences ---------------------------------------------------------

MANAGER = manager_profile(employee_no="E001", birth_date=dt.date(1988, 5, 20))


def request(
    customer_class: CustomerClass | None,
    amount: str,
    exposure_now: str = "200000",
    exposure_at_class_set: str | None = "300000",
    reference: str | None = None,
    *,
    renewal: bool = False,
) -> LoanRequest:
    """A loan; the reference exposure is the outstanding when classed unless given."""
    if reference is None:
        reference = exposure_at_class_set
    return loan_request(
        manager=MANAGER,
        customer_class=customer_class,
        product=LoanProduct.MERCHANT_LOAN,
        amount=Decimal(amount),
        issued_on=AS_OF,
        exposure_now=Decimal(exposure_now),
        exposure_at_class_set=(
            None if exposure_at_class_set is None else Decimal(exposure_at_class_set)
        ),
        reference_exposure=None if reference is None else Decimal(reference),
        is_renewal=renewal,
    )


def credit_check(loan: LoanRequest) -> tuple[Refusal, ...]:
    result = REGISTRY.classification(plugin.NAME).credit_check(loan, DEFAULTS)
    assert isinstance(result, tuple)
    return result


MAINTAIN = CustomerClass.MAINTAIN
NO_INCREASE = "MAINTAIN_NO_INCREASE"
FIRST_CREDIT = "MAINTAIN_FIRST_CREDIT_LIMIT"


@pytest.mark.parametrize(
    ("loan", "refused_by"),
    [
        (request(None, "5000000"), None),
        (request(CustomerClass.SUPPORT, "5000000"), None),
        # MAINTAIN: 200,000 now + loan may reach 300,000 (the outstanding when classed).
        (request(MAINTAIN, "100000"), None),
        (request(MAINTAIN, "100000.01"), NO_INCREASE),
        (request(MAINTAIN, "99999.99"), None),
        # Repaid below the figure when classed: may borrow back up to it.
        (request(MAINTAIN, "300000", "0", "300000"), None),
        (request(MAINTAIN, "300000.01", "0", "300000"), NO_INCREASE),
        # The highest outstanding in the 12 months before the class was set (500,000) is above
        # the outstanding then (300,000): the reference is 500,000.
        (request(MAINTAIN, "299999.99", "200000", "300000", "500000"), None),
        (request(MAINTAIN, "300000", "200000", "300000", "500000"), None),
        (request(MAINTAIN, "300000.01", "200000", "300000", "500000"), NO_INCREASE),
        # Exposure already above the reference: no loan fits.
        (request(MAINTAIN, "0.01", "350000", "300000"), NO_INCREASE),
        # Reference 0 (no credit yet): a first credit up to maintain_first_credit_limit (300,000).
        (request(MAINTAIN, "299999.99", "0", "0"), None),
        (request(MAINTAIN, "300000", "0", "0"), None),
        (request(MAINTAIN, "300000.01", "0", "0"), FIRST_CREDIT),
        # ... in all: what was lent since the class was set counts towards it.
        (request(MAINTAIN, "100000", "200000", "0"), None),
        (request(MAINTAIN, "100000.01", "200000", "0"), FIRST_CREDIT),
        # A reference above 0, however small, is the ceiling: the first-credit limit is for 0 only.
        (request(MAINTAIN, "0.01", "0.01", "0.01"), NO_INCREASE),
        # Renewals (借新还旧/续贷/展期) within the reference: the old credit is repaid by the new.
        (request(MAINTAIN, "300000", "300000", "300000", renewal=True), None),
        (request(MAINTAIN, "100000", "300000", "300000", renewal=True), None),
        (request(MAINTAIN, "300000.01", "300000", "300000", renewal=True), NO_INCREASE),
        (request(MAINTAIN, "0.01", "300000", "300000"), NO_INCREASE),  # not a renewal
        (request(MAINTAIN, "100000", "300000.01", "300000", renewal=True), NO_INCREASE),
        (request(MAINTAIN, "300000", "0", "0", renewal=True), None),  # nothing to renew: new
        (request(MAINTAIN, "300000.01", "0", "0", renewal=True), FIRST_CREDIT),
        # No reference measured and no figure recorded when classed: today's outstanding.
        (request(MAINTAIN, "0", "200000", None), None),
        (request(MAINTAIN, "0.01", "200000", None), NO_INCREASE),
        (request(MAINTAIN, "300000", "0", None), None),
        (request(MAINTAIN, "300000.01", "0", None), FIRST_CREDIT),
        (request(CustomerClass.RESTRICT, "0.01", "0", "300000"), "RESTRICT_NO_NEW_CREDIT"),
        (request(CustomerClass.RESTRICT, "1000"), "RESTRICT_NO_NEW_CREDIT"),
        (request(CustomerClass.EXIT, "0.01", "0", "300000"), "EXIT_NO_NEW_CREDIT"),
        (request(CustomerClass.EXIT, "1000"), "EXIT_NO_NEW_CREDIT"),
    ],
)
def test_credit_check(loan: LoanRequest, refused_by: str | None) -> None:
    refusals = credit_check(loan)
    if refused_by is None:
        assert refusals == ()
        return
    assert [r.rule for r in refusals] == [refused_by]
    assert refusals[0].article.startswith("第九条")
    assert refusals[0].message


def test_maintain_refusal_names_both_figures() -> None:
    (refusal,) = credit_check(request(CustomerClass.MAINTAIN, "100000.01"))
    assert "300,000.01" in refusal.message
    assert "300,000.00" in refusal.message
    assert "reference exposure" in refusal.message


@pytest.mark.parametrize(
    ("limit", "amount", "refused"),
    [
        ("0", "0.01", True),
        ("0", "0", False),
        ("500000", "500000", False),
        ("500000", "500000.01", True),
    ],
)
def test_first_credit_limit_is_a_parameter(limit: str, amount: str, refused: bool) -> None:
    loan = request(CustomerClass.MAINTAIN, amount, "0", "0")
    result = REGISTRY.classification(plugin.NAME).credit_check(
        loan, params(maintain_first_credit_limit=limit)
    )
    assert [r.rule for r in result] == (["MAINTAIN_FIRST_CREDIT_LIMIT"] if refused else [])
    if refused:
        assert "maintain_first_credit_limit" in result[0].message


# --- properties (hypothesis) --------------------------------------------------------

YUAN = st.decimals(min_value=0, max_value=10**7, places=2, allow_nan=False, allow_infinity=False)


@settings(deadline=None)
@given(YUAN, YUAN, YUAN, st.one_of(st.none(), YUAN), st.booleans())
def test_property_maintain_allows_a_smaller_loan_whenever_it_allows_a_larger_one(
    a: Decimal, b: Decimal, now: Decimal, reference: Decimal | None, renewal: bool
) -> None:
    small, large = sorted((a, b))
    ref = None if reference is None else str(reference)

    def allowed(amount: Decimal) -> bool:
        loan = request(MAINTAIN, str(amount), str(now), ref, ref, renewal=renewal)
        return credit_check(loan) == ()

    if allowed(large):
        assert allowed(small)
    # What a loan that is not a renewal may reach: the reference (without one, today's
    # outstanding), or the first-credit limit when that is 0.
    reached = now if reference is None else reference
    ceiling = reached if reached > 0 else DEFAULTS.maintain_first_credit_limit
    if not renewal:
        assert allowed(large) is (now + large <= ceiling)
