"""return review queue

A return that needs a person (policy action ``review``, or an amount / currency other than
what was collected) is an open review item: ``return_items`` gains what was returned against
what was expected and the audited decision; ``ledger_lines.held_by_return_id`` holds the line
out of settlement and collection until the item is resolved. Items kept for review before
this revision (unmatched, reversals) become open review items.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 02:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("return_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("currency", sa.String(length=3), nullable=True))
        batch_op.add_column(sa.Column("expected_amount_cents", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("expected_currency", sa.String(length=3), nullable=True))
        batch_op.add_column(sa.Column("review_status", sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column("review_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("resolved_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("resolved_by", sa.String(length=140), nullable=True))
        batch_op.add_column(sa.Column("resolution_note", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("applied_line_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_return_items_applied_line_id_ledger_lines"),
            "ledger_lines",
            ["applied_line_id"],
            ["id"],
        )
    with op.batch_alter_table("ledger_lines", schema=None) as batch_op:
        batch_op.add_column(sa.Column("held_by_return_id", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE return_items SET review_status = 'open' WHERE outcome IN ('unmatched', 'review')"
    )


def downgrade() -> None:
    with op.batch_alter_table("ledger_lines", schema=None) as batch_op:
        batch_op.drop_column("held_by_return_id")
    with op.batch_alter_table("return_items", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_return_items_applied_line_id_ledger_lines"), type_="foreignkey"
        )
        batch_op.drop_column("applied_line_id")
        batch_op.drop_column("resolution_note")
        batch_op.drop_column("resolved_by")
        batch_op.drop_column("resolved_at")
        batch_op.drop_column("review_reason")
        batch_op.drop_column("review_status")
        batch_op.drop_column("expected_currency")
        batch_op.drop_column("expected_amount_cents")
        batch_op.drop_column("currency")
