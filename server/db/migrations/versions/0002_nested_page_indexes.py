"""Indexes for nested keyset pages: a manager's or customer's rows in id order.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 16:34:27.702636
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import server.db.types


revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customers_tenant_id_manager_id'))
        batch_op.create_index(batch_op.f('ix_customers_tenant_id_manager_id_id'), ['tenant_id', 'manager_id', 'id'], unique=False)

    with op.batch_alter_table('loans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_loans_tenant_id_customer_id'))
        batch_op.create_index(batch_op.f('ix_loans_tenant_id_customer_id_id'), ['tenant_id', 'customer_id', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_loans_tenant_id_manager_id_id'), ['tenant_id', 'manager_id', 'id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('loans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_loans_tenant_id_manager_id_id'))
        batch_op.drop_index(batch_op.f('ix_loans_tenant_id_customer_id_id'))
        batch_op.create_index(batch_op.f('ix_loans_tenant_id_customer_id'), ['tenant_id', 'customer_id'], unique=False)

    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customers_tenant_id_manager_id_id'))
        batch_op.create_index(batch_op.f('ix_customers_tenant_id_manager_id'), ['tenant_id', 'manager_id'], unique=False)

