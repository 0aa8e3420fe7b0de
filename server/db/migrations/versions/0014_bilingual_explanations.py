"""Explanations in two languages: ``explanation_en`` beside ``explanation`` on appraisals,
appraisal items and account movements.

From this version on the policies write ``explanation`` in Chinese and ``explanation_en``
in English. The rows already stored were explained in English: their text is copied into
``explanation_en`` and ``explanation`` is left as it is (still English), so nothing stored
is lost or rewritten; appraisals computed again get both texts.

The revision and the one it revises are named once, in ``revision`` and ``down_revision``.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_bilingual_explanations"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, whether every row has an explanation): appraisals.explanation may be NULL.
TABLES = (("appraisals", False), ("appraisal_items", True), ("account_movements", True))


def upgrade() -> None:
    for table, required in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("explanation_en", sa.Text(), nullable=True))
        op.execute(f"UPDATE {table} SET explanation_en = explanation")  # noqa: S608
        if required:
            op.execute(f"UPDATE {table} SET explanation_en = '' WHERE explanation_en IS NULL")  # noqa: S608
            with op.batch_alter_table(table) as batch:
                batch.alter_column("explanation_en", existing_type=sa.Text(), nullable=False)


def downgrade() -> None:
    for table, _ in reversed(TABLES):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("explanation_en")
