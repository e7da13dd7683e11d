"""The web's form answers across processes (:mod:`api.web.form_store`): two contexts on one
database stand for two server processes; the real clock runs, so leases do expire."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from sqlalchemy import Engine

from api.http.context import AppContext, HttpConfig
from api.settings import Settings
from api.web.form_store import form_answer
from api.web.security import FormReplay

SLOT = "key-id:run:form-token"


def worker(db: Engine, lease_s: int = 120) -> AppContext:
    """One server process's context on the shared database."""
    return AppContext(
        Settings(database_url="sqlite://"), db, config=HttpConfig(in_flight_lease_s=lease_s)
    )


def action(runs: list[str], name: str, seconds: float) -> Callable[[], tuple[str, int]]:
    def make() -> tuple[str, int]:
        runs.append(name)
        time.sleep(seconds)
        return f"answer of {name}", 200

    return make


def in_background(fn: Callable[[], object]) -> threading.Thread:
    thread = threading.Thread(target=fn)
    thread.start()
    time.sleep(0.2)  # it has claimed the key by now
    return thread


def test_a_waiter_gets_the_first_answer_even_past_the_lease(db: Engine) -> None:
    # The first action outlasts its 1 s lease: the waiter must not take it over.
    runs: list[str] = []
    first = in_background(lambda: form_answer(worker(db, 1), "p", SLOT, action(runs, "A", 2)))
    got = form_answer(worker(db, 1), "p", SLOT, action(runs, "B", 0), wait_s=10)
    first.join()
    assert runs == ["A"] and got == ("answer of A", 200)
    assert form_answer(worker(db), "p", SLOT, action(runs, "C", 0)) == got  # stored
    assert runs == ["A"]


def test_a_waiter_that_gives_up_is_not_remembered(db: Engine) -> None:
    runs: list[str] = []
    first = in_background(lambda: form_answer(worker(db), "p", SLOT, action(runs, "A", 1)))
    replay = FormReplay()
    quick = lambda: form_answer(worker(db), "p", SLOT, action(runs, "B", 0), wait_s=0.2)  # noqa: E731
    assert replay.once("s", quick) is None  # still running elsewhere: no answer yet
    first.join()
    assert replay.once("s", quick) == ("answer of A", 200)  # asked again, not a kept None
    assert runs == ["A"]


def test_a_failed_first_post_lets_the_waiter_run(db: Engine) -> None:
    runs: list[str] = []

    def failing() -> tuple[str, int]:
        runs.append("A")
        time.sleep(0.5)
        raise RuntimeError("the action failed")

    def first_post() -> None:
        with pytest.raises(RuntimeError):
            form_answer(worker(db), "p", SLOT, failing)

    first = in_background(first_post)
    got = form_answer(worker(db), "p", SLOT, action(runs, "B", 0), wait_s=10)
    first.join()
    assert runs == ["A", "B"] and got == ("answer of B", 200)


def test_answers_are_kept_per_principal_and_slot(db: Engine) -> None:
    runs: list[str] = []
    assert form_answer(worker(db), "p", SLOT, action(runs, "A", 0)) == ("answer of A", 200)
    assert form_answer(worker(db), "q", SLOT, action(runs, "B", 0)) == ("answer of B", 200)
    other = SLOT + "-2"
    assert form_answer(worker(db), "p", other, action(runs, "C", 0)) == ("answer of C", 200)
    assert runs == ["A", "B", "C"]
