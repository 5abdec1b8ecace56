"""Evidence that survives the database: when an entry was recorded and through which channel, the chain's head in each letter;
an id of this instance, so that its calendar entries never collide with another's; when a person was removed.

Revision ID: 0004
Revises: 0003
"""

import uuid

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit", schema=None) as batch_op:
        batch_op.add_column(sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("channel", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("via", sa.String(length=200), nullable=True))
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("audit_head", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("first_attempt_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("attachment_name", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("attachment", sa.Text(), nullable=True))
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True))
    # A database that already sent invitations keeps its calendar UIDs (an id now would duplicate every entry people hold).
    connection = op.get_bind()
    sent_invitations = connection.execute(sa.text("SELECT count(*) FROM meetings")).scalar()
    engine_state = sa.table("engine_state", sa.column("name", sa.String), sa.column("value", sa.Text))
    op.execute(engine_state.insert().values(name="instance_id", value="" if sent_invitations else uuid.uuid4().hex[:16]))


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM engine_state WHERE name = 'instance_id'"))
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_column("removed_at")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("attachment")
        batch_op.drop_column("attachment_name")
        batch_op.drop_column("first_attempt_at")
        batch_op.drop_column("audit_head")
    with op.batch_alter_table("audit", schema=None) as batch_op:
        batch_op.drop_column("via")
        batch_op.drop_column("channel")
        batch_op.drop_column("recorded_at")
