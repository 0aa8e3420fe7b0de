"""A snapshot day's loans summed per office (count, balance, non-performing balance), kept
with the snapshot, so that a trend across days reads one row per office and day; filled
from the snapshots already taken.

The revision and the one it revises are named once, in ``revision`` and ``down_revision``.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import server.db.types

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MONEY = server.db.types.ScaledDecimal(precision=18, scale=2)
NON_PERFORMING = ("SUBSTANDARD", "DOUBTFUL", "LOSS")
"""Five-category classes counted as non-performing (server.policy.vocabulary)."""


def upgrade() -> None:
    op.create_table(
        "loan_snapshot_totals",
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("office_id", sa.Uuid(), nullable=False),
        sa.Column("loans", sa.Integer(), nullable=False),
        sa.Column("balance", MONEY, nullable=False),
        sa.Column("non_performing_balance", MONEY, nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "office_id"],
            ["offices.tenant_id", "offices.id"],
            name=op.f("fk_loan_snapshot_totals_tenant_id_office_id_offices"),
        ),
        sa.PrimaryKeyConstraint(
            "tenant_id", "as_of", "office_id", name=op.f("pk_loan_snapshot_totals")
        ),
    )
    classes = ", ".join(f"'{c}'" for c in NON_PERFORMING)
    op.execute(
        sa.text(
            "INSERT INTO loan_snapshot_totals"
            " (tenant_id, as_of, office_id, loans, balance, non_performing_balance)"
            " SELECT tenant_id, as_of, office_id, count(*), sum(balance),"
            f" sum(CASE WHEN risk_class IN ({classes}) THEN balance ELSE 0 END)"
            " FROM loan_snapshots GROUP BY tenant_id, as_of, office_id"
        )
    )


def downgrade() -> None:
    op.drop_table("loan_snapshot_totals")
