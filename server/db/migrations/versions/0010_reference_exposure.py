"""The MAINTAIN reference exposure: a customer's outstanding on each class-history row, and
marks of the outstanding whenever it changes (the highest outstanding over a span).

Each customer with credit outstanding gets one mark of today's outstanding, the one
figure known for the time before the marks.

The revision and the one it revises are named once, in ``revision`` and ``down_revision``.
"""

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import server.db.types
from server.ids import uuid7

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_customer_exposure_marks_tenant_id_customer_id_recorded_at"
MONEY = server.db.types.ScaledDecimal(precision=18, scale=2)


def upgrade() -> None:
    op.add_column("customer_class_changes", sa.Column("exposure", MONEY, nullable=True))
    marks = op.create_table(
        "customer_exposure_marks",
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("outstanding", MONEY, nullable=False),
        sa.Column(
            "recorded_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "outstanding >= 0",
            name=op.f("ck_customer_exposure_marks_outstanding_not_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "customer_id"],
            ["customers.tenant_id", "customers.id"],
            name=op.f("fk_customer_exposure_marks_tenant_id_customer_id_customers"),
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_customer_exposure_marks")),
    )
    op.create_index(
        op.f(INDEX), "customer_exposure_marks", ["tenant_id", "customer_id", "recorded_at"]
    )
    loans = sa.table(
        "loans",
        sa.column("tenant_id", sa.String()),
        sa.column("customer_id", sa.Uuid()),
        sa.column("balance", MONEY),
    )
    outstanding = sa.func.sum(loans.c.balance)
    rows = op.get_bind().execute(
        sa.select(loans.c.tenant_id, loans.c.customer_id, outstanding)
        .where(loans.c.balance > 0)
        .group_by(loans.c.tenant_id, loans.c.customer_id)
    )
    at = dt.datetime.now(dt.UTC)
    op.bulk_insert(
        marks,
        [
            {
                "tenant_id": tenant_id,
                "id": uuid7(),
                "customer_id": customer_id,
                "outstanding": total,
                "recorded_at": at,
            }
            for tenant_id, customer_id, total in rows
        ],
    )


def downgrade() -> None:
    op.drop_index(op.f(INDEX), table_name="customer_exposure_marks")
    op.drop_table("customer_exposure_marks")
    with op.batch_alter_table("customer_class_changes") as batch:
        batch.drop_column("exposure")
