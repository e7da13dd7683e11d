"""Services: units of work that load from the database, call the matcher and persist."""
