"""Reference data the scenarios use (district table)."""
