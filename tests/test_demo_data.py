"""The demo data set, drawn in memory: deterministic, consistent, within the schema's rules."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from server.db import models
from server.db.engine import create_engine, create_sessionmaker
from server.db.migrate import upgrade_on
from server.demo import (
    DEFAULT_SEED,
    DEMO_TENANT_IDS,
    DrawArguments,
    DrawsAhead,
    Row,
    TenantRows,
    database_is_empty,
    generate_tenant_rows,
    load_demo_data,
    loader,
)
from server.demo.bound import bound_rows, dialect_named
from server.domain import (
    NON_PERFORMING,
    AdmissionStatus,
    CustomerClass,
    CustomerKind,
    ManagerStatus,
    OfficeKind,
    PolicyCategory,
    RiskClass,
)
from server.identity_codes import validate_resident_id, validate_social_credit_code
from server.identity_lookup import identity_hash
from server.policy.registry import PolicyRegistry
from server.settings import Settings

TODAY = dt.date(2025, 12, 31)


@pytest.fixture(scope="module")
def registry() -> PolicyRegistry:
    return PolicyRegistry()


def draw(tenant_id: str, registry: PolicyRegistry, *, seed: int = DEFAULT_SEED) -> TenantRows:
    return generate_tenant_rows(
        tenant_id, managers=30, customers=400, loans=1600, seed=seed, today=TODAY, registry=registry
    )


@pytest.fixture(scope="module", params=DEMO_TENANT_IDS)
def rows(request: pytest.FixtureRequest, registry: PolicyRegistry) -> TenantRows:
    return draw(request.param, registry)


def test_same_seed_same_rows(registry: PolicyRegistry) -> None:
    first = draw("sx-demo", registry, seed=7)
    second = draw("sx-demo", registry, seed=7)
    assert first == second


def test_another_seed_other_rows(registry: PolicyRegistry) -> None:
    first = draw("sx-demo", registry, seed=7)
    second = draw("sx-demo", registry, seed=8)
    assert [c["id_number"] for c in first.customers] != [c["id_number"] for c in second.customers]


def test_sizes(rows: TenantRows) -> None:
    summary = rows.summary()
    assert (summary.managers, summary.customers, summary.loans) == (30, 400, 1600)
    assert summary.blacklisted == 2
    assert len(rows.policies) == len(rows.policy_changes) > 0


def test_ids_sort_like_creation(rows: TenantRows) -> None:
    for _table, table_rows in rows.in_insert_order():
        stamped = [r for r in table_rows if "id" in r and "created_at" in r]
        assert [r["id"] for r in sorted(stamped, key=lambda r: r["created_at"])] == sorted(
            r["id"] for r in stamped
        )


def test_policies_name_installed_plugins(rows: TenantRows, registry: PolicyRegistry) -> None:
    for policy in rows.policies:
        assert policy["plugin_version"] == registry.info(policy["plugin"]).version
        assert policy["category"] in registry.info(policy["plugin"]).categories


def test_office_tree(rows: TenantRows) -> None:
    by_id = {o["id"]: o for o in rows.offices}
    kinds = Counter(o["kind"] for o in rows.offices)
    assert kinds[OfficeKind.HEAD_OFFICE] == 1
    assert 5 <= kinds[OfficeKind.BRANCH] <= 7
    assert len({o["code"] for o in rows.offices}) == len(rows.offices)
    for office in rows.offices:
        parent = by_id.get(office["parent_id"])
        prefix = "/" if parent is None else parent["path"]
        assert office["path"] == f"{prefix}{office['id']}/"
        assert office["depth"] == (0 if parent is None else parent["depth"] + 1)


def test_managers(rows: TenantRows) -> None:
    assert len({m["employee_no"] for m in rows.managers}) == len(rows.managers)
    assert len({m["identity_number"] for m in rows.managers}) == len(rows.managers)
    with_tier = {m["id"] for m in rows.managers if m["tier_code"] is not None}
    assert {c["manager_id"] for c in rows.tier_changes} == with_tier
    for manager in rows.managers:
        age = (TODAY - manager["birth_date"]).days / 365.25
        assert 23 <= age < 59
        assert manager["hire_date"] <= manager["post_started_on"] <= TODAY
        assert manager["rated_households"] <= manager["jurisdiction_households"]
        assert manager["credit_work_years"] == manager["credit_work_years"].quantize(
            Decimal("0.01")
        )
        assert validate_resident_id(manager["identity_number"], today=TODAY) is None
        assert manager["identity_number"][6:14] == f"{manager['birth_date']:%Y%m%d}"
        probation = manager["status"] is ManagerStatus.PROBATION
        assert (manager["probation_ends_on"] > TODAY) == probation
        if probation:
            assert manager["tier_rank"] in (None, 0)


def test_customers(rows: TenantRows) -> None:
    manager_office = {m["id"]: m["office_id"] for m in rows.managers}
    assert len({c["id_number"] for c in rows.customers}) == len(rows.customers)
    for customer in rows.customers:
        assert customer["office_id"] == manager_office[customer["manager_id"]]
        if customer["kind"] is CustomerKind.INDIVIDUAL:
            assert validate_resident_id(customer["id_number"], today=TODAY) is None
            assert customer["admission_status"] is AdmissionStatus.NOT_REQUIRED
        else:
            assert validate_social_credit_code(customer["id_number"]) is None
            assert customer["admission_status"] in (
                AdmissionStatus.APPROVED,
                AdmissionStatus.PENDING,
            )
            assert (customer["admitted_on"] is not None) == (
                customer["admission_status"] is AdmissionStatus.APPROVED
            )
        assert 0 <= customer["contribution_score"] <= 100
    listed = {entry["customer_id"] for entry in rows.blacklist}
    assert listed == {c["id"] for c in rows.customers if c["blacklisted"]}


def test_loans_keep_the_check_constraints(rows: TenantRows) -> None:
    customers = {c["id"]: c for c in rows.customers}
    assert len({loan["contract_no"] for loan in rows.loans}) == len(rows.loans)
    for loan in rows.loans:
        customer = customers[loan["customer_id"]]
        assert (loan["manager_id"], loan["office_id"]) == (
            customer["manager_id"],
            customer["office_id"],
        )
        assert customer["admission_status"] is not AdmissionStatus.PENDING
        if customer["admitted_on"] is not None:
            assert customer["admitted_on"] < loan["issued_on"]
        assert loan["principal"] > 0
        assert 0 <= loan["balance"] <= loan["principal"]
        assert loan["principal"].as_tuple().exponent == -2
        assert loan["balance"].as_tuple().exponent == -2
        assert Decimal("0.0435") <= loan["annual_rate"] <= Decimal("0.0900")
        assert loan["annual_rate"].as_tuple().exponent >= -6
        assert TODAY - dt.timedelta(days=3 * 365) <= loan["issued_on"] < TODAY
        assert loan["matures_on"] >= loan["issued_on"]
        if loan["risk_class"] in NON_PERFORMING:
            assert 90 <= loan["days_overdue"] <= 1000
        elif loan["risk_class"] is RiskClass.NORMAL:
            assert loan["days_overdue"] == 0
        if loan["days_overdue"] == 0 and loan["balance"] > 0:
            assert loan["matures_on"] >= TODAY


def test_loan_mix(registry: PolicyRegistry) -> None:
    rows = generate_tenant_rows("sd-demo", today=TODAY, registry=registry)
    shares = Counter(loan["risk_class"] for loan in rows.loans)
    assert 0.91 < shares[RiskClass.NORMAL] / len(rows.loans) < 0.95
    assert sum(shares[risk] for risk in NON_PERFORMING) / len(rows.loans) < 0.05
    kinds = Counter(c["kind"] for c in rows.customers)
    assert 0.07 < kinds[CustomerKind.CORPORATE] / len(rows.customers) < 0.13


def test_classes_follow_the_loans(rows: TenantRows) -> None:
    classifies = any(p["category"] is PolicyCategory.CLASSIFICATION for p in rows.policies)
    if not classifies:
        assert all(c["class_code"] is None for c in rows.customers)
        assert rows.class_changes == []
        return
    loans_of: dict[object, list[Row]] = {}
    for loan in rows.loans:
        loans_of.setdefault(loan["customer_id"], []).append(loan)
    changes = {change["customer_id"]: change for change in rows.class_changes}
    for customer in rows.customers:
        loans = loans_of.get(customer["id"], [])
        risks = {loan["risk_class"] for loan in loans}
        change = changes[customer["id"]]
        assert change["to_class"] is customer["class_code"]
        assert change["rules"]
        assert customer["exposure_at_class_set"] == sum(
            (loan["balance"] for loan in loans), Decimal("0.00")
        )
        if customer["blacklisted"] or risks & {RiskClass.DOUBTFUL, RiskClass.LOSS}:
            assert customer["class_code"] is CustomerClass.EXIT
        elif RiskClass.SUBSTANDARD in risks or any(loan["days_overdue"] for loan in loans):
            assert customer["class_code"] is CustomerClass.RESTRICT
        if customer["class_code"] is CustomerClass.SUPPORT:
            assert customer["contribution_score"] >= 60


def test_smallest_set(registry: PolicyRegistry) -> None:
    rows = generate_tenant_rows("cc-demo", managers=1, customers=1, loans=3, registry=registry)
    assert rows.summary().loans == 3
    assert {loan["customer_id"] for loan in rows.loans} == {rows.customers[0]["id"]}


@pytest.mark.parametrize(
    ("tenant", "managers", "customers", "loans", "message"),
    [
        ("xx-demo", 1, 1, 1, "unknown demo tenant"),
        ("sd-demo", 0, 1, 1, "at least one manager"),
        ("sd-demo", 1, 1, -1, "no negative sizes"),
        ("sd-demo", 1, 0, 1, "loans need customers"),
    ],
)
def test_refuses_bad_arguments(
    registry: PolicyRegistry, tenant: str, managers: int, customers: int, loans: int, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        generate_tenant_rows(
            tenant, managers=managers, customers=customers, loans=loans, registry=registry
        )


async def _stored(
    path: Path, *, parallel: bool, defer_indexes: bool = False
) -> dict[str, set[tuple[Any, ...]]]:
    """Load a small demo set into a fresh SQLite file and read back what identifies its rows
    (ids and timestamps are new on every load)."""
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{path}", jwt_secret="d" * 40, data_dir=path.parent
    )
    engine = create_engine(settings)
    async with engine.connect() as conn:
        await conn.run_sync(upgrade_on)
        await conn.commit()
    sessions = create_sessionmaker(engine)
    async with sessions() as session, session.begin():
        await load_demo_data(
            session,
            lookup_key=b"k" * 32,
            managers=4,
            customers=12,
            loans=30,
            parallel=parallel,
            defer_indexes=defer_indexes,
        )
    m, c, lo = models.Manager, models.Customer, models.Loan
    async with sessions() as session:
        found = {
            "managers": set(
                (
                    await session.execute(select(m.tenant_id, m.employee_no, m.name, m.tier_code))
                ).all()
            ),
            "customers": set(
                (
                    await session.execute(
                        select(c.tenant_id, c.name, c.id_number, c.id_number_hash, c.class_code)
                    )
                ).all()
            ),
            "loans": set(
                (
                    await session.execute(
                        select(
                            lo.tenant_id, lo.contract_no, lo.principal, lo.balance, lo.risk_class
                        )
                    )
                ).all()
            ),
            "indexes": set(
                (
                    await session.execute(
                        text("SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index'")
                    )
                ).all()
            ),
        }
    await engine.dispose()
    return found


async def test_tenants_drawn_in_a_worker_process_are_the_tenants_drawn_in_turn(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``parallel`` draws every tenant after the first in a worker process: the same rows."""
    sent: list[str] = []

    class Counted(loader.ProcessPoolExecutor):
        def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Any:
            sent.append(args[0])  # the tenant id the draw is for
            return super().submit(fn, *args, **kwargs)

    monkeypatch.setattr(loader, "ProcessPoolExecutor", Counted)
    in_turn = await _stored(tmp_path / "in_turn.db", parallel=False)
    assert sent == []
    parallel = await _stored(tmp_path / "parallel.db", parallel=True)
    assert sent == list(DEMO_TENANT_IDS[1:])
    assert {k: len(v) for k, v in in_turn.items() if k != "indexes"} == {
        "managers": 4 * len(DEMO_TENANT_IDS),
        "customers": 12 * len(DEMO_TENANT_IDS),
        "loans": 30 * len(DEMO_TENANT_IDS),
    }
    assert parallel == in_turn


