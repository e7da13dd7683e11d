"""The packaged scenario files (``scenarios/*.yaml``) that the web pages and the jobs offer,
picked by file name only (never a path a caller makes up)."""

from __future__ import annotations

from pathlib import Path

import scenarios
from api.services.errors import ServiceError
from scenarios.sim.loader import Scenario, ScenarioError, load_scenario

SCENARIO_DIR = Path(scenarios.__file__).resolve().parent


def scenario_files() -> list[str]:
    """The scenario files offered, by name."""
    return sorted(p.name for p in SCENARIO_DIR.glob("*.yaml"))


def load_named(name: str, field: str = "scenario") -> Scenario:
    """The packaged scenario ``name``.

    Raises:
        ServiceError: not one of :func:`scenario_files`, or the file does not load (the
            message names ``field``).
    """
    if name not in scenario_files():
        choices = ", ".join(scenario_files())
        raise _refused(field, f"ไม่รู้จักฉากทัศน์ / unknown scenario {name!r} (one of {choices})")
    try:
        return load_scenario(SCENARIO_DIR / name)
    except ScenarioError as exc:
        raise _refused(field, "; ".join(str(i) for i in exc.issues)) from exc


def _refused(field: str, line: str) -> ServiceError:
    return ServiceError(
        f"the request is not valid: {field}", f"คำขอไม่ถูกต้อง: {field}", [f"{field}: {line}"]
    )
