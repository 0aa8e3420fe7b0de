"""The shape of the demo loan book: segments, products, guarantees, amounts, rates, risk.

A data module: each table is a weighted mix drawn from by :mod:`server.demo.lending`.
"""

from __future__ import annotations

from server.demo.draw import Weighted
from server.domain import (
    CustomerSegment,
    Guarantee,
    IndustryPolicy,
    LoanProduct,
    OperatingStatus,
    Prospects,
    RiskClass,
)

INDIVIDUAL_SEGMENT = Weighted(
    (CustomerSegment.FARMER, 60),
    (CustomerSegment.MERCHANT, 15),
    (CustomerSegment.URBAN_RESIDENT, 10),
    (CustomerSegment.SMALL_BUSINESS_OWNER, 8),
    (CustomerSegment.OTHER_INDIVIDUAL, 5),
    (CustomerSegment.PARTNER, 2),
)
CORPORATE_SEGMENT = Weighted(
    (CustomerSegment.ENTERPRISE, 85),
    (CustomerSegment.OTHER_ORGANISATION, 10),
    (CustomerSegment.INSTITUTION, 5),
)
# GB 32100 registration authority + category: enterprise, public institution, cooperative.
CREDIT_CODE_PREFIX = {
    CustomerSegment.ENTERPRISE: "91",
    CustomerSegment.INSTITUTION: "12",
    CustomerSegment.OTHER_ORGANISATION: "93",
}
INDUSTRY = Weighted(
    (IndustryPolicy.NEUTRAL, 64.5),
    (IndustryPolicy.ENCOURAGED, 32),
    (IndustryPolicy.RESTRICTED, 3),
    (IndustryPolicy.PROHIBITED, 0.5),
)
OPERATING = Weighted(
    (OperatingStatus.NORMAL, 95.5),
    (OperatingStatus.DECLINING, 3),
    (OperatingStatus.SUSPENDED, 1),
    (OperatingStatus.CEASED, 0.5),
)
PROSPECTS = Weighted((Prospects.GOOD, 45), (Prospects.STABLE, 45), (Prospects.POOR, 10))

