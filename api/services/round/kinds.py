"""The round kinds and the one entrance that runs a round of a given kind.

``daily`` is the combined round (set-off, loans, produce sales;
:func:`api.services.round.service.run_round`); ``purchase`` is the joint-purchase round
(:func:`api.services.purchase_round.run_purchase_round`); ``startup`` is the joint fund's
start-up capital round (:func:`api.services.startup_capital.run_startup_round`); ``knowhow``
is the know-how round (:func:`api.services.knowhow.run_knowhow_round`). The CLI
(``coopmatch round run --kind purchase``) and ``POST /v1/networks/{id}/rounds``
(``"kind": "purchase"``) both dispatch here, so a round of any kind is authorised, locked
and made idempotent per (network, kind, business date) the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import Engine
from sqlmodel import Session

from api.services.clock import UtcClock, system_clock
from api.services.errors import ServiceError
from api.services.hooks import OnCommit, with_hook
from api.services.knowhow_round import KnowhowRoundOutcome, run_knowhow_round
from api.services.purchase_round import PurchaseRoundOutcome, run_purchase_round
from api.services.round.service import Progress, RoundOutcome, RoundParams, run_round
from api.services.startup_round import StartupRoundOutcome, run_startup_round

DAILY = "daily"
PURCHASE = "purchase"
STARTUP = "startup"
KNOWHOW = "knowhow"
ROUND_KINDS = (DAILY, PURCHASE, STARTUP, KNOWHOW)
T = TypeVar("T")


@dataclass(frozen=True)
class KindOutcome:
    """What a round of any kind did; exactly one of ``daily`` / ``purchase`` / ``startup``
    / ``knowhow`` is set."""

    kind: str
    round_id: int
    reused: bool
    daily: RoundOutcome | None = None
    purchase: PurchaseRoundOutcome | None = None
    startup: StartupRoundOutcome | None = None
    knowhow: KnowhowRoundOutcome | None = None


def check_kind(kind: str) -> str:
    """``kind`` when it is a round kind.

    Raises:
        ServiceError: any other kind, naming the field in Thai and English.
    """
    if kind not in ROUND_KINDS:
        raise ServiceError(
            f"kind: unknown round kind {kind!r}; one of {', '.join(ROUND_KINDS)}",
            f"kind: ไม่รู้จักประเภทรอบ {kind!r} ใช้ได้: {', '.join(ROUND_KINDS)}",
        )
    return kind


def run_round_of_kind(
    engine: Engine,
    kind: str,
    *,
    network_id: str,
    business_date: date,
    actor: str,
    new_version: bool = False,
    clock: UtcClock = system_clock,
    params: RoundParams | None = None,
    retry_declined: bool = False,
    retries: int = 5,
    progress: Progress | None = None,
    on_commit: OnCommit[KindOutcome] | None = None,
) -> KindOutcome:
    """Run (or return the stored) round of ``kind`` for the network and date.

    ``params``, ``retry_declined``, ``retries`` and ``progress`` concern the daily round
    only. ``on_commit`` runs inside the transaction that stores the round (or returns it).

    Raises:
        ServiceError: an unknown kind.
        NotFoundError / ForbiddenError / InvalidStateError / ConflictError: as the round.
    """
    check_kind(kind)
    common = {
        "network_id": network_id,
        "business_date": business_date,
        "actor": actor,
        "new_version": new_version,
        "clock": clock,
    }
    if kind == KNOWHOW:
        return _run(run_knowhow_round, _of_knowhow, on_commit, engine, **common)
    if kind == STARTUP:
        return _run(run_startup_round, _of_startup, on_commit, engine, **common)
    if kind == PURCHASE:
        return _run(run_purchase_round, _of_purchase, on_commit, engine, **common)
    return _run(
        run_round,
        _of_daily,
        on_commit,
        engine,
        **common,
        params=params,
        progress=progress,
        retries=retries,
        retry_declined=retry_declined,
    )


def _run(
    run: Callable[..., T],
    of: Callable[[T], KindOutcome],
    on_commit: OnCommit[KindOutcome] | None,
    engine: Engine,
    **kwargs: Any,
) -> KindOutcome:
    """Run one kind's round, its own outcome seen as a :class:`KindOutcome` by the hook."""

    def hook(s: Session, o: T) -> None:
        with_hook(s, of(o), on_commit)

    return of(run(engine, on_commit=hook, **kwargs))


def _of_purchase(o: PurchaseRoundOutcome) -> KindOutcome:
    return KindOutcome(PURCHASE, o.round_id, o.reused, purchase=o)


def _of_knowhow(o: KnowhowRoundOutcome) -> KindOutcome:
    return KindOutcome(KNOWHOW, o.round_id, o.reused, knowhow=o)


def _of_startup(o: StartupRoundOutcome) -> KindOutcome:
    return KindOutcome(STARTUP, o.round_id, o.reused, startup=o)


def _of_daily(o: RoundOutcome) -> KindOutcome:
    return KindOutcome(DAILY, o.round_id, o.reused, daily=o)
