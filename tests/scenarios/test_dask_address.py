"""Dask by scheduler address: a local scheduler + worker reached by address; bad addresses."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from typer.testing import CliRunner

import scenarios.sim.dask_runner as dask_runner
from scenarios.sim.dask_runner import DaskUnavailableError
from scenarios.sim.loader import Scenario
from scenarios.sim.montecarlo import Executor, run_monte_carlo, with_days
from tests.scenarios.test_cli_simulate import LAMPHUN, _app


@pytest.fixture(scope="module")
def scheduler() -> Iterator[Any]:
    """A scheduler and one worker on this machine, listening on a free TCP port."""
    dd = pytest.importorskip("dask.distributed")
    cluster = dd.LocalCluster(
        n_workers=1,
        threads_per_worker=1,
        processes=False,
        protocol="tcp",
        scheduler_port=0,
        dashboard_address=":0",
    )
    try:
        yield cluster
    finally:
        cluster.close()


def test_runs_on_a_scheduler_by_address(lamphun: Scenario, scheduler: Any) -> None:
    sc = with_days(lamphun, 6)
    address = scheduler.scheduler_address
    assert address.startswith("tcp://")
    serial = run_monte_carlo(sc, 3, 5, Executor.SERIAL)
    remote = run_monte_carlo(sc, 3, 5, Executor.DASK, chunk_size=1, dask_address=address)
    assert remote == serial
    assert "chunk" in scheduler.scheduler.task_prefixes  # the tasks ran there


def test_cli_runs_on_a_scheduler_by_address(scheduler: Any) -> None:
    args = ["simulate", str(LAMPHUN), "--runs", "2", "--days", "4", "--executor", "dask"]
    res = CliRunner().invoke(_app(), [*args, "--dask-address", scheduler.scheduler_address])
    assert res.exit_code == 0, res.output
    assert f"executor dask at {scheduler.scheduler_address}" in res.output


@pytest.mark.parametrize("address", ["localhost:8786", "http://h:8786", "tcp://h:99999", ""])
def test_malformed_address_exits_2(address: str) -> None:
    args = ["simulate", str(LAMPHUN), "--runs", "1", "--days", "2", "--executor", "dask"]
    res = CliRunner().invoke(_app(), [*args, "--dask-address", address])
    assert res.exit_code == 2
    assert "--dask-address" in res.output


def test_address_without_dask_executor_exits_2() -> None:
    args = ["simulate", str(LAMPHUN), "--runs", "1", "--executor", "serial"]
    res = CliRunner().invoke(_app(), [*args, "--dask-address", "tcp://127.0.0.1:8786"])
    assert res.exit_code == 2
    assert "--dask-address" in res.output


def test_unreachable_scheduler_exits_2(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("distributed")
    monkeypatch.setattr(dask_runner, "CONNECT_TIMEOUT_S", 1)
    args = ["simulate", str(LAMPHUN), "--runs", "1", "--days", "2", "--executor", "dask"]
    res = CliRunner().invoke(_app(), [*args, "--dask-address", "tcp://127.0.0.1:1"])
    assert res.exit_code == 2, res.output
    assert "--dask-address" in res.output
    assert "tcp://127.0.0.1:1" in res.output


def test_library_rejects_a_malformed_address(lamphun: Scenario) -> None:
    with pytest.raises(DaskUnavailableError, match="tcp://host:8786"):
        run_monte_carlo(lamphun, 1, 1, Executor.DASK, dask_address="8786")
