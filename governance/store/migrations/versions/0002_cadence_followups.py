"""Succession and cadence: an action satisfied by convening a meeting of a kind; rows that fire only while a condition holds.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("actions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("satisfied_by", sa.String(length=40), nullable=True))
        batch_op.create_index(batch_op.f("ix_actions_satisfied_by"), ["satisfied_by"], unique=False)
    with op.batch_alter_table("deadlines", schema=None) as batch_op:
        batch_op.add_column(sa.Column("condition", sa.String(length=64), nullable=True))
        # A record's own rows, in due order: selective and sorted, so `show` stays flat however many rows are pending.
        batch_op.drop_index("ix_deadlines_ref_status")
        batch_op.create_index("ix_deadlines_ref_status_due", ["ref", "status", "due"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("deadlines", schema=None) as batch_op:
        batch_op.drop_index("ix_deadlines_ref_status_due")
        batch_op.create_index("ix_deadlines_ref_status", ["ref", "status"], unique=False)
        batch_op.drop_column("condition")
    with op.batch_alter_table("actions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_actions_satisfied_by"))
        batch_op.drop_column("satisfied_by")
