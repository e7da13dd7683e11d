"""Funding plans: the multi-period cash model and the season funding plan (pure)."""
