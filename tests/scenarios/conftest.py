"""Shared fixtures of the scenario tests: the scenario files and a loaded Lamphun."""

from __future__ import annotations

from pathlib import Path

import pytest

from scenarios.sim.loader import Scenario, load_scenario

ROOT = Path(__file__).resolve().parents[2]
SCENARIO_FILES = sorted((ROOT / "scenarios").glob("*.yaml"))


@pytest.fixture(scope="session")
def lamphun() -> Scenario:
    return load_scenario(ROOT / "scenarios" / "lamphun-2555.yaml")
