"""One whole replay: check, load, serve, replay every day, compare with the simulator.

:func:`replay_season` is what ``coopmatch season replay`` and the tests call. It checks the
scenario against the database before writing anything, loads the world, serves the app
(in-process, or uvicorn on 127.0.0.1), replays the days with the faults of the plan, and
returns the season's metrics beside the simulator's for the same scenario, policy and seed
(run 0 of ``coopmatch simulate --seed N``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date

import numpy as np
import structlog
from sqlalchemy import Engine, text

from api.db.migrate import upgrade
from api.http.app import create_app
from api.http.context import HttpConfig
from api.replay.behaviour import differs_from_simulator, never_pays, resolve
from api.replay.client import Caller, DayClock, serve
from api.replay.driver import DayCounts, Replay, new_books
from api.replay.faults import Injector, Tally
from api.replay.invariants import Ledger, ledger_totals
from api.replay.world import check_world, load_world
from api.settings import Settings
from scenarios.sim.draws import draw_season
from scenarios.sim.loader import Scenario
from scenarios.sim.metrics import SeasonMetrics
from scenarios.sim.montecarlo import run_seed, with_days
from scenarios.sim.schema import PolicySpec
from scenarios.sim.season import _metrics, simulate_season
from scenarios.sim.setup import season_setup

REPLAY_HTTP = HttpConfig(
    rate_per_minute=1_000_000, key_cache_s=86_400.0, verify_per_client_minute=100_000
)
"""One client speaks for every member at machine speed: no per-client throttles."""


def quiet_logs() -> None:
    """Only warnings from the app's request log (a season makes thousands of requests)."""
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))


class DatabaseUnreachable(RuntimeError):
    """The ``--db`` URL does not answer."""


@dataclass(frozen=True)
class ReplayResult:
    """A finished replay: its metrics, the simulator's, the ledger and what happened."""

    scenario_id: str
    policy: str
    seed: int
    days: int
    metrics: SeasonMetrics
    twin: SeasonMetrics
    ledger: Ledger
    counts: DayCounts
    posts: int
    retries: int
    faults: Tally
    wall_s: float
    sim_s: float
    joint_fund_satang: int
    repay_differs: tuple[str, ...] = ()
    """Members whose repayment behaviour differs from the simulator's (late, never)."""


@contextmanager
def _wal_kept(engine: Engine) -> Iterator[None]:
    """On SQLite, hold one idle connection open while the replay runs.

    The app opens a connection per transaction and closes it after; when the *last*
    connection to a WAL database closes, SQLite checkpoints the log into the database and
    deletes it, so every request of a one-client replay paid a checkpoint. A server under
    real load always has another connection open; this one stands in for it (it reads and
    writes nothing)."""
    if engine.url.get_backend_name() != "sqlite":
        yield
        return
    conn = engine.raw_connection()
    try:
        yield
    finally:
        conn.close()


def ping(engine: Engine) -> None:
    """Raise :class:`DatabaseUnreachable` when the database does not answer."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # any driver error means the same here
        raise DatabaseUnreachable(str(exc).splitlines()[0] if str(exc) else repr(exc)) from exc


def pick_policy(scenario: Scenario, name: str | None) -> PolicySpec:
    """The named policy (default: the scenario's first)."""
    for p in scenario.spec.policies:
        if name is None or p.name == name:
            return p
    raise KeyError(name)


def replay_season(
    engine: Engine,
    scenario: Scenario,
    source: str,
    *,
    seed: int,
    days: int | None = None,
    policy: str | None = None,
    plan: dict[str, int] | None = None,
    server: bool = False,
    decline_bps: int | None = None,
    one_round: bool = False,
    behaviours: bool = True,
    workers: int = 4,
    progress: Callable[[int, int], None] | None = None,
) -> ReplayResult:
    """Replay a season (see the module docstring).

    Raises:
        ScenarioError: the database cannot take the scenario (nothing written).
        DatabaseUnreachable: the database does not answer.
        InvariantBroken: an invariant failed after a day.
        ReplayError: the system gave an answer no retry recovers from.
    """
    ping(engine)
    if days is not None:
        scenario = with_days(scenario, days)
    pol = pick_policy(scenario, policy)
    check_world(None, scenario, source)  # what the scenario holds, before the schema is touched
    upgrade(engine)
    check_world(engine, scenario, source)  # and that the database is fresh
    setup = season_setup(scenario, pol)
    clock = DayClock(setup.dates[0])
    world = load_world(engine, scenario, pol, clock(), one_round)
    draws = draw_season(
        setup.scenario, pol, setup.collector_rows, setup.buyer_rows, run_seed(seed, 0)
    )
    if not behaviours:  # members as the simulator's: accept all, the policy's late payers
        scenario = replace(scenario, spec=scenario.spec.model_copy(update={"replay": None}))
    members = resolve(scenario, setup, decline_bps)
    books = new_books(setup, members)
    start_total = sum(books.st.cash.values()) + books.st.fund
    settings = Settings(
        database_url=engine.url.render_as_string(hide_password=False), round_date_window_days=36500
    )
    quiet_logs()
    app = create_app(settings, engine=engine, clock=clock, config=REPLAY_HTTP)
    root = next(n.id for n in world.scenario.networks if n.parent_id is None)
    injector = Injector(engine, plan or {}, seed, world.coordinator[root], clock)

    def set_day(day: date) -> None:
        clock.day = day

    started = time.perf_counter()
    n_days = scenario.spec.season.days
    with serve(app, server) as http, _wal_kept(engine):
        caller = Caller(http, world.tokens, seed)
        rp = Replay(
            engine,
            world,
            setup,
            draws,
            books,
            caller,
            injector,
            set_day,
            members,
            rng=np.random.default_rng([seed, 4_242]),
            workers=workers,
            never_pays=never_pays(members),
        )
        for t in range(n_days):
            rp.run_day(t, last=t == n_days - 1)
            if progress is not None:
                progress(t + 1, n_days)
    wall = time.perf_counter() - started
    t0 = time.perf_counter()
    twin = simulate_season(scenario, pol, run_seed(seed, 0))
    sim_s = time.perf_counter() - t0
    return ReplayResult(
        scenario_id=scenario.spec.id,
        policy=pol.name,
        seed=seed,
        days=n_days,
        metrics=_metrics(pol, 0, books.st, start_total),
        twin=twin,
        ledger=rp.ledger or ledger_totals(engine),
        counts=rp.counts,
        posts=caller.posts,
        retries=caller.retries,
        faults=injector.tally,
        wall_s=wall,
        sim_s=sim_s,
        joint_fund_satang=pol.joint_fund_baht,
        repay_differs=tuple(differs_from_simulator(members, setup)),
    )
