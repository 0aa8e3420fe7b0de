"""The indicators the core computes from its own data (source ``COMPUTED``).

A grading plugin may declare an indicator with source ``COMPUTED`` only if its
key is listed here. Every other indicator comes from recorded task plans
(``TASK_PLAN``), recorded actuals (``RECORDED``), inspection findings
(``FINDINGS``) or the manager's profile (``PROFILE``).

All are for the appraised period (a year or a quarter) and the loans the
manager is responsible for. "At period end" and "at period start" read the
loan snapshot taken at those dates (``ruralcredit snapshot``); for the
current, unfinished period the live loans stand in for the end snapshot.
"""

from __future__ import annotations

COMPUTED_INDICATORS: dict[str, tuple[str, str]] = {
    "customers_natural": (
        "count",
        "individual (natural-person) customers with an outstanding loan at period end",
    ),
    "customers_corporate": (
        "count",
        "corporate customers with an outstanding loan at period end",
    ),
    "loan_balance": ("yuan", "outstanding principal at period end"),
    "npl_balance_start": (
        "yuan",
        "outstanding principal of SUBSTANDARD, DOUBTFUL and LOSS loans at period start",
    ),
    "npl_balance_end": (
        "yuan",
        "outstanding principal of SUBSTANDARD, DOUBTFUL and LOSS loans at period end",
    ),
    "npl_ratio": ("ratio", "npl_balance_end ÷ loan_balance (0 when there is no balance)"),
    "loans_issued": ("yuan", "principal of loans issued in the period"),
    "notice_coverage": (
        "ratio",
        "loans maturing in the period or overdue that got a written collection notice "
        "at least 30 days before maturity ÷ all such loans (1 when there are none)",
    ),
    "missing_inspection_reports": (
        "count",
        "post-loan inspection reports due in the period and not recorded",
    ),
    # From the loan book's movements (repayments, write-offs, recoveries) dated in the
    # period, each counted for the manager responsible for the loan when it happened.
    "interest_recovered": ("yuan", "interest repaid in the period (收回贷款利息)"),
    "npl_cash_recovered": (
        "yuan",
        "principal repaid in the period on loans that were SUBSTANDARD, DOUBTFUL or LOSS when "
        "it was repaid (不良贷款现金清收)",
    ),
    "writeoff_recovered": (
        "yuan",
        "recovered in the period on loans written off before (表外已核销贷款清收)",
    ),
    "npl_written_off": (
        "yuan",
        "balance of SUBSTANDARD, DOUBTFUL and LOSS loans written off (呆账核销) in the period",
    ),
    "npl_net_reduction": (
        "yuan",
        "npl_balance_start − npl_balance_end − npl_written_off: write-offs are no reduction "
        "(不良贷款净降)",
    ),
}
