"""Monte Carlo chunks on Dask distributed: a LocalCluster, or a scheduler by address.

Dask is an optional extra (``pip install 'coopmatch[dask]'``), imported only here and only
when used. The scenario is scattered to every worker once; each task then names only the
root seed and a range of runs, so nothing large travels per task. Results are the same as
the serial executor's (a season depends only on its scenario, policy and run seed).

A remote cluster is reached with ``address`` (``tcp://host:8786``): start
``dask scheduler`` on one machine and ``dask worker tcp://host:8786`` on each of the
others, all with this project installed.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from typing import Any

from scenarios.sim.loader import Scenario
from scenarios.sim.metrics import SeasonMetrics

Task = Callable[[Scenario, int, range], list[SeasonMetrics]]
CONNECT_TIMEOUT_S = 10
_ADDRESS = re.compile(r"(tcp|tls)://(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.\-_]+):(\d{1,5})")


class DaskUnavailableError(RuntimeError):
    """Dask cannot run the seasons: the extra is missing or the scheduler is unreachable."""


def check_dask_address(address: str) -> str | None:
    """Why ``address`` is not a scheduler address (``tcp://host:port``), or None if it is.

    >>> check_dask_address("tcp://10.0.0.5:8786") is None
    True
    >>> check_dask_address("10.0.0.5:8786")
    'must look like tcp://host:8786 (scheme tcp or tls, a host and a port)'
    >>> check_dask_address("tcp://h:70000")
    'port 70000 is not between 1 and 65535'
    """
    match = _ADDRESS.fullmatch(address.strip())
    if match is None:
        return "must look like tcp://host:8786 (scheme tcp or tls, a host and a port)"
    port = int(match.group(3))
    if not 1 <= port <= 65_535:
        return f"port {port} is not between 1 and 65535"
    return None


def _distributed() -> Any:
    try:
        return importlib.import_module("dask.distributed")
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        raise DaskUnavailableError(
            "the dask executor needs the optional extra: pip install 'coopmatch[dask]'"
        ) from exc


def run_dask(
    task: Task,
    scenario: Scenario,
    root_seed: int,
    chunks: list[range],
    n_workers: int,
    progress: Callable[[int], None] | None,
    address: str | None = None,
) -> list[SeasonMetrics]:
    """Run ``task(scenario, root_seed, chunk)`` for every chunk on Dask.

    Args:
        task: a module-level function (workers import it by name).
        scenario: sent to every worker once.
        root_seed: the Monte Carlo root seed.
        chunks: the run ranges, one task each.
        n_workers: processes of the LocalCluster (ignored with ``address``).
        progress: told how many seasons finished after each task.
        address: a running scheduler (``tcp://host:8786``); none: a LocalCluster.

    Raises:
        DaskUnavailableError: Dask is not installed, the address is malformed or the
            scheduler does not answer within :data:`CONNECT_TIMEOUT_S` seconds.
    """
    if address is not None and (why := check_dask_address(address)) is not None:
        raise DaskUnavailableError(f"Dask scheduler address {address!r}: {why}")
    dd = _distributed()
    cluster = None
    if address is None:
        cluster = dd.LocalCluster(
            n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=None
        )
    try:
        client = _connect(dd, address or cluster)
        with client:
            return _gather(dd, client, task, scenario, root_seed, chunks, progress)
    finally:
        if cluster is not None:
            cluster.close()


def _connect(dd: Any, target: Any) -> Any:
    """A client of ``target``; an unreachable scheduler is a :class:`DaskUnavailableError`."""
    try:
        return dd.Client(target, timeout=f"{CONNECT_TIMEOUT_S}s")
    except (OSError, TimeoutError) as exc:
        why = " ".join(str(exc).split())  # distributed's messages span lines
        raise DaskUnavailableError(f"cannot reach the Dask scheduler at {target}: {why}") from exc


def _gather(
    dd: Any,
    client: Any,
    task: Task,
    scenario: Scenario,
    root_seed: int,
    chunks: list[range],
    progress: Callable[[int], None] | None,
) -> list[SeasonMetrics]:
    remote = client.scatter(scenario, broadcast=True)
    futures = [client.submit(task, remote, root_seed, c, pure=False) for c in chunks]
    results: list[SeasonMetrics] = []
    for fut in dd.as_completed(futures):
        done = fut.result()
        results += done
        if progress:
            progress(len(done))
    return results
