"""The member and coordinator HTTP API (``/v1``): app factory, dependencies and routers."""
