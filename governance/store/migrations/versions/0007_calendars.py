"""Calendars: time zones of people, weekends and holidays of organisations.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # batch mode: SQLite adds columns in place, and a downgrade must drop them, which SQLite does by copying the table.
    with op.batch_alter_table("people") as people:
        people.add_column(sa.Column("timezone", sa.String(length=64), nullable=True))
    with op.batch_alter_table("organisations") as organisations:
        organisations.add_column(sa.Column("weekend", sa.String(length=40), nullable=True))
        organisations.add_column(sa.Column("holidays", sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("organisations") as organisations:
        organisations.drop_column("holidays")
        organisations.drop_column("weekend")
    with op.batch_alter_table("people") as people:
        people.drop_column("timezone")
