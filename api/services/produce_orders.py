"""Stock lots and purchase orders: parsing their order-file rows and inserting them.

Order-file rows with ``side`` ``stock_lot`` or ``purchase_order`` (beside the liquidity
``offer``/``need`` rows, see :mod:`api.services.orders`) have the columns ``id``,
``coop_id``, ``product``, ``quantity`` (whole base units) and optionally ``lat_e5``/``lon_e5``
(integer 1e-5 degrees, both or neither) or ``district_code``. A stock lot adds ``grade``,
``reserve_price`` (baht per unit), ``spoilage_per_day`` (baht per unit and day, optional),
``ready_date`` and ``expiry_date``; a purchase order adds ``bids`` (``grade:price`` pairs
separated by ``|``, e.g. ``AA:32.00|A:25.50``), ``deliver_by`` and ``min_lot`` (units).

Rows with ``side`` ``product`` add to (or replace in) the product catalogue before the
file's orders are checked: ``id``, ``name_th``, optional ``name_en``, ``base_unit`` (kg, egg
or litre), ``shelf_life_days`` and ``grades`` (best first, separated by ``|``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import insert, select
from sqlmodel import Session, col

from api.db.mapping import (
    GRADE_SEP,
    Location,
    product_row,
    purchase_order_rows,
    stock_lot_rows,
)
from api.db.tables import (
    OrderRow,
    ProductRow,
    PurchaseOrderGradeRow,
    PurchaseOrderRow,
    StockLotRow,
)
from api.schemas.dates import DateTextError, parse_date_text
from api.services.cells import int_cell
from api.services.errors import ServiceError
from api.services.members import _ident
from api.services.tabular import RowErrors, money_cell
from matcher.produce.checks import MAX_UNITS
from matcher.produce.model import GradeBid, Product, PurchaseOrder, StockLot

PRODUCE_SIDES = ("stock_lot", "purchase_order")


@dataclass(frozen=True)
class LotSpec:
    """A stock lot to insert and where it lies."""

    lot: StockLot
    where: Location = field(default_factory=Location)


@dataclass(frozen=True)
class PurchaseSpec:
    """A purchase order to insert and where it is delivered."""

    order: PurchaseOrder
    where: Location = field(default_factory=Location)


@dataclass
class ProduceRows:
    """What the produce rows of one file parsed into."""

    lots: list[LotSpec] = field(default_factory=list)
    orders: list[PurchaseSpec] = field(default_factory=list)
    products: list[Product] = field(default_factory=list)


def upsert_products(session: Session, items: list[Product]) -> None:
    """Insert or replace products (the catalogue stock lots and purchase orders refer to)."""
    for p in items:
        session.merge(ProductRow(**product_row(p)))
    session.flush()


def insert_produce_orders(
    session: Session, lots: list[LotSpec], orders: list[PurchaseSpec], now: datetime
) -> None:
    """Bulk-insert headers, details and grades; the header unit is the product's base unit
    (no audit; callers append one event)."""
    if not lots and not orders:
        return
    units = dict(session.execute(select(col(ProductRow.id), col(ProductRow.base_unit))).all())
    lot_rows = [stock_lot_rows(s.lot, units[s.lot.product], now, s.where) for s in lots]
    po_rows = [purchase_order_rows(s.order, units[s.order.product], now, s.where) for s in orders]
    heads = [h for h, _ in lot_rows] + [h for h, _, _ in po_rows]
    if heads:
        session.execute(insert(OrderRow), heads)
    if lot_rows:
        session.execute(insert(StockLotRow), [d for _, d in lot_rows])
    if po_rows:
        session.execute(insert(PurchaseOrderRow), [d for _, d, _ in po_rows])
        session.execute(insert(PurchaseOrderGradeRow), [g for _, _, gs in po_rows for g in gs])


def parse_produce_row(
    err: RowErrors,
    n: int,
    r: dict[str, str],
    oid: str,
    coop: str,
    products: dict[str, Product],
    out: ProduceRows,
) -> None:
    """Check one ``stock_lot`` or ``purchase_order`` row and add it to ``out``."""
    side = r.get("side", "").lower()
    pid = r.get("product", "")
    product = products.get(pid)
    if product is None:
        err.add(n, "product", f"unknown product {pid!r} (ไม่พบสินค้า)")
    qty = int_cell(err, n, "quantity", r.get("quantity", ""), lo=1, hi=MAX_UNITS) or 1
    where = _location(err, n, r)
    if side == "stock_lot":
        grade = r.get("grade", "")
        if product is not None and grade not in product.grades:
            err.add(n, "grade", f"{grade!r} is not a grade of {pid!r} (ไม่มีเกรดนี้)")
        reserve = money_cell(err, n, "reserve_price", r.get("reserve_price", ""), required=True)
        spoil_text = r.get("spoilage_per_day", "")
        spoil = money_cell(err, n, "spoilage_per_day", spoil_text, required=False)
        ready = _date(err, n, "ready_date", r.get("ready_date", ""))
        expiry = _date(err, n, "expiry_date", r.get("expiry_date", ""))
        if ready and expiry and expiry < ready:
            err.add(n, "expiry_date", "must not be before ready_date (หมดอายุก่อนวันพร้อมขาย)")
        day = date.min
        lot = StockLot(
            oid, coop, pid, grade, qty, reserve or 0, ready or day, expiry or day, spoil or 0, n
        )
        out.lots.append(LotSpec(lot, where))
    else:
        bids = _bids(err, n, r.get("bids", ""), product)
        deliver = _date(err, n, "deliver_by", r.get("deliver_by", ""))
        min_lot = int_cell(err, n, "min_lot", r.get("min_lot", ""), lo=0, hi=qty, default=0) or 0
        order = PurchaseOrder(oid, coop, pid, bids, qty, deliver or date.min, min_lot, n)
        out.orders.append(PurchaseSpec(order, where))


BASE_UNITS = ("kg", "egg", "litre")


def parse_product_row(
    err: RowErrors, n: int, r: dict[str, str], products: dict[str, Product], out: ProduceRows
) -> None:
    """Check one ``product`` row; it joins ``products`` (for later rows) and ``out``."""
    pid = _ident(err, n, "id", r.get("id", ""))
    if any(p.id == pid for p in out.products):
        err.add(n, "id", f"product {pid!r} given twice (สินค้าซ้ำ)")
        return
    name = r.get("name_th", "")
    if not name or len(name) > 200:
        err.add(n, "name_th", "required, at most 200 characters (ต้องระบุ)")
    unit = r.get("base_unit", "")
    if unit not in BASE_UNITS:
        err.add(n, "base_unit", f"{unit!r} must be kg, egg or litre")
    life = int_cell(err, n, "shelf_life_days", r.get("shelf_life_days", ""), lo=1, hi=3650) or 1
    grades = tuple(g.strip() for g in r.get("grades", "").split("|"))
    if not all(grades) or len(set(grades)) != len(grades) or any(len(g) > 16 for g in grades):
        err.add(n, "grades", "distinct grades separated by | e.g. AA|A|B (เกรดไม่ถูกต้อง)")
    product = Product(pid, name, r.get("name_en", ""), unit, life, grades)
    products[pid] = product
    out.products.append(product)


def _bids(err: RowErrors, n: int, text: str, product: Product | None) -> tuple[GradeBid, ...]:
    """``AA:32.00|A:25.50`` → grade bids; each grade once, a known grade, a price above 0."""
    bids: list[GradeBid] = []
    if not text:
        err.add(n, "bids", "required, e.g. AA:32.00|A:25.50 (ต้องระบุเกรดและราคา)")
        return ()
    for part in text.split("|"):
        grade, sep, price_text = part.strip().partition(":")
        grade = grade.strip()
        if not sep or not grade:
            err.add(n, "bids", f"{part!r} is not grade:price (ต้องเป็น เกรด:ราคา)")
            continue
        if product is not None and grade not in product.grades:
            err.add(n, "bids", f"{grade!r} is not a grade of {product.id!r} (ไม่มีเกรดนี้)")
        if any(b.grade == grade for b in bids):
            err.add(n, "bids", f"grade {grade!r} listed twice (เกรดซ้ำ)")
        price = money_cell(err, n, "bids", price_text.strip(), required=True)
        if price == 0:
            err.add(n, "bids", f"price of {grade!r} must be greater than zero (ต้องมากกว่าศูนย์)")
        bids.append(GradeBid(grade, price or 0))
    return tuple(bids)


def _location(err: RowErrors, n: int, r: dict[str, str]) -> Location:
    lat_t, lon_t = r.get("lat_e5", ""), r.get("lon_e5", "")
    if bool(lat_t) != bool(lon_t):
        err.add(n, "lat_e5", "give both lat_e5 and lon_e5 or neither (ต้องระบุทั้งคู่)")
        return Location()
    district = r.get("district_code", "")
    if district and (len(district) > 8 or not (district.isascii() and district.isdigit())):
        err.add(n, "district_code", f"{district!r} is not a district code (รหัสอำเภอไม่ถูกต้อง)")
    if not lat_t:
        return Location(district_code=district)
    lat = int_cell(err, n, "lat_e5", lat_t, lo=-9_000_000, hi=9_000_000)
    lon = int_cell(err, n, "lon_e5", lon_t, lo=-18_000_000, hi=18_000_000)
    return Location(lat, lon, district)


def _date(err: RowErrors, n: int, column: str, text: str) -> date | None:
    if not text:
        err.add(n, column, "required (ต้องระบุ)")
        return None
    try:
        return parse_date_text(text)
    except DateTextError as exc:
        err.add(n, column, str(exc))
        return None


def check_member_produce(session: Session, lots: list[LotSpec], orders: list[PurchaseSpec]) -> None:
    """Refuse stock lots and purchase orders that name an unknown product or grade.

    Raises:
        ServiceError: the message names the body field (``product``, ``grade``, ``bids``).
    """
    wanted = {s.lot.product for s in lots} | {s.order.product for s in orders}
    if not wanted:
        return
    rows = session.execute(
        select(col(ProductRow.id), col(ProductRow.grades)).where(col(ProductRow.id).in_(wanted))
    ).all()
    grades = {pid: set(text.split(GRADE_SEP)) for pid, text in rows}
    for s in lots:
        known = _grades_of(grades, s.lot.product)
        if s.lot.grade not in known:
            raise ServiceError(
                f"grade: {s.lot.grade!r} is not a grade of {s.lot.product!r}",
                f"grade: {s.lot.product} ไม่มีเกรด {s.lot.grade}",
            )
    for p in orders:
        known = _grades_of(grades, p.order.product)
        for i, bid in enumerate(p.order.bids):
            if bid.grade not in known:
                raise ServiceError(
                    f"bids[{i}].grade: {bid.grade!r} is not a grade of {p.order.product!r}",
                    f"bids[{i}].grade: {p.order.product} ไม่มีเกรด {bid.grade}",
                )


def _grades_of(grades: dict[str, set[str]], product: str) -> set[str]:
    if product not in grades:
        raise ServiceError(f"product: unknown product {product!r}", f"product: ไม่พบสินค้า {product}")
    return grades[product]
