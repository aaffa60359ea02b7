"""mandate lifecycle and cancelled lines

A revoked mandate remembers since when (``mandates.revoked_on``); a mandate's history
(signed, imported, amended, replaced, revoked) is kept in ``mandate_events``; a line
cancelled before it was submitted remembers when, by whom and why.

Revision ID: 0005
Revises: 0002
Create Date: 2026-12-01 02:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mandate_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mandate_id", sa.Integer(), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("detail", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(
            ["mandate_id"], ["mandates.id"], name=op.f("fk_mandate_events_mandate_id_mandates")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mandate_events")),
    )
    with op.batch_alter_table("mandate_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_mandate_events_mandate_id"), ["mandate_id"], unique=False
        )
    with op.batch_alter_table("mandates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revoked_on", sa.Date(), nullable=True))
    with op.batch_alter_table("ledger_lines", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cancelled_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("cancelled_by", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("cancel_reason", sa.String(length=140), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ledger_lines", schema=None) as batch_op:
        batch_op.drop_column("cancel_reason")
        batch_op.drop_column("cancelled_by")
        batch_op.drop_column("cancelled_on")
    with op.batch_alter_table("mandates", schema=None) as batch_op:
        batch_op.drop_column("revoked_on")
    with op.batch_alter_table("mandate_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mandate_events_mandate_id"))
    op.drop_table("mandate_events")
