"""Room for what PostgreSQL enforces: a follow-up's source cites its article, a subject carries a long title.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("actions", schema=None) as batch_op:
        batch_op.alter_column("source_ref", existing_type=sa.String(length=40), type_=sa.String(length=1000), existing_nullable=True)
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.alter_column("subject", existing_type=sa.String(length=500), type_=sa.Text(), existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.alter_column("subject", existing_type=sa.Text(), type_=sa.String(length=500), existing_nullable=False)
    with op.batch_alter_table("actions", schema=None) as batch_op:
        batch_op.alter_column("source_ref", existing_type=sa.String(length=1000), type_=sa.String(length=40), existing_nullable=True)
