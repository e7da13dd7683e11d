"""Importing an order file (``coopmatch import orders FILE``): new rows are inserted,
rows whose id is already stored update that order (a new version, audited, see
:mod:`api.services.order_amend`), identical rows are no-ops; a row that would change a
committed or closed order rejects the whole file, naming the row and the field. The same
file twice is a no-op (file hash). The file's columns: :mod:`api.services.orders`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, select
from sqlmodel import Session, col

from api.db.audit import append_event
from api.db.repo import products
from api.db.tables import CoopRow, MemberImportRow
from api.db.tx import in_write_transaction
from api.services.clock import UtcClock, system_clock
from api.services.members import file_hash
from api.services.order_amend import amend_order, split_corrections
from api.services.orders import (
    NeedSpec,
    ObligationSpec,
    OfferSpec,
    insert_obligations,
    insert_orders,
    order_id_of,
    parse_order_rows,
)
from api.services.produce_orders import (
    LotSpec,
    ProduceRows,
    PurchaseSpec,
    insert_produce_orders,
    upsert_products,
)


@dataclass(frozen=True)
class OrderImportOutcome:
    """What an order import did."""

    file_hash: str
    already_imported: bool
    offers: int
    needs: int
    lots: int = 0
    purchase_orders: int = 0
    obligations: int = 0
    amended: int = 0
    """Orders already stored that the file changed (a new version of each)."""
    unchanged: int = 0
    """Rows identical to their stored order (no-ops)."""


def imported_amounts(
    offers: list[OfferSpec],
    needs: list[NeedSpec],
    debts: list[ObligationSpec],
    produce: ProduceRows,
) -> dict[str, int | None]:
    """The audit payload's ``orders`` of an import: every order id → its amount in satang
    (None for produce, whose amount is a quantity), so that ``coopmatch audit verify`` can
    check each imported order against the event."""
    amounts: dict[str, int | None] = {o.id: o.amount_satang for o in offers}
    amounts.update({n.id: n.amount_satang for n in needs})
    amounts.update({d.id: d.amount_satang for d in debts})
    amounts.update({lot.lot.id: None for lot in produce.lots})
    amounts.update({po.order.id: None for po in produce.orders})
    return amounts


def import_orders(
    engine: Engine, path: Path, *, actor: str, clock: UtcClock = system_clock
) -> OrderImportOutcome:
    """Import an order file in one transaction; the same file twice is a no-op."""

    def work(session: Session) -> OrderImportOutcome:
        coops = set(session.execute(select(col(CoopRow.id))).scalars())
        known = file_hash(path)
        if known and session.get(MemberImportRow, known) is not None:
            return OrderImportOutcome(known, True, 0, 0)
        catalogue = {p.id: p for p in products(session)}
        debts: list[ObligationSpec] = []
        rows: dict[str, int] = {}
        offers, needs, produce, digest = parse_order_rows(path, coops, catalogue, debts, rows)
        now = clock()
        upsert_products(session, produce.products)
        every: list[OfferSpec | NeedSpec | LotSpec | PurchaseSpec | ObligationSpec] = [
            *offers,
            *needs,
            *produce.lots,
            *produce.orders,
            *debts,
        ]
        split = split_corrections(session, every, rows, now, str(path))
        fresh = {id(x) for x in split.new}
        offers, needs = [o for o in offers if id(o) in fresh], [n for n in needs if id(n) in fresh]
        produce.lots = [x for x in produce.lots if id(x) in fresh]
        produce.orders = [x for x in produce.orders if id(x) in fresh]
        debts = [d for d in debts if id(d) in fresh]
        insert_orders(session, offers, needs, now)
        insert_obligations(session, debts, now)
        insert_produce_orders(session, produce.lots, produce.orders, now)
        for spec in split.changed:
            amend_order(session, spec, now, actor, check_produce=False)
        lots, pos = len(produce.lots), len(produce.orders)
        session.add(
            MemberImportRow(
                file_hash=digest,
                kind="orders",
                filename=path.name,
                row_count=len(offers) + len(needs) + lots + pos + len(debts),
                imported_at=now,
            )
        )
        amended = sorted(order_id_of(x) for x in split.changed)
        append_event(
            session,
            now,
            actor,
            "orders.imported",
            "order",
            "*",
            {"file_hash": digest, "offers": len(offers), "needs": len(needs)}
            | ({"lots": lots, "purchase_orders": pos} if lots or pos else {})
            | ({"obligations": len(debts)} if debts else {})
            | ({"amended": amended} if amended else {})
            | ({"unchanged": len(split.unchanged)} if split.unchanged else {})
            | {"orders": imported_amounts(offers, needs, debts, produce)},
        )
        return OrderImportOutcome(
            digest,
            False,
            len(offers),
            len(needs),
            lots,
            pos,
            len(debts),
            len(amended),
            len(split.unchanged),
        )

    return in_write_transaction(engine, work)
