"""The loan book: customers, their loans, admission, and the blacklist."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from server.demo.draw import RECORDED_BY, Row, TenantDraw, Weighted, date_between, money, share
from server.demo.lending_tables import (
    AMORTISING,
    BLACKLIST_REASONS,
    BORROWER_RISK,
    CORPORATE_AMOUNTS,
    CORPORATE_GUARANTEE,
    CORPORATE_PRODUCTS,
    CORPORATE_RATES,
    CORPORATE_SEGMENT,
    CREDIT_CODE_PREFIX,
    GUARANTEE,
    INDIVIDUAL_AMOUNTS,
    INDIVIDUAL_SEGMENT,
    INDIVIDUAL_UNIT,
    INDUSTRY,
    OPERATING,
    OVERDUE_DAYS,
    PRODUCTS,
    PROSPECTS,
    RATE_BANDS,
    SHORT_TERM,
    TERM_MONTHS,
    TROUBLE_SHARE,
)
from server.demo.names import organisation_name, person_name
from server.domain import (
    AdmissionStatus,
    CustomerKind,
    LoanProduct,
    ManagerCategory,
    ManagerStatus,
    RiskClass,
)
from server.identity_codes import make_resident_id, make_social_credit_code
from server.services.periods import add_months


def customer_rows(draw: TenantDraw, count: int, managers: list[Row]) -> list[Row]:
    rng = draw.rng
    serving = [
        m for m in managers if m["status"] in (ManagerStatus.ACTIVE, ManagerStatus.SUSPENDED)
    ]
    retail = [m for m in serving if m["category"] is ManagerCategory.RETAIL] or serving
    corporate = [m for m in serving if m["category"] is ManagerCategory.CORPORATE] or serving
    pools = {
        CustomerKind.INDIVIDUAL: Weighted(*((m, rng.uniform(0.4, 1.6)) for m in retail)),
        CustomerKind.CORPORATE: Weighted(*((m, rng.uniform(0.4, 1.6)) for m in corporate)),
    }
    taken: set[str] = set()
    customers = []
    for index in range(count):
        kind = (
            CustomerKind.CORPORATE if index > 0 and rng.random() < 0.1 else CustomerKind.INDIVIDUAL
        )
        region = draw.tenant.regions[0] if rng.random() < 0.85 else rng.choice(draw.tenant.regions)
        if kind is CustomerKind.CORPORATE:
            segment = CORPORATE_SEGMENT.pick(rng)
            name = organisation_name(rng, draw.tenant.county, segment)
            prefix = CREDIT_CODE_PREFIX[segment]
            id_number = make_social_credit_code(rng, region=region, prefix=prefix)
            while id_number in taken:
                id_number = make_social_credit_code(rng, region=region, prefix=prefix)
            admission = AdmissionStatus.PENDING if rng.random() < 0.05 else AdmissionStatus.APPROVED
        else:
            segment = INDIVIDUAL_SEGMENT.pick(rng)
            male = rng.random() < 0.55
            name = person_name(rng, male=male)
            born = date_between(
                rng, add_months(draw.today, -70 * 12), add_months(draw.today, -20 * 12)
            )
            id_number = make_resident_id(rng, region=region, birth_date=born, male=male)
            while id_number in taken:
                id_number = make_resident_id(rng, region=region, birth_date=born, male=male)
            admission = AdmissionStatus.NOT_REQUIRED
        taken.add(id_number)
        manager = pools[kind].pick(rng)
        customer_id, at = draw.clock.next_id()
        customers.append(
            {
                "tenant_id": draw.tenant.tenant_id,
                "id": customer_id,
                "kind": kind,
                "segment": segment,
                "name": name,
                "id_number": id_number,
                "manager_id": manager["id"],
                "office_id": manager["office_id"],
                "admission_status": admission,
                "admitted_on": None,
                "last_credit_lapsed_on": None,
                "blacklisted": False,
                "class_code": None,
                "class_set_at": None,
                "exposure_at_class_set": None,
                "industry_policy": INDUSTRY.pick(rng),
                "licences_complete": rng.random() < 0.98,
                "operating_status": OPERATING.pick(rng),
                "prospects": PROSPECTS.pick(rng),
                "last_bad_credit_on": (
                    draw.today - dt.timedelta(days=rng.randint(30, 1800))
                    if rng.random() < 0.02
                    else None
                ),
                "malicious_evasion": rng.random() < 0.002,
                "major_litigation": rng.random() < 0.01,
                "contribution_score": round(rng.betavariate(2, 2.2) * 100),
                "created_at": at,
                "updated_at": at,
            }
        )
    return customers


def loan_rows(draw: TenantDraw, count: int, customers: list[Row]) -> list[Row]:
    """Loans spread so that most customers have one to a few, some none.

    Drawn first, then numbered and given ids in order of issue, so that ids,
    contract numbers and issue dates all sort alike.
    """
    rng = draw.rng
    if count == 0:
        return []
    eligible = [c for c in customers if c["admission_status"] is not AdmissionStatus.PENDING]
    borrowers = [c for c in eligible if rng.random() < 0.92] or eligible[:1]
    if count < len(borrowers):
        borrowers = rng.sample(borrowers, count)
    per_borrower = [1] * len(borrowers)
    # Corporate borrowers run more lines of credit than households do.
    appetite = [
        rng.uniform(0.2, 1.8) * (2.5 if c["kind"] is CustomerKind.CORPORATE else 1)
        for c in borrowers
    ]
    for chosen in rng.choices(range(len(borrowers)), weights=appetite, k=count - len(borrowers)):
        per_borrower[chosen] += 1
    fortunes = [BORROWER_RISK.pick(rng) for _ in borrowers]
    drafts = [
        _loan(draw, customer, fortune)
        for customer, number, fortune in zip(borrowers, per_borrower, fortunes, strict=True)
        for _ in range(number)
    ]
    drafts.sort(key=lambda loan: loan["issued_on"])
    sequence: dict[int, int] = {}
    for loan in drafts:
        year = loan["issued_on"].year
        sequence[year] = sequence.get(year, 0) + 1
        loan_id, at = draw.clock.next_id()
        loan.update(
            id=loan_id,
            contract_no=f"{draw.tenant.code}JK{year}{sequence[year]:06d}",
            created_at=at,
            updated_at=at,
        )
    return drafts


def _loan(draw: TenantDraw, customer: Row, fortune: RiskClass) -> Row:
    rng = draw.rng
    corporate = customer["kind"] is CustomerKind.CORPORATE
    if corporate:
        product = CORPORATE_PRODUCTS.pick(rng)
        guarantee = GUARANTEE.get(product, CORPORATE_GUARANTEE).pick(rng)
        principal = money(
            rng, CORPORATE_AMOUNTS.pick(rng), unit=10_000 if rng.random() < 0.8 else 1000
        )
        low_rate, high_rate = CORPORATE_RATES
    else:
        product = PRODUCTS[customer["segment"]].pick(rng)
        guarantee = GUARANTEE[product].pick(rng)
        unit = INDIVIDUAL_UNIT.pick(rng)
        principal = money(rng, INDIVIDUAL_AMOUNTS[product].pick(rng), unit=unit)
        low_rate, high_rate = RATE_BANDS[product]
    if rng.random() < 0.85:
        rate = Decimal(rng.randint(low_rate, high_rate)).scaleb(-4)
    else:
        # A floating rate: the loan prime rate plus a spread, to the millionth.
        rate = Decimal(rng.randint(low_rate * 100, high_rate * 100)).scaleb(-6)
    risk = fortune if rng.random() < TROUBLE_SHARE else RiskClass.NORMAL
    if risk is RiskClass.SPECIAL_MENTION:
        days_overdue = rng.randint(1, 90) if rng.random() < 0.6 else 0
    elif risk in OVERDUE_DAYS:
        days_overdue = rng.randint(*OVERDUE_DAYS[risk])
    else:
        days_overdue = 0
    repaid = risk is RiskClass.NORMAL and rng.random() < 0.015
    # A repaid loan on the book matured within the window, so it ran a short term.
    term = 12 if repaid or product in SHORT_TERM else TERM_MONTHS.pick(rng)
    issued, matures = _loan_dates(draw, term, days_overdue, repaid=repaid)
    balance = _balance(draw, product, principal, risk, issued, matures, repaid=repaid)
    troubled = risk is not RiskClass.NORMAL
    return {
        "tenant_id": draw.tenant.tenant_id,
        "customer_id": customer["id"],
        "manager_id": customer["manager_id"],
        "office_id": customer["office_id"],
        "product": product,
        "principal": principal,
        "balance": balance,
        # What the balance is short of the principal (the column's own default, given here so
        # that every demo row names each value it writes: server/demo/bound.py).
        "principal_repaid": principal - balance,
        "annual_rate": rate,
        "issued_on": issued,
        "matures_on": matures,
        "guarantee": guarantee,
        "risk_class": risk,
        "days_overdue": days_overdue,
        "is_extension": rng.random() < (0.06 if troubled else 0.02),
        "is_refinancing": rng.random() < (0.05 if troubled else 0.015),
        "created_by": RECORDED_BY,
    }


def _loan_dates(
    draw: TenantDraw, term: int, days_overdue: int, *, repaid: bool
) -> tuple[dt.date, dt.date]:
    """Issue and maturity consistent with the arrears.

    A loan not in arrears has not matured yet (or, when repaid, matured in
    the past). A loan in arrears either matured on the day the arrears
    began, or missed an instalment at least 30 days after it was issued.
    """
    rng, today, earliest = draw.rng, draw.today, draw.earliest_issue
    if repaid:
        issued = date_between(rng, earliest, add_months(today, -term) - dt.timedelta(days=1))
        return issued, add_months(issued, term)
    if days_overdue == 0:
        first = max(earliest, add_months(today, -term))
        while add_months(first, term) < today:
            first += dt.timedelta(days=1)
        issued = date_between(rng, first, today - dt.timedelta(days=1))
        return issued, add_months(issued, term)
    arrears_began = today - dt.timedelta(days=days_overdue)
    matured_issue = add_months(arrears_began, -term)
    if matured_issue >= earliest and rng.random() < 0.5:
        return matured_issue, arrears_began
    first = max(earliest, matured_issue + dt.timedelta(days=1))
    issued = date_between(rng, first, arrears_began - dt.timedelta(days=30))
    return issued, add_months(issued, term)


def _balance(
    draw: TenantDraw,
    product: LoanProduct,
    principal: Decimal,
    risk: RiskClass,
    issued: dt.date,
    matures: dt.date,
    *,
    repaid: bool,
) -> Decimal:
    """Outstanding principal: bullet loans mostly whole, amortising ones paid down."""
    rng = draw.rng
    if repaid:
        return Decimal("0.00")
    if risk is not RiskClass.NORMAL and risk is not RiskClass.SPECIAL_MENTION:
        return share(principal, rng.randint(300, 1000))
    if product in AMORTISING:
        elapsed = 1000 * (draw.today - issued).days // max(1, (matures - issued).days)
        return share(principal, max(50, min(1000, 1000 - elapsed + rng.randint(-30, 30))))
    return principal if rng.random() < 0.85 else share(principal, rng.randint(500, 999))


def settle_admission(draw: TenantDraw, customers: list[Row], loans: list[Row]) -> None:
    """Admission before the first loan; a lapse date for some past borrowers without loans."""
    rng = draw.rng
    first_issue: dict[uuid.UUID, dt.date] = {}
    for loan in loans:
        first_issue.setdefault(loan["customer_id"], loan["issued_on"])
    for customer in customers:
        first = first_issue.get(customer["id"])
        if customer["admission_status"] is AdmissionStatus.APPROVED:
            if first is None:
                customer["admitted_on"] = draw.today - dt.timedelta(days=rng.randint(10, 900))
            else:
                customer["admitted_on"] = first - dt.timedelta(days=rng.randint(3, 60))
        elif first is None and customer["kind"] is CustomerKind.INDIVIDUAL and rng.random() < 0.4:
            customer["last_credit_lapsed_on"] = draw.today - dt.timedelta(
                days=rng.randint(30, 1500)
            )


def blacklist_rows(draw: TenantDraw, customers: list[Row], loans: list[Row]) -> list[Row]:
    """About one customer in 200, borrowers with non-performing loans first."""
    rng = draw.rng
    defaulted = {loan["customer_id"] for loan in loans if loan["risk_class"].non_performing}
    order = [rng.random() for _ in customers]
    ranked = sorted(
        range(len(customers)),
        key=lambda i: (customers[i]["id"] not in defaulted, order[i]),
    )
    entries = []
    for customer in (customers[i] for i in ranked[: round(len(customers) * 0.005)]):
        customer["blacklisted"] = True
        customer["malicious_evasion"] = customer["malicious_evasion"] or rng.random() < 0.3
        if customer["id"] in defaulted:
            customer["last_bad_credit_on"] = draw.today - dt.timedelta(days=rng.randint(30, 600))
        entry_id, at = draw.clock.next_id()
        entries.append(
            {
                "tenant_id": draw.tenant.tenant_id,
                "id": entry_id,
                "customer_id": customer["id"],
                "listed": True,
                "reason": rng.choice(BLACKLIST_REASONS),
                "recorded_by": RECORDED_BY,
                "recorded_at": at,
            }
        )
    return entries
