"""dunning notices covered and written

A dunning level skipped because a higher one was reached the same day is recorded as covered
(``covered_by``, no file); a dunning fee is linked to its notice (``fee_line_id``); notices and
pre-notifications remember that their file was written (``written``), so a file the mail
sender moved away is never written again.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 12:48:55.944134
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("dunning_notices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("covered_by", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("fee_line_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("written", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.alter_column("path", existing_type=sa.Text(), nullable=True)
        batch_op.alter_column("body", existing_type=sa.Text(), nullable=True)
        batch_op.create_foreign_key(
            batch_op.f("fk_dunning_notices_fee_line_id_ledger_lines"),
            "ledger_lines",
            ["fee_line_id"],
            ["id"],
        )

    with op.batch_alter_table("pre_notifications", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("written", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("pre_notifications", schema=None) as batch_op:
        batch_op.drop_column("written")

    with op.batch_alter_table("dunning_notices", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_dunning_notices_fee_line_id_ledger_lines"), type_="foreignkey"
        )
        batch_op.alter_column("body", existing_type=sa.Text(), nullable=False)
        batch_op.alter_column("path", existing_type=sa.Text(), nullable=False)
        batch_op.drop_column("written")
        batch_op.drop_column("fee_line_id")
        batch_op.drop_column("covered_by")
