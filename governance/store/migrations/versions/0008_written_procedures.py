"""Written procedures: the record, members' positions, objections and reservations.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_CURRENT = sa.text("superseded_at IS NULL")


def _by_member(name: str, *columns: sa.Column) -> None:
    """A table of what members said in a procedure: who, for which organisation, when."""
    op.create_table(
        name,
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("procedure_id", sa.Integer(), sa.ForeignKey("written_procedures.id"), nullable=False),
        sa.Column("org_id", sa.Integer(), sa.ForeignKey("organisations.id"), nullable=False),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("people.id"), nullable=False),
        *columns,
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(f"ix_{name}_procedure_id", name, ["procedure_id"])


def upgrade() -> None:
    op.create_table(
        "written_procedures",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("state", sa.String(length=40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("pending_trigger", sa.String(length=64), nullable=True),
        sa.Column("pending_by", sa.String(length=64), nullable=True),
        sa.Column("pending_reason", sa.Text(), nullable=True),
        sa.Column("pending_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("document_id", sa.Integer(), sa.ForeignKey("documents.id"), nullable=False),
        sa.Column("document_version", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=10), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("follows_id", sa.Integer(), sa.ForeignKey("written_procedures.id"), nullable=True),
    )
    op.create_index("ix_written_procedures_state", "written_procedures", ["state"])
    op.create_index("ix_written_procedures_document_id", "written_procedures", ["document_id"])
    op.create_index("ix_written_procedures_follows_id", "written_procedures", ["follows_id"])
    _by_member("written_positions",
               sa.Column("position", sa.String(length=10), nullable=False),
               sa.Column("statement", sa.Text(), nullable=True),
               sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ux_written_positions_current", "written_positions", ["procedure_id", "org_id"], unique=True,
                    sqlite_where=_CURRENT, postgresql_where=_CURRENT)
    _by_member("written_objections",
               sa.Column("kind", sa.String(length=20), nullable=False),
               sa.Column("text", sa.Text(), nullable=False),
               sa.Column("para", sa.Integer(), nullable=True))
    _by_member("written_reservations",
               sa.Column("kind", sa.String(length=20), nullable=False),
               sa.Column("text", sa.Text(), nullable=False))


def downgrade() -> None:
    for name in ("written_reservations", "written_objections", "written_positions"):
        op.drop_table(name)
    op.drop_table("written_procedures")
