"""The edges of coopmatch: CLI, file schemas, persistence and the HTTP API."""