async def test_indexes_built_after_the_load_are_the_migrated_indexes(tmp_path: Path) -> None:
    """``defer_indexes`` drops the big tables' secondary indexes for the load and builds them
    again: the same rows, and every index the migrations made, with the same definition."""
    kept = await _stored(tmp_path / "kept.db", parallel=False)
    deferred = await _stored(tmp_path / "deferred.db", parallel=False, defer_indexes=True)
    dropped = {index.name for index in loader._deferred_indexes()}
    assert {"ix_loans_tenant_id_office_id", "ix_customers_tenant_id_office_id"} <= dropped
    assert dropped <= {name for name, _table, _sql in kept["indexes"]}
    assert deferred == kept


async def _written(connection: AsyncConnection, drawn: TenantRows) -> dict[str, list[Any]]:
    """Every column of every row the drawn tenant's tables hold, as read back."""
    tenant_id = drawn.tenant["tenant_id"]
    found = {}
    for table, _rows in drawn.in_insert_order():
        result = await connection.execute(select(table).where(table.c.tenant_id == tenant_id))
        found[table.name] = sorted(result.all(), key=repr)
    return found


async def test_rows_bound_for_the_driver_are_stored_as_sqlalchemy_stores_them(
    connection: AsyncConnection, registry: PolicyRegistry
) -> None:
    """The demo load hands the driver rows bound by ``server.demo.bound``: what is stored is
    what SQLAlchemy's own insert of the same dictionaries stores, every column of every row
    (dates, money, JSON, enums, the defaults the rows leave out)."""
    drawn = generate_tenant_rows(
        "sd-demo",
        managers=5,
        customers=20,
        loans=60,
        seed=DEFAULT_SEED + 1,
        today=TODAY,
        registry=registry,
    )
    # The suite's database holds the demo tenants: the same rows under a tenant of their own
    # (another seed, so other ids).
    for _table, table_rows in drawn.in_insert_order():
        for row in table_rows:
            row["tenant_id"] = "bound-rows"
    for customer in drawn.customers:
        customer["id_number_hash"] = identity_hash(b"k" * 32, customer["id_number"])
    dialect = connection.dialect
    savepoint = await connection.begin_nested()
    tables = [(table, rows) for table, rows in drawn.in_insert_order() if rows]
    for table, table_rows in tables:
        await connection.execute(insert(table), table_rows)
    by_sqlalchemy = await _written(connection, drawn)
    await savepoint.rollback()
    savepoint = await connection.begin_nested()
    for table, table_rows in tables:
        inserted = bound_rows(table, table_rows, dialect)
        assert inserted.table == table.name and len(inserted.rows) == len(table_rows)
        await connection.exec_driver_sql(inserted.sql, inserted.rows)
    by_driver = await _written(connection, drawn)
    await savepoint.rollback()
    assert {name: len(found) for name, found in by_driver.items()}["loans"] == 60
    assert by_driver == by_sqlalchemy


