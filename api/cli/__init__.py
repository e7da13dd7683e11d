"""The ``coopmatch`` command line (Typer + Rich)."""
