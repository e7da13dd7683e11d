"""Stock lots and purchase orders in the database: import, snapshot query, lifecycle."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from dbfixtures import FakeClock
from dbseed import seed_lamphun
from sqlalchemy import Engine, func, select, update
from sqlmodel import Session

from api.db import repo
from api.db.tables import (
    MemberImportRow,
    OrderRow,
    PurchaseOrderGradeRow,
    PurchaseOrderRow,
    StockLotRow,
)
from api.db.tx import in_write_transaction
from api.services.errors import BadFileError
from api.services.order_import import import_orders
from api.services.order_lifecycle import cancel_order
from api.services.produce_orders import upsert_products
from matcher.produce.model import GradeBid, Product, PurchaseOrder, StockLot

LONGAN = Product("longan", "ลำไย", "longan", "kg", 5, ("AA", "A", "B"))
EGG = Product("egg", "ไข่ไก่", "hen egg", "egg", 21, ("0", "1", "2"))
DAY = date(2026, 11, 21)

HEADER = (
    "side,id,coop_id,amount,rate_bps,term_days,product,grade,quantity,reserve_price,"
    "spoilage_per_day,ready_date,expiry_date,bids,deliver_by,min_lot,lat_e5,lon_e5,district_code\n"
)
GOOD = HEADER + (
    "offer,OF9,C1,1000.00,300,90,,,,,,,,,,,,,\n"
    "stock_lot,L1,C2,,,,longan,AA,1200,18.50,0.25,2026-11-20,2026-11-25,,,,1857400,9900200,\n"
    "stock_lot,L2,C3,,,,egg,1,30000,3.20,,2026-11-21,2026-12-05,,,,,,5106\n"
    "purchase_order,P1,C4,,,,longan,,800,,,,,AA:32.00|A:25.50,2026-11-28,200,,,\n"
    "purchase_order,P2,C1,,,,egg,,10000,,,,,2:3.90|0:4.40,2026-11-30,,,,5101\n"
)


@pytest.fixture
def produce_db(db: Engine) -> Engine:
    seed_lamphun(db)
    in_write_transaction(db, lambda s: upsert_products(s, [LONGAN, EGG]))
    return db


def _write(tmp_path: Path, text: str, name: str = "orders.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _snapshot(
    db: Engine, network: str = "LPN", day: date = DAY
) -> tuple[list[StockLot], list[PurchaseOrder]]:
    with Session(db) as s:
        nets = [n.id for n in repo.subtree(s, network)]
        return repo.open_produce_orders(s, nets, day)


def test_import_round_trips_to_matcher_types(
    produce_db: Engine, clock: FakeClock, tmp_path: Path
) -> None:
    out = import_orders(produce_db, _write(tmp_path, GOOD), actor="import", clock=clock)
    assert (out.offers, out.needs, out.lots, out.purchase_orders) == (1, 0, 2, 2)
    lots, orders = _snapshot(produce_db)
    assert lots == [
        StockLot(
            "L1", "C2", "longan", "AA", 1200, 1850, date(2026, 11, 20), date(2026, 11, 25), 25, 3
        ),
        StockLot("L2", "C3", "egg", "1", 30000, 320, DAY, date(2026, 12, 5), 0, 4),
    ]
    assert orders == [
        PurchaseOrder(
            "P1",
            "C4",
            "longan",
            (GradeBid("AA", 3200), GradeBid("A", 2550)),
            800,
            date(2026, 11, 28),
            200,
            5,
        ),
        PurchaseOrder(
            "P2",
            "C1",
            "egg",
            (GradeBid("2", 390), GradeBid("0", 440)),
            10000,
            date(2026, 11, 30),
            0,
            6,
        ),
    ]
    with Session(produce_db) as s:
        heads = {o.id: o for o in s.execute(select(OrderRow)).scalars()}
        l1, l2 = s.get(StockLotRow, "L1"), s.get(StockLotRow, "L2")
        p2 = s.get(PurchaseOrderRow, "P2")
        assert repo.products(s) == (EGG, LONGAN)
    assert (heads["L1"].kind, heads["L1"].unit, heads["L1"].amount) == ("stock_lot", "kg", 1200)
    assert heads["L2"].unit == "egg" and heads["L2"].valid_until == date(2026, 12, 5)
    assert heads["P1"].kind == "purchase_order" and heads["P1"].valid_until == date(2026, 11, 28)
    assert l1 is not None and (l1.lat_e5, l1.lon_e5, l1.district_code) == (1857400, 9900200, "")
    assert l2 is not None and (l2.lat_e5, l2.district_code) == (None, "5106")
    assert p2 is not None and p2.district_code == "5101"
    # an area subtree sees only its own coops; the liquidity snapshot is unchanged
    lots_a2, orders_a2 = _snapshot(produce_db, "LPN-A2")
    assert [x.id for x in lots_a2] == ["L2"] and [x.id for x in orders_a2] == ["P1"]
    with Session(produce_db) as s:
        liq = repo.open_liquidity_orders(s, [n.id for n in repo.subtree(s, "LPN")], DAY)
    assert sorted(o.id for o in liq) == ["N2", "N2b", "N4", "O1", "O3", "OF9"]
    # the same file again is a no-op
    again = import_orders(produce_db, _write(tmp_path, GOOD), actor="import", clock=clock)
    assert again.already_imported


def test_snapshot_drops_expired_and_counts_only_what_is_free(
    produce_db: Engine, clock: FakeClock, tmp_path: Path
) -> None:
    import_orders(produce_db, _write(tmp_path, GOOD), actor="import", clock=clock)
    lots, orders = _snapshot(produce_db, day=date(2026, 11, 29))
    assert [x.id for x in lots] == ["L2"] and [x.id for x in orders] == ["P2"]
    with produce_db.begin() as conn:
        conn.execute(update(OrderRow).where(OrderRow.id == "P1").values(reserved=700))
    _, orders = _snapshot(produce_db)
    p1 = next(o for o in orders if o.id == "P1")
    assert p1.quantity == 100 and p1.min_lot_units == 100


BAD = HEADER + (
    "stock_lot,L1,C2,,,,longan,AA,1200,18.50,,2026-11-20,2026-11-25,,,,,,\n"
    "stock_lot,L2,C2,,,,durian,AA,10,1.00,,2026-11-20,2026-11-25,,,,,,\n"
    "stock_lot,L3,C2,,,,longan,Z,10,1.00,,2026-11-20,2026-11-25,,,,,,\n"
    "stock_lot,L4,C2,,,,longan,A,10,1.00,,2026-11-25,2026-11-20,,,,,,\n"
    "stock_lot,L5,C2,,,,longan,A,10,-1.00,,2026-11-20,2026-11-25,,,,,,\n"
    "purchase_order,P1,C4,,,,longan,,800,,,,,AA:-3.00,2026-11-28,,,,\n"
    "purchase_order,P2,C4,,,,longan,,800,,,,,C:30.00|AA:0,2026-11-28,900,,,\n"
    "purchase_order,P3,C4,,,,longan,,0,,,,,AA:30.00,2026-02-31,,123,,\n"
)


def test_bad_rows_are_reported_by_number_and_nothing_is_written(
    produce_db: Engine, clock: FakeClock, tmp_path: Path
) -> None:
    with pytest.raises(BadFileError) as exc:
        import_orders(produce_db, _write(tmp_path, BAD), actor="import", clock=clock)
    text = "\n".join(exc.value.lines)
    assert not any(line.startswith("row 2 ") for line in exc.value.lines), text
    expect = {
        3: ["product", "durian"],
        4: ["grade", "'Z'"],
        5: ["expiry_date", "before ready_date"],
        6: ["reserve_price", "-1.00"],
        7: ["bids", "-3.00"],
        8: ["bids", "'C'", "greater than zero", "min_lot"],
        9: ["quantity", "deliver_by", "lat_e5"],
    }
    for row, needles in expect.items():
        lines = " ".join(x for x in exc.value.lines if x.startswith(f"row {row} "))
        for needle in needles:
            assert needle in lines, (row, needle, text)
    with Session(produce_db) as s:
        for table in (OrderRow, StockLotRow, PurchaseOrderRow, PurchaseOrderGradeRow):
            count = s.execute(select(func.count()).select_from(table)).scalar_one()
            assert count == (5 if table is OrderRow else 0), table
        assert s.execute(select(MemberImportRow)).first() is None


def test_cancel_ends_lots_and_purchase_orders(
    produce_db: Engine, clock: FakeClock, tmp_path: Path
) -> None:
    import_orders(produce_db, _write(tmp_path, GOOD), actor="import", clock=clock)
    assert cancel_order(produce_db, "L1", "C2", clock=clock)
    assert cancel_order(produce_db, "P1", "C4", clock=clock)
    assert not cancel_order(produce_db, "P1", "C4", clock=clock)
    with Session(produce_db) as s:
        l1, p1 = s.get(OrderRow, "L1"), s.get(OrderRow, "P1")
        assert l1 is not None and p1 is not None
        assert (l1.status, p1.status, l1.version) == ("cancelled", "cancelled", 2)
    lots, orders = _snapshot(produce_db)
    assert [x.id for x in lots] == ["L2"] and [x.id for x in orders] == ["P2"]


def test_cli_imports_products_lots_and_purchase_orders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from test_persist_cli import MEMBERS, make_app
    from typer.testing import CliRunner

    from api.settings import Settings, create_engine_from

    url = f"sqlite:///{tmp_path / 'cm.sqlite3'}"
    monkeypatch.setenv("COOPMATCH_DATABASE_URL", url)
    runner, app = CliRunner(), make_app()

    def cli(*args: str) -> tuple[int, str]:
        res = runner.invoke(app, list(args))
        return res.exit_code, " ".join(res.output.split())

    assert cli("db", "upgrade")[0] == 0
    assert cli("import", "members", str(MEMBERS))[0] == 0
    text = (
        "side,id,coop_id,name_th,base_unit,shelf_life_days,grades,product,grade,quantity,"
        "reserve_price,ready_date,expiry_date,bids,deliver_by\n"
        "stock_lot,L1,LP-AGR-LI,,,,,longan,AA,500,17.00,2026-11-21,2026-11-24,,\n"
        "purchase_order,P1,LP-SAV-TEACH,,,,,longan,,300,,,,AA:30.00|A:24.00,2026-11-27\n"
        "product,longan,,ลำไย,kg,5,AA|A|B,,,,,,,,\n"
    )
    code, out = cli("import", "orders", str(_write(tmp_path, text)))
    assert code == 0 and "1 stock lots, 1 purchase orders" in out, out
    bad = text.replace("AA|A|B", "AA||B").replace("P1,", "P9,").replace("L1,", "L9,")
    code, out = cli("import", "orders", str(_write(tmp_path, bad, "bad.csv")))
    assert code == 2 and "row 4" in out and "grades" in out, out
    engine = create_engine_from(Settings(database_url=url))
    try:
        lots, orders = _snapshot(engine, "LPN-FIN")
    finally:
        engine.dispose()
    assert [(x.id, x.quantity) for x in lots] == [("L1", 500)]
    assert orders[0].bids == (GradeBid("AA", 3000), GradeBid("A", 2400))
