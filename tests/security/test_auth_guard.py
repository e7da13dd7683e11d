"""The rules of :class:`api.http.secret_guard.SecretGuard` on a fake clock (issue 18,
findings 1 and 6): a back-off per key id and client, a limit per client, a limit per key id
that lets the key's known clients through, and a bounded queue of argon2 checks."""

from __future__ import annotations

import asyncio
import threading

import pytest

from api.http import secret_guard
from api.http.secret_guard import Busy, GuardLimits, SecretGuard


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _fail(guard: SecretGuard, key: str, client: str) -> float:
    wait = guard.admit(key, client)
    if wait == 0:
        guard.record(key, client, ok=False)
    return wait


def test_wrong_secrets_back_off_one_client_only_and_a_right_one_clears_it() -> None:
    clock = Clock()
    guard = SecretGuard(GuardLimits(free_failures=3, per_key_minute=1000), clock)
    assert [_fail(guard, "k", "attacker") for _ in range(3)] == [0, 0, 0]
    assert guard.admit("k", "attacker") == pytest.approx(1.0)  # 2^0 s after the 3rd
    assert guard.admit("k", "owner") == 0  # another client is not affected
    clock.now += 1.01
    assert _fail(guard, "k", "attacker") == 0
    assert guard.admit("k", "attacker") == pytest.approx(2.0)  # doubled
    clock.now += 2.01
    guard.admit("k", "attacker")
    guard.record("k", "attacker", ok=True)  # it did hold the secret after all
    assert guard.admit("k", "attacker") == 0


def test_the_back_off_is_capped() -> None:
    clock = Clock()
    guard = SecretGuard(GuardLimits(free_failures=0, per_key_minute=10**6), clock)
    for _ in range(40):
        guard.record("k", "c", ok=False)
    assert guard.admit("k", "c") == pytest.approx(secret_guard.MAX_BACKOFF_S)


def test_each_client_has_its_own_budget_of_checks() -> None:
    guard = SecretGuard(GuardLimits(per_client_minute=2), Clock())
    assert _fail(guard, "k1", "c") == 0 and _fail(guard, "k2", "c") == 0
    assert guard.admit("k3", "c") > 0
    assert guard.admit("k3", "other") == 0


def test_a_key_under_attack_still_admits_its_known_clients() -> None:
    clock = Clock()
    guard = SecretGuard(GuardLimits(per_key_minute=3), clock)
    guard.admit("k", "office")
    guard.record("k", "office", ok=True)
    for n in range(3):  # a spread-out attack: one failure from each of many addresses
        assert _fail(guard, "k", f"bot-{n}") == 0
    assert guard.admit("k", "bot-new") > 0  # new addresses wait while the key is attacked
    assert guard.admit("k", "office") == 0  # the owner's known client does not
    assert guard.admit("other-key", "bot-new") == 0


def test_the_tables_stay_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(secret_guard, "MAX_ENTRIES", 50)
    guard = SecretGuard(GuardLimits(per_key_minute=10**6, per_client_minute=10**6), Clock())
    for n in range(500):
        _fail(guard, f"k{n}", f"c{n}")
    assert len(guard._failures) == 50 and len(guard._clients._state) == 50


def test_checks_run_off_the_loop_one_per_client_and_a_full_queue_is_refused() -> None:
    guard = SecretGuard(GuardLimits(concurrency=2, queue=3))
    release = threading.Event()
    running: list[str] = []
    peak: dict[str, int] = {}
    lock = threading.Lock()

    def check(client: str) -> bool:
        with lock:
            running.append(client)
            peak[client] = max(peak.get(client, 0), running.count(client))
            peak["all"] = max(peak.get("all", 0), len(running))
        release.wait(5)
        with lock:
            running.remove(client)
        return False

    async def one(client: str) -> bool:
        async with guard.turn(client):
            return await guard.run(lambda: check(client))

    async def main() -> tuple[int, float]:
        clients = ["a", "a", "a", "b", "c"]  # 5 = concurrency 2 + queue 3
        tasks = [asyncio.create_task(one(c)) for c in clients]
        await asyncio.sleep(0.2)
        before = asyncio.get_running_loop().time()
        await asyncio.sleep(0.01)  # the loop is not blocked while checks run
        lag = asyncio.get_running_loop().time() - before
        with pytest.raises(Busy):
            await one("d")  # the 6th is refused at once, without hashing
        release.set()
        return len(await asyncio.gather(*tasks)), lag

    done, lag = asyncio.run(main())
    assert done == 5 and lag < 0.5
    assert peak["a"] == 1 and peak["all"] == 2  # one at a time per client, 2 in all
    assert guard._turns == {} and guard._waiting == 0
