"""Alembic migrations of the governance database."""