PRODUCTS: dict[CustomerSegment, Weighted[LoanProduct]] = {
    CustomerSegment.FARMER: Weighted(
        (LoanProduct.FARMER_MICRO_CREDIT, 60),
        (LoanProduct.FARMER_GUARANTEED, 30),
        (LoanProduct.CONSUMER_LOAN, 5),
        (LoanProduct.MORTGAGE_LOAN, 5),
    ),
    CustomerSegment.MERCHANT: Weighted(
        (LoanProduct.MERCHANT_LOAN, 70),
        (LoanProduct.CONSUMER_LOAN, 15),
        (LoanProduct.MORTGAGE_LOAN, 15),
    ),
    CustomerSegment.SMALL_BUSINESS_OWNER: Weighted(
        (LoanProduct.MERCHANT_LOAN, 50),
        (LoanProduct.MORTGAGE_LOAN, 30),
        (LoanProduct.CONSUMER_LOAN, 20),
    ),
    CustomerSegment.PARTNER: Weighted(
        (LoanProduct.MERCHANT_LOAN, 60),
        (LoanProduct.MORTGAGE_LOAN, 40),
    ),
    CustomerSegment.URBAN_RESIDENT: Weighted(
        (LoanProduct.CONSUMER_LOAN, 50),
        (LoanProduct.MORTGAGE_LOAN, 50),
    ),
    CustomerSegment.OTHER_INDIVIDUAL: Weighted(
        (LoanProduct.CONSUMER_LOAN, 60),
        (LoanProduct.FARMER_MICRO_CREDIT, 40),
    ),
}
CORPORATE_PRODUCTS = Weighted(
    (LoanProduct.WORKING_CAPITAL, 50),
    (LoanProduct.FIXED_ASSET, 15),
    (LoanProduct.ACCEPTANCE_DISCOUNT, 12),
    (LoanProduct.TRADE_FINANCE, 8),
    (LoanProduct.LETTER_OF_GUARANTEE, 5),
    (LoanProduct.OVERDRAFT, 3),
    (LoanProduct.FACTORING, 3),
    (LoanProduct.LOAN_COMMITMENT, 2),
    (LoanProduct.LETTER_OF_CREDIT, 2),
)
CORPORATE_GUARANTEE = Weighted(
    (Guarantee.MORTGAGE, 45),
    (Guarantee.GUARANTEE, 40),
    (Guarantee.PLEDGE, 10),
    (Guarantee.CREDIT, 5),
)
GUARANTEE: dict[LoanProduct, Weighted[Guarantee]] = {
    LoanProduct.FARMER_MICRO_CREDIT: Weighted((Guarantee.CREDIT, 1)),
    LoanProduct.FARMER_GUARANTEED: Weighted((Guarantee.GUARANTEE, 1)),
    LoanProduct.MORTGAGE_LOAN: Weighted((Guarantee.MORTGAGE, 1)),
    LoanProduct.MERCHANT_LOAN: Weighted(
        (Guarantee.GUARANTEE, 50), (Guarantee.MORTGAGE, 35), (Guarantee.CREDIT, 15)
    ),
    LoanProduct.CONSUMER_LOAN: Weighted((Guarantee.CREDIT, 60), (Guarantee.GUARANTEE, 40)),
    LoanProduct.ACCEPTANCE_DISCOUNT: Weighted(
        (Guarantee.PLEDGE, 50), (Guarantee.MORTGAGE, 25), (Guarantee.GUARANTEE, 25)
    ),
}
# Principal bands in thousands of yuan, skewed towards the small end.
INDIVIDUAL_AMOUNTS: dict[LoanProduct, Weighted[tuple[int, int]]] = {
    LoanProduct.FARMER_MICRO_CREDIT: Weighted(((10, 30), 5), ((30, 50), 3), ((50, 100), 2)),
    LoanProduct.FARMER_GUARANTEED: Weighted(((30, 100), 5), ((100, 200), 3), ((200, 300), 2)),
    LoanProduct.MERCHANT_LOAN: Weighted(((50, 100), 4), ((100, 200), 4), ((200, 300), 2)),
    LoanProduct.CONSUMER_LOAN: Weighted(((10, 50), 5), ((50, 100), 3), ((100, 200), 2)),
    LoanProduct.MORTGAGE_LOAN: Weighted(((100, 200), 4), ((200, 300), 4), ((300, 600), 2)),
}
# Individual principals are mostly whole thousands of yuan, sometimes hundreds.
INDIVIDUAL_UNIT = Weighted((1000, 75), (100, 20), (1, 5))
CORPORATE_AMOUNTS = Weighted(
    ((500, 2_000), 5), ((2_000, 5_000), 3), ((5_000, 10_000), 1.5), ((10_000, 20_000), 0.5)
)
# Annual rates in basis points by product (0.0435 to 0.0900 overall).
RATE_BANDS: dict[LoanProduct, tuple[int, int]] = {
    LoanProduct.FARMER_MICRO_CREDIT: (500, 750),
    LoanProduct.FARMER_GUARANTEED: (520, 780),
    LoanProduct.MERCHANT_LOAN: (550, 850),
    LoanProduct.CONSUMER_LOAN: (600, 900),
    LoanProduct.MORTGAGE_LOAN: (435, 600),
}
CORPORATE_RATES = (435, 700)
AMORTISING = frozenset(
    {LoanProduct.MORTGAGE_LOAN, LoanProduct.CONSUMER_LOAN, LoanProduct.FIXED_ASSET}
)
SHORT_TERM = frozenset(
    {LoanProduct.ACCEPTANCE_DISCOUNT, LoanProduct.TRADE_FINANCE, LoanProduct.LETTER_OF_CREDIT}
)
TERM_MONTHS = Weighted((12, 45), (24, 30), (36, 25))
# A borrower's loans share its fortunes: each loan of a borrower in trouble takes the
# borrower's class with this probability (else it is NORMAL), so that per loan the mix
# comes out at about 93% NORMAL, 4% SPECIAL_MENTION, 1.5% SUBSTANDARD, 1% DOUBTFUL, 0.5% LOSS.
TROUBLE_SHARE = 0.6
BORROWER_RISK = Weighted(
    (RiskClass.NORMAL, 100 - 7 / TROUBLE_SHARE),
    (RiskClass.SPECIAL_MENTION, 4 / TROUBLE_SHARE),
    (RiskClass.SUBSTANDARD, 1.5 / TROUBLE_SHARE),
    (RiskClass.DOUBTFUL, 1 / TROUBLE_SHARE),
    (RiskClass.LOSS, 0.5 / TROUBLE_SHARE),
)
# Days overdue per class, after the 2023 rules on risk classification of financial
# assets: more than 90 days at least 次级, more than 270 at least 可疑, more than 360 损失.
OVERDUE_DAYS = {
    RiskClass.SUBSTANDARD: (90, 270),
    RiskClass.DOUBTFUL: (271, 360),
    RiskClass.LOSS: (361, 1000),
}
BLACKLIST_REASONS = (
    "贷款逾期且拒不履行还款义务",
    "恶意逃废银行债务",
    "提供虚假材料骗取贷款",
    "被人民法院列为失信被执行人",
)
