"""A round killed with SIGKILL: the real ``coopmatch round run`` in a child process.

``python -m api.replay.child KIND NOW -- round run --network … --date … --as …`` runs the
CLI's ``round`` group (registered alone, as ``coopmatch`` registers it, so the child does
not import every other command) — the daily round against the database of
``COOPMATCH_DATABASE_URL`` with the replay's clock frozen at ``NOW`` (ISO 8601, UTC),
and the process kills itself with ``SIGKILL`` —
no exception, no ``finally``, no rollback by Python — at one of two points:

``kill-before-persist``  after the round solved, before its persist transaction begins
``kill-in-persist``      inside the persist transaction, after its rows are written and
                         flushed to the database, before the commit

These are the hook points of the exception faults (:mod:`api.replay.faults` wraps the same
two functions of the round service). Nothing here is part of the product: the launcher only
wraps the service's functions and the clock in its own process, then hands the arguments
to the CLI.
"""

from __future__ import annotations

import os
import signal
import sys
from datetime import UTC, datetime
from typing import Any

KILL_KINDS = ("kill-before-persist", "kill-in-persist")


def _die() -> None:
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)


def arm(kind: str, now: datetime) -> None:
    """Freeze the clock at ``now`` and make the next round kill this process at ``kind``."""
    from api.services import clock as clock_module
    from api.services.round import service as round_service

    class _Frozen(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> Any:  # the replay's business day, as the app sees it
            return now if tz is None else now.astimezone(tz)

    setattr(clock_module, "datetime", _Frozen)  # noqa: B010 - read by system_clock
    solve, persist = round_service.solve_snapshot, round_service.persist_round

    def solve_then_die(*a: Any, **kw: Any) -> Any:
        out = solve(*a, **kw)
        _die()
        return out

    def persist_then_die(session: Any, *a: Any, **kw: Any) -> Any:
        out = persist(session, *a, **kw)
        session.flush()  # the round's rows are in the database's transaction, uncommitted
        _die()
        return out

    if kind == "kill-before-persist":
        round_service.solve_snapshot = solve_then_die
    elif kind == "kill-in-persist":
        round_service.persist_round = persist_then_die
    else:
        raise SystemExit(f"unknown kill point {kind!r}; known: {', '.join(KILL_KINDS)}")


def main(argv: list[str]) -> None:
    kind, now, rest = argv[0], datetime.fromisoformat(argv[1]).astimezone(UTC), argv[2:]
    if rest[:1] == ["--"]:
        rest = rest[1:]
    arm(kind, now)
    import typer

    from api.cli import round_file

    app = typer.Typer()  # the real ``coopmatch round`` group alone: half the start-up time
    round_file.register(app)
    app(rest, prog_name="coopmatch")


if __name__ == "__main__":  # pragma: no cover - run as a child process
    main(sys.argv[1:])
