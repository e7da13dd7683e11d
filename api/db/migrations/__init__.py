"""Alembic migrations of the coopmatch schema."""
