"""bank files published

A bank file is written (its lines SUBMITTED, the file in ``outbox/.partial/``), then published
(renamed into the outbox): ``published_at`` records the second step, and only the lines of a
published file are ever settled. The files recorded before this revision were published when
they were created (data migration).

Revision ID: 0004
Revises: 0002
Create Date: 2026-12-01 02:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("bank_files", schema=None) as batch_op:
        batch_op.add_column(sa.Column("published_at", sa.DateTime(), nullable=True))
    op.execute("UPDATE bank_files SET published_at = created_at")


def downgrade() -> None:
    with op.batch_alter_table("bank_files", schema=None) as batch_op:
        batch_op.drop_column("published_at")
