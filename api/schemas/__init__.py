"""Pydantic schemas of the JSON files and API bodies, and their mapping to matcher types."""
