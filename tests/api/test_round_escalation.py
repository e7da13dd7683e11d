"""Escalation that reaches someone: what an area round leaves open is listed for the
coordinators above (/v1 and the service), the parent's next round takes it up and says so,
and the notice goes once the need is served or cancelled — over several business days, with
a second, unrelated network and a retried run (both backends)."""

from __future__ import annotations

from datetime import date

from dbseed import COORDINATOR, T0, check_invariants, seed_lamphun
from http_fixtures import api  # noqa: F401
from sqlmodel import Session, col, select
from test_round_business_day import LOEI_OFFICE, seed_loei

from api.db.tables import ProposalRow
from api.db.tx import in_write_transaction
from api.services.order_lifecycle import cancel_order
from api.services.orders import NeedSpec, OfferSpec, insert_orders
from api.services.round.escalation import escalations
from api.services.round.service import preview, run_round

DAY1, DAY2, DAY3 = date(2026, 11, 23), date(2026, 11, 24), date(2026, 11, 25)


def _proposals_on(db, oid: str) -> list[ProposalRow]:  # type: ignore[no-untyped-def]
    with Session(db) as s:
        return list(
            s.exec(
                select(ProposalRow).where(
                    col(ProposalRow.demand_order_id) == oid, col(ProposalRow.status) == "pending"
                )
            ).all()
        )


def test_an_area_leaves_a_need_open_and_the_province_takes_it_up(db, clock) -> None:
    seed_lamphun(db)
    seed_loei(db)
    extra_loei = NeedSpec("LN9", "LC2", 900_000_00, 700, 90)  # more than Loei's area can lend
    in_write_transaction(db, lambda s: insert_orders(s, [], [extra_loei], T0))
    # day 1: the area round of Pa Sang lends O3's 200,000 to N4 and leaves 300,000 open
    area = run_round(db, network_id="LPN-A2", business_date=DAY1, actor=COORDINATOR, clock=clock)
    again = run_round(db, network_id="LPN-A2", business_date=DAY1, actor=COORDINATOR, clock=clock)
    assert again.reused and again.round_id == area.round_id
    run_round(db, network_id="LOEI-A1", business_date=DAY1, actor=LOEI_OFFICE, clock=clock)
    [up] = escalations(db, "LPN")
    assert (up.from_network_id, up.order_id, up.coop_id, up.kind) == (
        "LPN-A2",
        "N4",
        "C4",
        "liquidity_need",
    )
    assert up.left_open == up.open_now == 300_000_00 and up.round_id == area.round_id
    assert up.reasons and up.text("th") and up.text("en")
    assert escalations(db, "LPN-A2") == [] and escalations(db, "LPN-A1") == []
    loei = escalations(db, "LOEI")
    assert "LN9" in {e.order_id for e in loei} and all(e.coop_id.startswith("L") for e in loei)
    # day 2: the province's round takes it up, says so, and lends O1's rest to N4
    seen = preview(db, network_id="LPN", business_date=DAY2)
    assert any("taken up" in n and "N4" in n for n in seen.snapshot.notes)
    clock.advance(hours=24)
    out = run_round(db, network_id="LPN", business_date=DAY2, actor=COORDINATOR, clock=clock)
    assert out.notes and any("N4 (LPN-A2" in n for n in out.notes)
    province = [p for p in _proposals_on(db, "N4") if p.round_id == out.round_id]
    assert "province" in {p.tier for p in province}  # lent across the areas
    lent = sum(p.amount for p in province)  # (the area's own proposal had expired: re-proposed)
    [still] = escalations(db, "LPN")
    assert still.open_now == min(500_000_00 - lent, 300_000_00) and still.left_open == 300_000_00
    # day 3: another lender arrives; the province lends the rest and the notice is gone
    more = OfferSpec("O9", "C1", 500_000_00, 300, 365)
    in_write_transaction(db, lambda s: insert_orders(s, [more], [], T0))
    clock.advance(hours=24)
    run_round(db, network_id="LPN", business_date=DAY3, actor=COORDINATOR, clock=clock)
    assert escalations(db, "LPN") == []
    assert escalations(db, "LOEI") == loei  # Loei's are untouched
    check_invariants(db)


def test_a_cancelled_need_is_no_longer_escalated(db, clock) -> None:
    seed_lamphun(db)
    run_round(db, network_id="LPN-A2", business_date=DAY1, actor=COORDINATOR, clock=clock)
    assert [e.order_id for e in escalations(db, "LPN")] == ["N4"]
    # the round's own proposal is still pending: the need's open part is what is escalated
    cancel_order(db, "N4", "C4", clock=clock)
    assert escalations(db, "LPN") == []


def test_escalations_over_v1(api, clock) -> None:  # noqa: F811
    body = {"business_date": DAY1.isoformat()}
    r = api.post(COORDINATOR, "/v1/networks/LPN-A2/rounds", body, idem="area-run")
    assert r.status_code == 201, r.text
    retry = api.post(COORDINATOR, "/v1/networks/LPN-A2/rounds", body, idem="area-run")
    assert retry.status_code == 201 and retry.content == r.content
    got = api.get(COORDINATOR, "/v1/networks/LPN/escalations")
    assert got.status_code == 200, got.text
    [e] = got.json()
    assert (e["order_id"], e["from_network_id"], e["left_open"], e["open_now"]) == (
        "N4",
        "LPN-A2",
        "300000.00",
        "300000.00",
    )
    assert e["left_open_quantity"] is None and e["text_th"] and e["text_en"]
    assert api.get(COORDINATOR, "/v1/networks/LPN-A2/escalations").json() == []
    for who in ("stranger-office", "area1-office", "C4"):
        assert api.get(who, "/v1/networks/LPN/escalations").status_code in (403, 404)
