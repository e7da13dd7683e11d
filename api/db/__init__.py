"""Persistence: SQLModel tables, mapping functions, repositories, locks, audit chain."""
