"""FastAPI's share of an order post: the whole app in process against the route's own steps,
the database statement stubbed in both (:mod:`benchmarks.api_overhead`).

No target of its own: it tells how much a plain ASGI path for ``POST /v1/orders`` could save
(the load benchmark's posts cost about 2.3 ms of CPU each in all). The full run posts 3,000
times each way; the smoke run 20.
"""

from __future__ import annotations

import asyncio
from typing import Any

from benchmarks.api_overhead import measure


def test_bench_api_fastapi_share(benchmark: Any, smoke: bool) -> None:
    posts = 20 if smoke else 3000
    figures = benchmark.pedantic(lambda: asyncio.run(measure(posts)), rounds=1, iterations=1)
    benchmark.extra_info.update(figures | {"posts": posts})
    assert figures["route_steps_cpu_ms_per_post"] > 0
    assert figures["app_cpu_ms_per_post"] > figures["route_steps_cpu_ms_per_post"]
