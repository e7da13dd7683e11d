"""Registry of seeded benchmark instance families.

A family registers itself with :func:`family`; a driver per phase looks families up with
:func:`families` and parametrises over them. Every instance is built from a fixed seed, so
figures are comparable between runs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Builder = Callable[[int], Any]


@dataclass(frozen=True)
class Family:
    """One seeded instance family of one phase (liquidity, produce, setoff, …)."""

    phase: str
    name: str
    build: Builder
    seed: int
    target_ms: int | None
    """The issue's target for the solve, recorded next to the measured figure."""
    smoke: Any = None
    """A small stand-in built by the same generator, used when benchmarks are disabled."""


_FAMILIES: dict[tuple[str, str], Family] = {}


def family(
    phase: str, name: str, *, seed: int, target_ms: int | None = None
) -> Callable[[Builder], Builder]:
    """Decorator registering ``build(seed)`` as the instance family ``phase/name``."""

    def wrap(build: Builder) -> Builder:
        key = (phase, name)
        if key in _FAMILIES:
            raise ValueError(f"benchmark family {phase}/{name} registered twice")
        _FAMILIES[key] = Family(phase, name, build, seed, target_ms)
        return build

    return wrap


def families(phase: str) -> list[Family]:
    """Every family of ``phase``, in registration order."""
    return [f for (p, _), f in _FAMILIES.items() if p == phase]