def test_a_column_left_out_whose_default_is_computed_is_refused(registry: PolicyRegistry) -> None:
    """A row that leaves out a column with a per-row default cannot be bound: the demo
    rows must give that value themselves."""
    drawn = generate_tenant_rows(
        "sd-demo", managers=2, customers=4, loans=6, today=TODAY, registry=registry
    )
    loans = [{k: v for k, v in loan.items() if k != "principal_repaid"} for loan in drawn.loans]
    dialect = dialect_named("sqlite+aiosqlite")
    with pytest.raises(ValueError, match=r"loans\.principal_repaid: the demo rows must give"):
        bound_rows(models.Loan.__table__, loans, dialect)  # type: ignore[arg-type]
    assert len(bound_rows(models.Loan.__table__, drawn.loans, dialect).rows) == 6  # type: ignore[arg-type]


async def test_tenants_drawn_ahead_with_other_arguments_are_refused(tmp_path: Path) -> None:
    """Rows drawn ahead (while the migrations ran) are only taken when they were drawn with
    the load's own sizes, seed, key and driver; otherwise nothing is written."""
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'ahead.db'}",
        jwt_secret="d" * 40,
        data_dir=tmp_path,
    )
    engine = create_engine(settings)
    async with engine.connect() as conn:
        await conn.run_sync(upgrade_on)
        await conn.commit()
    other = DrawArguments(
        lookup_key=b"k" * 32,
        managers=4,
        customers=12,
        loans=31,
        seed=DEFAULT_SEED,
        today=None,
        driver="sqlite+aiosqlite",
    )
    ahead = DrawsAhead([], other)
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            with pytest.raises(ValueError, match="drawn with other arguments"):
                await load_demo_data(
                    session, lookup_key=b"k" * 32, managers=4, customers=12, loans=30, ahead=ahead
                )
            assert await database_is_empty(session)
    finally:
        ahead.close()
        await engine.dispose()
