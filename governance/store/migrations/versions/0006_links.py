"""Signed links in letters and sign-in letters: one row each, bound to a person, a record, an action and a version, used once.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "links",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("nonce", sa.String(length=64), nullable=False, unique=True),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("people.id"), nullable=False),
        sa.Column("ref", sa.String(length=40), nullable=True),
        sa.Column("record_version", sa.Integer(), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_links_person_id", "links", ["person_id"])
    op.create_index("ix_links_ref", "links", ["ref"])


def downgrade() -> None:
    op.drop_index("ix_links_ref", table_name="links")
    op.drop_index("ix_links_person_id", table_name="links")
    op.drop_table("links")
