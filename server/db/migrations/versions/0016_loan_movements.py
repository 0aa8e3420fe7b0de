"""The loan book: a loan's movements (repayments, write-off, recoveries, closure, changes of
class and flags) and what a loan keeps of them (status, repaid, written off, closed).

Existing loans are ACTIVE; what was repaid before is ``principal - balance``, so that
``balance = principal - principal_repaid - written_off_amount`` holds for every loan.

The revision and the one it revises are named once, in ``revision`` and ``down_revision``.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import server.db.types

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MONEY = server.db.types.ScaledDecimal(precision=18, scale=2)
RISK_CLASSES = ("NORMAL", "SPECIAL_MENTION", "SUBSTANDARD", "DOUBTFUL", "LOSS")
KINDS = (
    "REPAYMENT_PRINCIPAL",
    "REPAYMENT_INTEREST",
    "WRITE_OFF",
    "WRITE_OFF_RECOVERY",
    "CLOSURE",
    "RECLASSIFICATION",
    "EXTENSION",
    "REFINANCING",
)
INDEXES = (
    ("tenant_id", "loan_id", "moved_on"),
    ("tenant_id", "kind", "moved_on", "manager_id"),
    ("tenant_id", "import_id"),
)


def _enum(name: str, values: Sequence[str], *, checked: bool = True) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=checked, length=32)


def upgrade() -> None:
    # Added column by column (no table copy on SQLite, whose copy would trip the foreign
    # keys of the loans' snapshots and duties).
    op.add_column(
        "loans",
        sa.Column(
            "status",
            # SQLite adds no constraint to a table but by copying it: the values unchecked there.
            _enum(
                "status",
                ("ACTIVE", "CLOSED", "WRITTEN_OFF"),
                checked=op.get_bind().dialect.name != "sqlite",
            ),
            nullable=False,
            server_default="ACTIVE",
        ),
    )
    for column in ("principal_repaid", "interest_repaid", "writeoff_recovered"):
        op.add_column("loans", sa.Column(column, MONEY, nullable=False, server_default="0"))
    op.add_column("loans", sa.Column("written_off_on", sa.Date(), nullable=True))
    op.add_column("loans", sa.Column("written_off_amount", MONEY, nullable=True))
    op.add_column("loans", sa.Column("closed_on", sa.Date(), nullable=True))
    op.execute(sa.text("UPDATE loans SET principal_repaid = principal - balance"))
    op.create_table(
        "loan_movements",
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("loan_id", sa.Uuid(), nullable=False),
        sa.Column("manager_id", sa.Uuid(), nullable=False),
        sa.Column("kind", _enum("kind", KINDS), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("moved_on", sa.Date(), nullable=False),
        sa.Column("risk_class", _enum("risk_class", RISK_CLASSES), nullable=False),
        sa.Column("source", _enum("source", ("MANUAL", "IMPORT")), nullable=False),
        sa.Column("import_id", sa.Uuid(), nullable=True),
        sa.Column("recorded_by", sa.String(length=80), nullable=False),
        sa.Column(
            "recorded_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_loan_movements_amount_not_negative")),
        sa.ForeignKeyConstraint(
            ["tenant_id", "loan_id"],
            ["loans.tenant_id", "loans.id"],
            name=op.f("fk_loan_movements_tenant_id_loan_id_loans"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "manager_id"],
            ["managers.tenant_id", "managers.id"],
            name=op.f("fk_loan_movements_tenant_id_manager_id_managers"),
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_loan_movements")),
    )
    for columns in INDEXES:
        op.create_index(f"ix_loan_movements_{'_'.join(columns)}", "loan_movements", list(columns))


def downgrade() -> None:
    for columns in INDEXES:
        op.drop_index(f"ix_loan_movements_{'_'.join(columns)}", table_name="loan_movements")
    op.drop_table("loan_movements")
    for column in (
        "closed_on",
        "written_off_amount",
        "written_off_on",
        "writeoff_recovered",
        "interest_repaid",
        "principal_repaid",
        "status",
    ):
        op.drop_column("loans", column)
