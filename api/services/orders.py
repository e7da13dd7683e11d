"""Posting and importing orders (liquidity offers and needs; stock lots and purchase orders
in :mod:`api.services.produce_orders`), and cancelling them.

An order file (CSV or XLSX) has one row per order: ``side`` (offer/need), ``id``,
``coop_id``, ``amount`` (baht), ``rate_bps`` (the lender's lowest or the borrower's highest
yearly rate), ``term_days`` (the lender's longest or the borrower's term), and optionally
``min_amount``, ``urgency`` (1–5), ``cap_per_borrower``, ``repayment`` (bullet/equal),
``instalments`` and ``valid_until`` (YYYY-MM-DD). Rows with ``side`` ``stock_lot`` or
``purchase_order`` (and ``product`` rows for the catalogue) carry produce columns (see
:mod:`api.services.produce_orders`). Rows with ``side`` ``obligation`` are debts for
set-off: ``coop_id`` (the debtor) owes ``creditor_coop_id`` ``amount`` baht, due on
``due_date`` (YYYY-MM-DD).
Importing a file (whole-file rejection, file-hash idempotency, updates by id):
:mod:`api.services.order_import`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import Engine, Table, insert
from sqlmodel import Session, SQLModel

from api.db.audit import append_event
from api.db.mapping import LIQUIDITY_NEED, LIQUIDITY_OFFER, OBLIGATION
from api.db.tables import (
    LiquidityNeedRow,
    LiquidityOfferRow,
    ObligationRow,
    OrderRow,
)
from api.db.tx import in_write_transaction
from api.schemas.dates import DateTextError, parse_date_text
from api.services.cells import int_cell
from api.services.clock import UtcClock, system_clock
from api.services.loans import REPAYMENTS
from api.services.members import _ident
from api.services.produce_orders import (
    PRODUCE_SIDES,
    LotSpec,
    ProduceRows,
    PurchaseSpec,
    parse_produce_row,
    parse_product_row,
)
from api.services.tabular import RowErrors, money_cell, read_table
from matcher.produce.model import Product


@dataclass(frozen=True)
class OfferSpec:
    """Idle funds offered by ``coop_id``."""

    id: str
    coop_id: str
    amount_satang: int
    min_rate_bps: int
    max_term_days: int
    cap_per_borrower_satang: int | None = None
    valid_until: date | None = None
    arrival: int = 0


@dataclass(frozen=True)
class NeedSpec:
    """Working capital needed by ``coop_id``."""

    id: str
    coop_id: str
    amount_satang: int
    max_rate_bps: int
    term_days: int
    min_amount_satang: int = 0
    urgency: int = 1
    repayment: str = "bullet"
    instalments: int = 1
    valid_until: date | None = None
    arrival: int = 0


def _table(model: type[SQLModel]) -> Table:
    """A model's table: inserting into it runs a plain executemany, without the ORM's bulk
    machinery (these rows are never loaded as objects in the same session)."""
    return model.__table__  # type: ignore[attr-defined,no-any-return]


def insert_orders(
    session: Session, offers: list[OfferSpec], needs: list[NeedSpec], now: datetime
) -> None:
    """Bulk-insert headers and details (no audit; callers append one event)."""
    heads = [
        order_head(
            o.id, LIQUIDITY_OFFER.kind, o.coop_id, o.amount_satang, o.valid_until, o.arrival, now
        )
        for o in offers
    ] + [
        order_head(
            n.id, LIQUIDITY_NEED.kind, n.coop_id, n.amount_satang, n.valid_until, n.arrival, now
        )
        for n in needs
    ]
    if heads:
        session.execute(insert(_table(OrderRow)), heads)
    if offers:
        session.execute(
            insert(_table(LiquidityOfferRow)),
            [
                {
                    "order_id": o.id,
                    "min_rate_bps": o.min_rate_bps,
                    "max_term_days": o.max_term_days,
                    "cap_per_borrower_satang": o.cap_per_borrower_satang,
                }
                for o in offers
            ],
        )
    if needs:
        session.execute(
            insert(_table(LiquidityNeedRow)),
            [
                {
                    "order_id": n.id,
                    "max_rate_bps": n.max_rate_bps,
                    "term_days": n.term_days,
                    "min_amount_satang": n.min_amount_satang,
                    "urgency": n.urgency,
                    "repayment": n.repayment,
                    "instalments": n.instalments,
                }
                for n in needs
            ],
        )


@dataclass(frozen=True)
class ObligationSpec:
    """A debt ``debtor`` owes ``creditor``, declared by the debtor, for multilateral set-off."""

    id: str
    debtor: str
    creditor: str
    amount_satang: int
    due_date: date


def insert_obligations(session: Session, items: list[ObligationSpec], now: datetime) -> None:
    """Bulk-insert obligation headers and details (no audit; callers append one event)."""
    if not items:
        return
    kind = OBLIGATION.kind
    session.execute(
        insert(OrderRow),
        [order_head(o.id, kind, o.debtor, o.amount_satang, None, 0, now) for o in items],
    )
    session.execute(
        insert(_table(ObligationRow)),
        [{"order_id": o.id, "creditor_coop_id": o.creditor, "due_date": o.due_date} for o in items],
    )


def order_head(
    oid: str, kind: str, coop: str, amount: int, valid: date | None, arrival: int, now: datetime
) -> dict[str, object]:
    """The ``orders`` header row of a new money order (unit satang, nothing reserved)."""
    return {
        "id": oid,
        "kind": kind,
        "coop_id": coop,
        "unit": "satang",
        "amount": amount,
        "reserved": 0,
        "committed": 0,
        "status": "open",
        "valid_until": valid,
        "arrival": arrival,
        "version": 1,
        "created_at": now,
        "updated_at": now,
    }


def post_orders(
    engine: Engine,
    offers: list[OfferSpec],
    needs: list[NeedSpec],
    *,
    actor: str,
    clock: UtcClock = system_clock,
) -> None:
    """Insert orders in one transaction with one audit event."""

    def work(session: Session) -> None:
        now = clock()
        insert_orders(session, offers, needs, now)
        append_event(
            session,
            now,
            actor,
            "orders.posted",
            "order",
            "*",
            {
                "offers": [o.id for o in offers],
                "needs": [n.id for n in needs],
                "amounts": {o.id: o.amount_satang for o in offers}
                | {n.id: n.amount_satang for n in needs},
            },
        )

    in_write_transaction(engine, work)


def parse_order_rows(
    path: Path,
    known_coops: set[str],
    products: dict[str, Product] | None = None,
    obligations: list[ObligationSpec] | None = None,
    rows: dict[str, int] | None = None,
) -> tuple[list[OfferSpec], list[NeedSpec], ProduceRows, str]:
    """Parse and check a whole order file; raise :class:`BadFileError` on any bad row.

    Obligation rows are appended to ``obligations``; without that list they are refused.
    ``rows`` (when given) receives each order id's row number. An id that already exists
    is not an error here: the import compares it with the stored order.
    """
    table = read_table(path)
    err = RowErrors()
    produce = ProduceRows()
    products = dict(products or {})
    for n, r in table.rows:  # product rows first: later order rows may refer to them
        if r.get("side", "").lower() == "product":
            parse_product_row(err, n, r, products, produce)
    offers: list[OfferSpec] = []
    needs: list[NeedSpec] = []
    seen: dict[str, int] = {}
    for n, r in table.rows:
        if r.get("side", "").lower() == "product":
            continue
        oid = _ident(err, n, "id", r.get("id", ""))
        if oid in seen:
            err.add(n, "id", f"duplicate order id {oid!r} (also row {seen[oid]})")
            continue
        seen[oid] = n
        coop = r.get("coop_id", "")
        if coop not in known_coops:
            err.add(n, "coop_id", f"unknown coop {coop!r} (ไม่พบสหกรณ์)")
        if r.get("side", "").lower() in PRODUCE_SIDES:
            parse_produce_row(err, n, r, oid, coop, products, produce)
            continue
        if r.get("side", "").lower() == "obligation" and obligations is not None:
            obligations.append(_obligation(err, n, r, oid, coop, known_coops))
            continue
        amount = money_cell(err, n, "amount", r.get("amount", ""), required=True)
        if amount == 0:
            err.add(n, "amount", "must be greater than zero (ต้องมากกว่าศูนย์)")
        rate = int_cell(err, n, "rate_bps", r.get("rate_bps", ""), lo=0, hi=10_000)
        term = int_cell(err, n, "term_days", r.get("term_days", ""), lo=1, hi=36_500)
        valid = _date_cell(err, n, r.get("valid_until", ""))
        side = r.get("side", "").lower()
        if side == "offer":
            cap = money_cell(
                err, n, "cap_per_borrower", r.get("cap_per_borrower", ""), required=False
            )
            offers.append(OfferSpec(oid, coop, amount or 0, rate or 0, term or 1, cap, valid, n))
        elif side == "need":
            needs.append(_need(err, n, r, oid, coop, amount or 0, rate or 0, term or 1, valid))
        else:
            err.add(
                n,
                "side",
                f"{r.get('side', '')!r} must be offer, need, stock_lot, purchase_order"
                + (" or obligation" if obligations is not None else ""),
            )
    err.raise_if_any(str(path))
    if rows is not None:
        rows.update(seen)
    return offers, needs, produce, table.sha256


def _need(
    err: RowErrors,
    n: int,
    r: dict[str, str],
    oid: str,
    coop: str,
    amount: int,
    rate: int,
    term: int,
    valid: date | None,
) -> NeedSpec:
    minimum = money_cell(err, n, "min_amount", r.get("min_amount", ""), required=False) or 0
    if minimum > amount:
        err.add(n, "min_amount", "must not exceed amount (ต้องไม่เกินจำนวนที่ต้องการ)")
    urgency = int_cell(err, n, "urgency", r.get("urgency", ""), lo=1, hi=5, default=1) or 1
    repayment = (r.get("repayment") or "bullet").lower()
    if repayment not in REPAYMENTS:
        err.add(n, "repayment", f"{repayment!r} must be bullet or equal")
    inst = int_cell(err, n, "instalments", r.get("instalments", ""), lo=1, hi=term, default=1) or 1
    return NeedSpec(oid, coop, amount, rate, term, minimum, urgency, repayment, inst, valid, n)


def _obligation(
    err: RowErrors, n: int, r: dict[str, str], oid: str, debtor: str, known_coops: set[str]
) -> ObligationSpec:
    """An obligation row: ``coop_id`` owes ``creditor_coop_id`` ``amount`` by ``due_date``."""
    amount = money_cell(err, n, "amount", r.get("amount", ""), required=True) or 0
    if amount == 0:
        err.add(n, "amount", "must be greater than zero (ต้องมากกว่าศูนย์)")
    creditor = r.get("creditor_coop_id", "")
    if creditor not in known_coops:
        err.add(n, "creditor_coop_id", f"unknown coop {creditor!r} (ไม่พบสหกรณ์เจ้าหนี้)")
    elif creditor == debtor:
        err.add(n, "creditor_coop_id", "must differ from coop_id (เจ้าหนี้ต้องไม่ใช่ลูกหนี้)")
    due = _date_cell(err, n, r.get("due_date", ""), "due_date")
    if due is None and not r.get("due_date", ""):
        err.add(n, "due_date", "is required (ต้องระบุวันครบกำหนด)")
    return ObligationSpec(oid, debtor, creditor, amount, due or date.min)


def _date_cell(err: RowErrors, n: int, text: str, column: str = "valid_until") -> date | None:
    if not text:
        return None
    try:
        return parse_date_text(text)
    except DateTextError as exc:
        err.add(n, column, str(exc))
        return None


def order_id_of(spec: object) -> str:
    """The order id of any order spec (an offer, need, debt, stock lot or purchase order)."""
    if isinstance(spec, LotSpec):
        return spec.lot.id
    if isinstance(spec, PurchaseSpec):
        return spec.order.id
    return str(spec.id)  # type: ignore[attr-defined]
