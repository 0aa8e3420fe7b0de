"""Managers carry a resident identity number and a lifetime ban that binds the person;
admission lapses are kept; the pending admission requests are read as a queue.

Existing managers keep a null identity number until HR records it (new managers need
one). A manager already flagged ``DISQUALIFIED_FOR_LIFE`` gets ``banned_for_life``.

The revision and the one it revises are named once, in ``revision`` and ``down_revision``.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LAPSE_INDEX = "ix_admission_lapses_tenant_id_customer_id_lapsed_on"
QUEUE_INDEX = "ix_admission_requests_tenant_id_status_id"
IDENTITY_UNIQUE = "uq_managers_tenant_id_identity_number"


def upgrade() -> None:
    with op.batch_alter_table("managers") as batch:
        batch.add_column(sa.Column("identity_number", sa.String(length=18), nullable=True))
        batch.add_column(
            sa.Column(
                "banned_for_life", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )
        batch.create_unique_constraint(IDENTITY_UNIQUE, ["tenant_id", "identity_number"])
    op.execute(
        "UPDATE managers SET banned_for_life = TRUE "
        "WHERE CAST(flags AS TEXT) LIKE '%DISQUALIFIED_FOR_LIFE%'"
    )
    op.create_table(
        "admission_lapses",
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("last_credit_on", sa.Date(), nullable=False),
        sa.Column("lapsed_on", sa.Date(), nullable=False),
        sa.Column("recorded_by", sa.String(length=80), nullable=False),
        sa.Column(
            "recorded_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "customer_id"],
            ["customers.tenant_id", "customers.id"],
            name=op.f("fk_admission_lapses_tenant_id_customer_id_customers"),
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_admission_lapses")),
    )
    op.create_index(
        op.f(LAPSE_INDEX), "admission_lapses", ["tenant_id", "customer_id", "lapsed_on"]
    )
    op.create_index(op.f(QUEUE_INDEX), "admission_requests", ["tenant_id", "status", "id"])


def downgrade() -> None:
    op.drop_index(op.f(QUEUE_INDEX), table_name="admission_requests")
    op.drop_index(op.f(LAPSE_INDEX), table_name="admission_lapses")
    op.drop_table("admission_lapses")
    with op.batch_alter_table("managers") as batch:
        batch.drop_constraint(IDENTITY_UNIQUE, type_="unique")
        batch.drop_column("banned_for_life")
        batch.drop_column("identity_number")
