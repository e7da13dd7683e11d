"""Orders that change: a member amends its own open order over /v1 and a corrected import
file updates orders by id — a new version, audited, pending proposals voided, declines
forgotten — over several business days, with retries and two unrelated networks (both
backends)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from dbseed import COORDINATOR, T0, check_invariants, seed_lamphun
from http_fixtures import BUY, LOT, NEED, api, refused  # noqa: F401
from sqlalchemy import Engine, func, select
from sqlmodel import Session, col
from test_round_business_day import LOEI_OFFICE, seed_loei

from api.db.audit_crosscheck import crosscheck
from api.db.tables import AuditEventRow, LiquidityNeedRow, OrderRow, ProposalRow
from api.db.tables_round import DeclinedPairRow
from api.services.errors import BadFileError
from api.services.order_amend import amend_own_order
from api.services.order_import import import_orders
from api.services.order_lifecycle import cancel_order
from api.services.orders import NeedSpec
from api.services.proposals import accept_proposal, decline_proposal
from api.services.round.service import preview, run_round

DAY = date(2026, 11, 23)


def _events(engine: Engine, action: str) -> list[dict]:  # type: ignore[type-arg]
    with Session(engine) as s:
        rows = s.execute(
            select(col(AuditEventRow.payload)).where(col(AuditEventRow.action) == action)
        ).scalars()
        return [json.loads(p) for p in rows]


def _pending_on(engine: Engine, oid: str) -> list[ProposalRow]:
    with Session(engine) as s:
        return list(
            s.execute(
                select(ProposalRow).where(
                    col(ProposalRow.status) == "pending",
                    (col(ProposalRow.supply_order_id) == oid)
                    | (col(ProposalRow.demand_order_id) == oid),
                )
            ).scalars()
        )


def _audit_clean(engine: Engine, *ids: str) -> None:
    """The amended orders agree with their last audit event (seeded orders have none)."""
    with Session(engine) as s:
        faults = crosscheck(s, limit=1000)
    assert not [f for f in faults if f.startswith(tuple(f"order {i}:" for i in ids))], faults
    assert not [f for f in faults if not f.startswith("order ")], faults


def test_member_amends_its_open_need_with_retries_over_two_days(api, clock) -> None:  # noqa: F811
    r = api.post(COORDINATOR, "/v1/networks/LPN/rounds", {"business_date": "2026-11-23"})
    assert r.status_code == 201, r.text
    [held] = [p for p in _pending_on(api.engine, "N2") if p.demand_order_id == "N2"][:1]
    lender_order = held.supply_order_id
    body = {**NEED, "amount": "700000.00", "max_rate_bps": 800, "term_days": 90, "urgency": 5}
    first = api.post("C2", "/v1/orders/N2/amend", body, idem="amend-n2")
    assert first.status_code == 200, first.text
    out = first.json()
    assert (out["amount"], out["version"] > 1, out["status"]) == ("700000.00", True, "open")
    assert out["terms"]["max_rate_bps"] == 800 and out["reserved"] == "0.00"
    still = sum(p.amount for p in _pending_on(api.engine, lender_order))
    with Session(api.engine) as s:
        assert s.get(ProposalRow, held.id).status == "voided"
        assert s.get(OrderRow, lender_order).reserved == still
    # a retry with the same key answers the same bytes and changes nothing more
    again = api.post("C2", "/v1/orders/N2/amend", body, idem="amend-n2")
    assert again.status_code == 200 and again.content == first.content
    # the same content under a new key is a no-op: no version, no event
    same = api.post("C2", "/v1/orders/N2/amend", body)
    assert same.status_code == 200 and same.json()["version"] == out["version"]
    [event] = _events(api.engine, "order.amended")
    assert event["amount"] == 700_000_00 and event["voided"] == [held.id]
    assert event["changed"]["amount"] == [600_000_00, 700_000_00]
    # another coop's order is a 404 and stays as it was
    assert api.post("C1", "/v1/orders/N2/amend", body).status_code == 404
    # a bad body names the field; a kind change is refused naming "kind"
    refused(api.post("C2", "/v1/orders/N2/amend", {**body, "amount": "-1"}), "amount")
    wrong = api.post("C2", "/v1/orders/N2/amend", {**LOT, "quantity": 10})
    assert wrong.status_code == 409 and "kind" in wrong.json()["detail"], wrong.text
    check_invariants(api.engine)
    # day two: the round proposes on the new terms (a new version saw version 2)
    clock.advance(hours=48)
    r = api.post(COORDINATOR, "/v1/networks/LPN/rounds", {"business_date": "2026-11-24"})
    assert r.status_code == 201, r.text
    lent = sum(p.amount for p in _pending_on(api.engine, "N2") if p.demand_order_id == "N2")
    assert 0 < lent <= 700_000_00
    check_invariants(api.engine)
    _audit_clean(api.engine, "N2")


def test_amending_a_committed_closed_or_debt_order_is_refused(api, clock) -> None:  # noqa: F811
    r = api.post(COORDINATOR, "/v1/networks/LPN/rounds", {"business_date": "2026-11-23"})
    assert r.status_code == 201, r.text
    p = next(x for x in api.get("C2", "/v1/proposals").json()["items"] if x["kind"] == "loan")
    for coop in ("C2", p["counterparty_coop_id"]):
        assert api.post(coop, f"/v1/proposals/{p['id']}/accept").status_code == 200
    with Session(api.engine) as s:
        need = s.get(ProposalRow, p["id"]).demand_order_id
        before = s.get(OrderRow, need).version
    body = {**NEED, "amount": "1.00"}
    r = api.post("C2", f"/v1/orders/{need}/amend", body)
    detail = r.json()["detail"]
    assert r.status_code == 409 and ("committed" in detail or "filled" in detail), r.text
    assert "amount" in detail
    debt = api.post("C2", "/v1/orders", {"kind": "obligation", "creditor_coop_id": "C1",
                                          "amount": "10.00", "due_date": "2026-12-31"})  # fmt: skip
    assert debt.status_code == 201, debt.text
    d = api.post("C2", f"/v1/orders/{debt.json()['id']}/amend",
                 {"kind": "obligation", "creditor_coop_id": "C1", "amount": "1.00",
                  "due_date": "2026-12-31"})  # fmt: skip
    assert d.status_code == 409 and "kind" in d.json()["detail"], d.text
    posted = api.post("C2", "/v1/orders", NEED).json()["id"]
    assert api.post("C2", f"/v1/orders/{posted}/cancel").status_code == 200
    gone = api.post("C2", f"/v1/orders/{posted}/amend", {**NEED, "amount": "9.00"})
    assert gone.status_code == 409 and "cancelled" in gone.json()["detail"], gone.text
    with Session(api.engine) as s:
        assert s.get(OrderRow, need).version == before
    check_invariants(api.engine)


def test_produce_orders_amend_and_bids_are_compared(api, clock) -> None:  # noqa: F811
    from dbseed import LONGAN

    from api.db.tx import in_write_transaction
    from api.services.produce_orders import upsert_products

    in_write_transaction(api.engine, lambda s: upsert_products(s, [LONGAN]))
    lot = api.post("C3", "/v1/orders", LOT).json()["id"]
    buy = api.post("C1", "/v1/orders", BUY).json()["id"]
    r = api.post("C3", f"/v1/orders/{lot}/amend", {**LOT, "reserve_price": "20.00"})
    assert r.status_code == 200 and r.json()["version"] == 2, r.text
    bids = [{"grade": "A", "max_price": "26.00"}, {"grade": "AA", "max_price": "33.00"}]
    r = api.post("C1", f"/v1/orders/{buy}/amend", {**BUY, "bids": bids})
    assert r.status_code == 200 and r.json()["version"] == 2, r.text
    [_, po] = _events(api.engine, "order.amended")
    assert po["changed"]["bids"] == [[["AA", 3200], ["A", 2550]], [["A", 2600], ["AA", 3300]]]
    assert "amount" not in po  # a quantity, not money
    same = api.post("C1", f"/v1/orders/{buy}/amend", {**BUY, "bids": bids})
    assert same.json()["version"] == 2
    _audit_clean(api.engine, lot, buy)


def test_an_amended_order_forgets_its_declined_pairs(db, clock) -> None:
    """Declined pair → not proposed again; the need changes → the pair may come back."""
    seed_lamphun(db)
    run_round(db, network_id="LPN", business_date=DAY, actor=COORDINATOR, clock=clock)
    with Session(db) as s:
        p = (
            s.execute(select(ProposalRow).where(col(ProposalRow.demand_order_id) == "N2"))
            .scalars()
            .first()
        )
        assert p is not None
    decline_proposal(db, int(p.id or 0), "C2", reason="too dear", clock=clock)
    pair = (p.supply_order_id, p.demand_order_id)
    seen = preview(db, network_id="LPN", business_date=DAY + timedelta(days=1))
    assert pair not in {(x.offer_id, x.need_id) for x in seen.result.liquidity.proposals}
    spec = NeedSpec("N2", "C2", 600_000_00, 750, 90, urgency=5)
    out = amend_own_order(db, spec, actor="C2", chain="coop:C2", clock=clock)
    assert set(out.changed) == {"max_rate_bps"}
    with Session(db) as s:
        [row] = s.execute(select(DeclinedPairRow)).scalars().all()
        assert row.cleared_at is not None
    seen = preview(db, network_id="LPN", business_date=DAY + timedelta(days=1))
    assert pair in {(x.offer_id, x.need_id) for x in seen.result.liquidity.proposals}
    assert not any("not proposed again" in n for n in seen.result.notes)


def test_amending_in_one_network_leaves_another_alone(db, clock) -> None:
    seed_lamphun(db)
    seed_loei(db)
    run_round(db, network_id="LOEI", business_date=DAY, actor=LOEI_OFFICE, clock=clock)
    run_round(db, network_id="LPN", business_date=DAY, actor=COORDINATOR, clock=clock)

    def loei() -> list[tuple]:  # type: ignore[type-arg]
        with Session(db) as s:
            props = s.execute(select(ProposalRow).order_by(col(ProposalRow.id))).scalars()
            orders = s.execute(select(OrderRow).order_by(col(OrderRow.id))).scalars()
            return [(p.id, p.status) for p in props if p.network_id.startswith("LOEI")] + [
                (o.id, o.version, o.status) for o in orders if o.coop_id.startswith("L")
            ]

    before = loei()
    changed = NeedSpec("N4", "C4", 400_000_00, 650, 120, repayment="equal", instalments=4)
    amend_own_order(db, changed, actor="C4", chain="coop:C4", clock=clock)
    clock.advance(hours=24)
    run_round(db, network_id="LPN", business_date=DAY + timedelta(days=1),
              actor=COORDINATOR, clock=clock)  # fmt: skip
    assert loei() == before
    with pytest.raises(Exception, match="does not exist"):
        amend_own_order(db, NeedSpec("LN2", "C4", 1_00, 650, 120), actor="C4", chain="coop:C4")
    check_invariants(db)


HEADER = "side,id,coop_id,amount,rate_bps,term_days,urgency\n"
FIRST = HEADER + "offer,FO1,C1,1000.00,300,90,\nneed,FN1,C2,500.00,700,60,2\n"
FIXED = HEADER + (
    "offer,FO1,C1,1000.00,300,90,\n"  # unchanged
    "need,FN1,C2,800.00,700,60,3\n"  # corrected: amount and urgency
    "need,FN2,C4,100.00,650,30,\n"  # new
)


def _file(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_corrected_import_updates_orders_by_id(db, clock, tmp_path) -> None:
    seed_lamphun(db)
    import_orders(db, _file(tmp_path, "a.csv", FIRST), actor="import", clock=clock)
    clock.advance(hours=24)
    out = import_orders(db, _file(tmp_path, "b.csv", FIXED), actor="import", clock=clock)
    assert (out.needs, out.amended, out.unchanged) == (1, 1, 1)
    with Session(db) as s:
        fn1, fo1 = s.get(OrderRow, "FN1"), s.get(OrderRow, "FO1")
        assert (fn1.amount, fn1.version, fo1.version) == (800_00, 2, 1)
        assert s.get(LiquidityNeedRow, "FN1").urgency == 3
        assert s.get(OrderRow, "FN2") is not None
    [event] = _events(db, "order.amended")
    assert event["changed"] == {"amount": [500_00, 800_00], "urgency": [2, 3]}
    again = import_orders(db, _file(tmp_path, "c.csv", FIXED + "\n"), actor="import", clock=clock)
    assert (again.amended, again.unchanged, again.needs) == (0, 3, 0)
    _audit_clean(db, "FN1", "FO1", "FN2")


def test_an_import_may_not_change_committed_or_closed_orders(db, clock, tmp_path) -> None:
    seed_lamphun(db)
    run_round(db, network_id="LPN", business_date=DAY, actor=COORDINATOR, clock=clock)
    with Session(db) as s:
        p = (
            s.execute(select(ProposalRow).where(col(ProposalRow.demand_order_id) == "N2"))
            .scalars()
            .first()
        )
    for coop in (p.supply_coop_id, p.demand_coop_id):
        accept_proposal(db, int(p.id or 0), coop, clock=clock)
    cancel_order(db, "N2b", "C2", clock=clock)
    with Session(db) as s:
        count = s.execute(select(func.count()).select_from(AuditEventRow)).scalar_one()
    text = (
        HEADER + "need,N2,C2,1.00,700,90,5\nneed,N2b,C2,300000.00,600,61,\noffer,N4,C4,1.00,1,1,\n"
    )
    with pytest.raises(BadFileError) as caught:
        import_orders(db, _file(tmp_path, "bad.csv", text), actor="import", clock=clock)
    lines = caught.value.lines
    assert any(
        x.startswith("row 2 (แถว 2), amount:") and ("committed" in x or "filled" in x)
        for x in lines
    ), lines
    assert any(x.startswith("row 3 (แถว 3), term_days:") and "cancelled" in x for x in lines)
    assert any(x.startswith("row 4 (แถว 4), kind:") for x in lines), lines
    assert all("(" in x and any("\u0e00" <= c <= "\u0e7f" for c in x) for x in lines)
    with Session(db) as s:
        assert s.execute(select(func.count()).select_from(AuditEventRow)).scalar_one() == count
        assert s.get(OrderRow, "N2").amount == 600_000_00
    _ = T0
