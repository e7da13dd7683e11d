"""The replay's report (Thai and English): the season beside the simulator's, the ledger,
the faults, and why the two differ where they do.

The twin agreement: where the replay and ``coopmatch simulate`` model the same thing they
must agree. What the replay does differently by design is named, with its size:

``declines``   members declined proposals (their behaviour); those loans and sales were
               not made
``fund``       the database has no joint fund (lender of last resort) yet; the simulator
               lends from it
``tiers``      area rounds run before their parents' and commit first; the simulator solves
               every tier in one round (``--one-round`` runs only the root's round)
``ties``       between equally good matches the solver keeps the first by order id, and
               order ids sort in posting order; the members post in the simulator's
               order, but when posts arrive reordered (a fault) a tie may go to another
               lender or another day's lot, and interest, rounded once per loan, differs
               by a satang
``behaviours`` members repay late or never by the scenario's ``replay`` section (the
               simulator's members pay on time, but for the policy's late payers)
``race``       a member accepted and declined at once; when the decline won, that match
               was not made
``limits``     the database counts every loan a coop took this season toward its
               registrar-approved borrowing limit; the simulator checks each day's loans
               against the limit alone, so once a borrower's season total nears its limit
               the database lends it less
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from api.replay.run import ReplayResult
from matcher.money import format_baht
from scenarios.sim.metrics import SeasonMetrics

METRICS: tuple[tuple[str, str], ...] = (
    ("need_satang", "ความต้องการเงินทุน / liquidity need ฿"),
    ("covered_satang", "ได้รับ / covered ฿"),
    ("uncovered_satang", "ไม่ได้รับ / uncovered ฿"),
    ("loans_satang", "เงินกู้ / loans ฿"),
    ("interest_satang", "ดอกเบี้ย / interest ฿"),
    ("setoff_cleared_satang", "หักกลบลบหนี้ / set-off ฿"),
    ("sales_satang", "ยอดขาย / sales ฿"),
    ("transport_satang", "ค่าขนส่ง / transport ฿"),
    ("receivables_end_satang", "หนี้ค้างปลายฤดู / defaults (unpaid at season end) ฿"),
    ("cash_end_satang", "เงินสดปลายฤดู / cash at season end ฿"),
    ("arrived_units", "ผลผลิตส่งมา / arrived units"),
    ("accepted_units", "รับซื้อ / accepted units"),
    ("sold_units", "ขายได้ / sold units"),
    ("spoiled_units", "เสีย / spoiled units"),
    ("rounds", "วันที่มีรอบ / days with a round"),
    ("min_fill_bps", "ต่ำสุด / min fill bps"),
)
EXACT = ("arrived_units", "cash_start_satang", "rounds")
"""Metrics the replay must equal exactly (they do not depend on any round's choices)."""
TOLERANCE_BPS = 300
"""Largest difference (bps of the simulator's figure, at least 1 baht or 1 unit) of a flow
when the replay differs only by ``ties`` and ``tiers`` (no declines, fund or race)."""


def figures(m: SeasonMetrics) -> dict[str, int]:
    """The season's scalar figures, with the uncovered need."""
    out = {k: v for k, v in asdict(m).items() if isinstance(v, int)}
    out["uncovered_satang"] = m.need_satang - m.covered_satang
    return out


def reasons(r: ReplayResult, one_round: bool = False) -> dict[str, str]:
    """The differences by design that apply to this replay, with their size."""
    c, out = r.counts, {}
    if c.declined:
        out["declines"] = (
            f"ข้อเสนอถูกปฏิเสธ {c.declined} รายการ / {c.declined} proposals ended declined "
            f"(member behaviour or a race): {format_baht(c.declined_satang)} ฿ of loans and "
            f"{c.declined_units} units of sales not made"
        )
    if r.joint_fund_satang:
        out["fund"] = (
            "ฐานข้อมูลยังไม่มีกองทุนร่วม / the database has no joint fund yet "
            f"({format_baht(r.joint_fund_satang)} ฿ in the simulator)"
        )
    if not one_round:
        out["tiers"] = (
            "รอบระดับพื้นที่รันก่อนระดับบน / area rounds run and commit before their parents'; "
            "the simulator solves every tier in one round"
        )
    if r.faults.injected.get("reordered-posts"):
        out["ties"] = (
            "ทางเลือกที่ดีเท่ากันเลือกตามรหัสคำสั่ง / equal choices are taken by order id, "
            "and reordered posts change the order of the ids; interest rounds per loan"
        )
    if c.limit_days:
        out["limits"] = (
            f"วงเงินกู้นับรวมทั้งฤดู / the database counts the season's loans toward the "
            f"borrowing limit, the simulator each day's alone: it may bind on {c.limit_days} "
            f"days (first {c.first_limit})"
        )
    if r.repay_differs:
        n, first = len(r.repay_differs), ", ".join(r.repay_differs[:3])
        out["behaviours"] = (
            f"สมาชิก {n} รายชำระหนี้ช้าหรือไม่ชำระตามสถานการณ์ / {n} members repay late or "
            f"never by the scenario's replay behaviours ({first}{', …' if n > 3 else ''}); "
            "the simulator's pay on time"
        )
    lost = r.faults.injected.get("accept-decline-race", 0)
    if lost:
        out["race"] = f"ตอบรับและปฏิเสธพร้อมกัน {lost} ครั้ง / accepted and declined at once {lost} times"
    return out


def differences(r: ReplayResult) -> list[tuple[str, str, int, int, int]]:
    """(metric, label, replay, simulator, replay − simulator) for every reported metric."""
    a, b = figures(r.metrics), figures(r.twin)
    return [(k, label, a[k], b[k], a[k] - b[k]) for k, label in METRICS]


def twin_breaks(r: ReplayResult, one_round: bool = False) -> list[str]:
    """Where the replay and the simulator disagree past what the design explains.

    With no reason at all (one round a day, no declines, no joint fund, no fault that
    reorders or races) every figure must be equal. Otherwise the :data:`EXACT` ones must
    (but the days with a round when members repay late or never: their debts stay due, and
    a day with a due debt has a round);
    and when only ``ties``/``tiers``/``limits`` apply, every flow must be within
    :data:`TOLERANCE_BPS` of the simulator's.
    """
    a, b = figures(r.metrics), figures(r.twin)
    why = reasons(r, one_round)
    if not why:
        return [f"{k}: replay {a[k]} ≠ simulate {b[k]}" for k in sorted(a) if a[k] != b[k]]
    exact = [k for k in EXACT if not (k == "rounds" and "behaviours" in why)]
    out = [f"{k}: replay {a[k]} ≠ simulate {b[k]}" for k in exact if a[k] != b[k]]
    if set(why) - {"ties", "tiers", "limits"}:
        return out
    for k, _ in METRICS:
        if k in EXACT:
            continue
        floor = 100 if k.endswith("_satang") else 1
        limit = max(floor, abs(b[k]) * TOLERANCE_BPS // 10_000)
        if abs(a[k] - b[k]) > limit:
            out.append(f"{k}: replay {a[k]} vs simulate {b[k]} (more than {TOLERANCE_BPS} bps)")
    return out


def _show(key: str, value: int) -> str:
    return format_baht(value) if key.endswith("_satang") else f"{value:,}"


TIMINGS = ("check_ms", "rounds_ms")
"""Counts that are times (left out of the reproducible report)."""


def report_rows(r: ReplayResult, timings: bool = True) -> dict[str, Any]:
    """The report as plain data (printed by the CLI, kept by the benchmark).

    Without ``timings`` (no wall or CPU times) it is a function of the scenario, the
    options and the seed: the same replay twice gives the same report, byte for byte
    (:func:`report_json`).
    """
    counts: dict[str, Any] = asdict(r.counts) | {"posts": r.posts, "retries": r.retries}
    out: dict[str, Any] = {
        "scenario": r.scenario_id,
        "policy": r.policy,
        "seed": r.seed,
        "days": r.days,
        "metrics": [
            {
                "metric": k,
                "label": label,
                "replay": _show(k, x),
                "simulate": _show(k, y),
                "difference": _show(k, d),
            }
            for k, label, x, y, d in differences(r)
        ],
        "ledger": asdict(r.ledger),
        "faults": {
            k: {"injected": r.faults.injected.get(k, 0), "survived": r.faults.survived.get(k, 0)}
            for k in sorted(r.faults.injected)
        },
        "counts": counts,
        "wall_s": round(r.wall_s, 2),
        "simulate_s": round(r.sim_s, 3),
    }
    if not timings:
        for key in ("wall_s", "simulate_s"):
            out.pop(key)
        for key in TIMINGS:
            counts.pop(key)
    return out


def report_json(r: ReplayResult) -> str:
    """The reproducible report (no times) as canonical JSON text."""
    return json.dumps(report_rows(r, timings=False), ensure_ascii=False, sort_keys=True, indent=1)
