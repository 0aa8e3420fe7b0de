"""How many offices, managers and customers the loans group into, told to PostgreSQL's
planner (extended statistics, ``ndistinct``).

A report groups a whole book by office and manager (dutyCompliance), or by office and
customer (the top borrowers of each office, C1.4). The planner multiplies the columns'
own counts of distinct values, not knowing that a manager or a customer belongs to one
office: on a book of 1,000,000 loans it expected 102,844 groups of office and manager
where there were 9,217, and sorted the whole book on disk instead of summing it in a
hash table (1.6 s against 1.3 s for the same statement under the same load). The
statistics are gathered by ``ANALYZE`` (and autovacuum). SQLite has no such statistics.

The revision and the one it revises are named once, in ``revision`` and ``down_revision``.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATISTICS = {
    "st_loans_office_manager": ("tenant_id", "office_id", "manager_id"),
    "st_loans_office_customer": ("tenant_id", "office_id", "customer_id"),
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, columns in STATISTICS.items():
        op.execute(f"CREATE STATISTICS {name} (ndistinct) ON {', '.join(columns)} FROM loans")
    op.execute("ANALYZE loans")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in STATISTICS:
        op.execute(f"DROP STATISTICS {name}")
