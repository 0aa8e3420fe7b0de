"""The loan book updated in place: no index on the balance, and pages half full.

A core system's day-end file changes the balance (and the repaid figures) of every loan.
PostgreSQL can write such an update in place on the row's page (a heap-only update, no
new entry in any index) only when no indexed column changes and the page has room for
the new version. With ``balance`` indexed and pages full, every row's update wrote a new
entry in each of the table's ten indexes: measured on a 2-core machine, one ``UPDATE`` of
98,705 loans' balances took 5.4 s; without the balance index and with pages at most half
full (``fillfactor`` 50; the old versions are reclaimed by (auto)vacuum between files) it
took 0.47 s. The balance index served only the keyset order ``loans(orderBy: BALANCE)``
across a whole tenant; without it one such page of a 1,000,000-loan tenant reads in about
0.1–0.2 s instead of 5–10 ms (a manager's or customer's loans are read by their own
indexes).

The fill factor applies to pages written from now on; ``VACUUM FULL loans`` (or a tool
that rewrites the table) applies it to the loans already stored. SQLite has neither.

The revision and the one it revises are named once, in ``revision`` and ``down_revision``.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FILLFACTOR = 50


def upgrade() -> None:
    op.drop_index(op.f("ix_loans_tenant_id_balance_id"), table_name="loans")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE loans SET (fillfactor = {FILLFACTOR})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE loans RESET (fillfactor)")
    op.create_index(
        op.f("ix_loans_tenant_id_balance_id"), "loans", ["tenant_id", "balance", "id"]
    )
