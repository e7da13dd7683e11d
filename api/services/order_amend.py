"""Orders that change: a new version of an open order, from its owner over ``/v1`` or from a
corrected import file.

An amendment replaces what an order says (amount, rate, term, dates, grade, prices, place)
and keeps its id, owner, kind and place in the queue (``arrival``). It is one rule for both
entrances:

* only an order still **open** (status ``open`` or ``reserved``) with **nothing committed**
  may change; a filled, cancelled or expired order, a partly committed one, or a debt a
  loan or a committed sale created is refused with a Thai and English message naming the
  field that would have changed;
* the same content again is a no-op: no new version, no event;
* a change voids the order's pending proposals and frees both sides' reservations, writes
  the header and detail rows anew, bumps the order's ``version`` (so a round that
  snapshot the old version re-solves), forgets the declines of pairs with this order
  (:mod:`api.services.round.declines`: a declined pair is not proposed again *while
  neither order changed*), and appends one ``order.amended`` audit event with each changed
  field's old and new value and the new amount (``coopmatch audit verify`` checks it).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, delete, insert, or_, select, update
from sqlmodel import Session, col

from api.db.audit import GLOBAL_CHAIN, append_event, coop_chain, lock_chain
from api.db.mapping import (
    OBLIGATION,
    ORDER_KINDS,
    PURCHASE_ORDER,
    STOCK_LOT,
    purchase_order_rows,
    stock_lot_rows,
)
from api.db.tables import (
    ObligationRow,
    OrderRow,
    ProductRow,
    PurchaseOrderGradeRow,
)
from api.db.tables_round import DeclinedPairRow
from api.db.tx import in_write_transaction
from api.services.clock import UtcClock, system_clock
from api.services.errors import ConflictError, InvalidStateError, NotFoundError
from api.services.hooks import OnCommit, with_hook
from api.services.member_orders import MemberOrder, kind_of, money_columns, order_id
from api.services.order_lifecycle import void_pending
from api.services.orders import ObligationSpec
from api.services.produce_orders import LotSpec, PurchaseSpec, check_member_produce
from api.services.tabular import RowErrors

HEAD_FIELDS = ("amount", "valid_until")
"""Header columns an amendment may change (owner, kind, unit and arrival stay)."""
GRADES = "bids"
"""The field name of a purchase order's grade rows (as in the order file and the API)."""
AMENDABLE = ("open", "reserved")


@dataclass(frozen=True)
class OrderContent:
    """What an order says: its header fields, its detail row, its grade rows (purchase
    orders only, as ``(grade, max price)`` in the buyer's order)."""

    kind: str
    coop_id: str
    head: dict[str, Any]
    detail: dict[str, Any]
    bids: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class AmendOutcome:
    """What an amendment did: ``changed`` fields (old, new), the order's version after it,
    the proposals it voided. No change: ``changed`` is empty and nothing was written."""

    order_id: str
    version: int
    changed: dict[str, tuple[Any, Any]]
    voided: list[int]


def content_of(session: Session, spec: MemberOrder, now: datetime) -> OrderContent:
    """The content ``spec`` would store (the rows :func:`post_member_order` inserts)."""
    money = money_columns(spec, now)
    if money is not None:
        head, _table, detail = money
        return OrderContent(str(head["kind"]), str(head["coop_id"]), _head(head), _det(detail))
    unit = _unit_of(session, spec)
    if isinstance(spec, LotSpec):
        h, d = stock_lot_rows(spec.lot, unit, now, spec.where)
        return OrderContent(STOCK_LOT.kind, spec.lot.seller, _head(h), _det(d))
    assert isinstance(spec, PurchaseSpec)
    h, d, grades = purchase_order_rows(spec.order, unit, now, spec.where)
    bids = tuple((g["grade"], g["max_price_satang_per_unit"]) for g in grades)
    return OrderContent(PURCHASE_ORDER.kind, spec.order.buyer, _head(h), _det(d), bids)


def stored_content(session: Session, order: OrderRow) -> OrderContent:
    """What ``order`` says now, in the shape of :func:`content_of`."""
    detail_row = session.get(ORDER_KINDS[order.kind].detail, order.id)
    detail = _det(detail_row.model_dump()) if detail_row is not None else {}
    bids: tuple[tuple[str, int], ...] = ()
    if order.kind == PURCHASE_ORDER.kind:
        rows = session.execute(
            select(PurchaseOrderGradeRow)
            .where(col(PurchaseOrderGradeRow.order_id) == order.id)
            .order_by(col(PurchaseOrderGradeRow.seq))
        ).scalars()
        bids = tuple((r.grade, r.max_price_satang_per_unit) for r in rows)
    head = {"amount": order.amount, "valid_until": order.valid_until}
    return OrderContent(order.kind, order.coop_id, head, detail, bids)


def changes(old: OrderContent, new: OrderContent) -> dict[str, tuple[Any, Any]]:
    """Field → (old, new) for every field that differs (detail fields by column name)."""
    out: dict[str, tuple[Any, Any]] = {}
    for name in HEAD_FIELDS:
        if old.head.get(name) != new.head.get(name):
            out[name] = (old.head.get(name), new.head.get(name))
    for name in sorted(new.detail.keys() | old.detail.keys()):
        if old.detail.get(name) != new.detail.get(name):
            out[name] = (old.detail.get(name), new.detail.get(name))
    if old.bids != new.bids:
        out[GRADES] = (list(old.bids), list(new.bids))
    return out


def refusal(session: Session, order: OrderRow, field: str) -> tuple[str, str] | None:
    """Why ``order`` may not change (English, Thai, naming ``field``), or None."""
    oid = order.id
    if order.status not in AMENDABLE:
        return (
            f"{field}: order {oid!r} is {order.status}; only an open order can change",
            f"{field}: คำสั่ง {oid} อยู่ในสถานะ {order.status} แก้ไขได้เฉพาะคำสั่งที่ยังเปิดอยู่",
        )
    if order.committed > 0:
        return (
            f"{field}: order {oid!r} is already partly committed; cancel it and post the rest "
            "as a new order",
            f"{field}: คำสั่ง {oid} มีส่วนที่ยืนยันแล้ว แก้ไขไม่ได้ ให้ยกเลิกแล้วลงคำสั่งใหม่สำหรับส่วนที่เหลือ",
        )
    if order.kind == OBLIGATION.kind:
        debt = session.get(ObligationRow, oid)
        if debt is not None and (
            debt.source_instalment_id is not None or debt.source_commitment_id is not None
        ):
            return (
                f"{field}: obligation {oid!r} comes from a loan or a committed sale; "
                "it cannot change",
                f"{field}: หนี้ {oid} มาจากสัญญาเงินกู้หรือการขายที่ยืนยันแล้ว แก้ไขไม่ได้",
            )
    return None


def check_same_order(order: OrderRow, new: OrderContent) -> tuple[str, str, str] | None:
    """(field, English, Thai) when ``new`` changes what an amendment never changes."""
    if new.kind != order.kind:
        return (
            "kind",
            f"order {order.id!r} is a {order.kind}; its kind cannot change",
            f"คำสั่ง {order.id} เป็นชนิด {order.kind} เปลี่ยนชนิดไม่ได้",
        )
    if new.coop_id != order.coop_id:
        return (
            "coop_id",
            f"order {order.id!r} belongs to {order.coop_id}; it cannot move to another coop",
            f"คำสั่ง {order.id} เป็นของ {order.coop_id} ย้ายไปสหกรณ์อื่นไม่ได้",
        )
    return None


def amend_order(
    session: Session,
    spec: MemberOrder,
    now: datetime,
    actor: str,
    chain: str = GLOBAL_CHAIN,
    *,
    check_produce: bool = True,
) -> AmendOutcome:
    """Make ``spec`` the new version of the stored order with its id (caller's transaction).

    Raises:
        NotFoundError: no order has that id.
        InvalidStateError: the kind or owner would change, or the order may not change
            (:func:`refusal`); the message names the field. Nothing is written.
        ConflictError: the order changed under this transaction.
    """
    oid = order_id(spec)
    order = session.get(OrderRow, oid)
    if order is None:
        raise NotFoundError(f"order {oid!r} does not exist", f"ไม่พบคำสั่ง {oid}")
    if kind_of(spec) != order.kind:
        wrong = check_same_order(order, OrderContent(kind_of(spec), order.coop_id, {}, {}))
        assert wrong is not None
        raise InvalidStateError(f"{wrong[0]}: {wrong[1]}", f"{wrong[0]}: {wrong[2]}")
    if check_produce:
        check_member_produce(
            session,
            [spec] if isinstance(spec, LotSpec) else [],
            [spec] if isinstance(spec, PurchaseSpec) else [],
        )
    new = content_of(session, spec, now)
    wrong = check_same_order(order, new)
    if wrong is not None:
        raise InvalidStateError(f"{wrong[0]}: {wrong[1]}", f"{wrong[0]}: {wrong[2]}")
    diff = changes(stored_content(session, order), new)
    if not diff:
        return AmendOutcome(oid, order.version, {}, [])
    why = refusal(session, order, next(iter(diff)))
    if why is not None:
        raise InvalidStateError(*why)
    return _write(session, order, new, diff, now, actor, chain)


def amend_terms(
    engine: Engine,
    order_id: str,
    coop_id: str,
    terms: dict[str, Any],
    *,
    actor: str,
    clock: UtcClock = system_clock,
) -> AmendOutcome:
    """A member changes some terms of its own open order (the web's amend form), by the
    same rule as ``/v1``: ``terms`` names order columns (``amount``, ``valid_until``) and
    detail columns (``min_rate_bps``, ``max_rate_bps``, ``reserve_satang_per_unit``); the
    rest stays as stored. On the coop's audit chain, in one transaction.

    Raises:
        NotFoundError: no such order of ``coop_id`` (another coop's is the same 404).
        InvalidStateError: a debt, an order that may not change (:func:`refusal`), or an
            amount below the order's smallest useful amount; the message names the field.
    """
    chain = coop_chain(coop_id)

    def work(session: Session) -> AmendOutcome:
        lock_chain(session, chain)
        order = session.get(OrderRow, order_id)
        if order is None or order.coop_id != coop_id or order.kind == OBLIGATION.kind:
            raise NotFoundError(f"order {order_id!r} does not exist", f"ไม่พบคำสั่ง {order_id}")
        old = stored_content(session, order)
        head = {**old.head, **{k: v for k, v in terms.items() if k in HEAD_FIELDS}}
        unknown = set(terms) - set(HEAD_FIELDS) - set(old.detail)
        if unknown:
            raise ValueError(f"not a term of a {order.kind}: {sorted(unknown)}")
        detail = {**old.detail, **{k: v for k, v in terms.items() if k in old.detail}}
        floor = int(detail.get("min_amount_satang") or detail.get("min_lot_units") or 0)
        if int(head["amount"]) < floor:
            raise InvalidStateError(
                f"amount: must not be below the smallest useful amount {floor}",
                f"amount: ต้องไม่น้อยกว่าจำนวนขั้นต่ำ {floor}",
            )
        new = replace(old, head=head, detail=detail)
        diff = changes(old, new)
        if not diff:
            return AmendOutcome(order_id, order.version, {}, [])
        why = refusal(session, order, next(iter(diff)))
        if why is not None:
            raise InvalidStateError(*why)
        return _write(session, order, new, diff, clock(), actor, chain)

    return in_write_transaction(engine, work)


def _write(
    session: Session,
    order: OrderRow,
    new: OrderContent,
    diff: dict[str, tuple[Any, Any]],
    now: datetime,
    actor: str,
    chain: str,
) -> AmendOutcome:
    """Void, rewrite, bump the version, forget declines, audit."""
    oid, seen = order.id, order.version
    voided = void_pending(session, [oid], now)
    version = int(
        session.execute(select(col(OrderRow.version)).where(col(OrderRow.id) == oid)).scalar_one()
    )
    if version != seen + (1 if voided else 0):
        raise ConflictError(
            f"order {oid!r} changed meanwhile; try again", f"คำสั่ง {oid} ถูกแก้ไขพร้อมกัน กรุณาลองใหม่"
        )
    session.execute(
        update(OrderRow)
        .where(col(OrderRow.id) == oid)
        .values(**new.head, updated_at=now, version=version + 1)
    )
    detail = ORDER_KINDS[order.kind].detail
    if order.kind == PURCHASE_ORDER.kind:
        grades = PurchaseOrderGradeRow
        session.execute(delete(grades).where(col(grades.order_id) == oid))
    session.execute(delete(detail).where(detail.order_id == oid))  # type: ignore[attr-defined]
    session.execute(insert(detail), [{"order_id": oid, **new.detail}])
    if order.kind == PURCHASE_ORDER.kind:
        session.execute(
            insert(PurchaseOrderGradeRow),
            [
                {"order_id": oid, "grade": g, "seq": i, "max_price_satang_per_unit": p}
                for i, (g, p) in enumerate(new.bids)
            ],
        )
    forget_declines(session, oid, now)
    session.expire(order)  # the counter updates ran as plain SQL: read the row afresh
    payload: dict[str, Any] = {
        "kind": order.kind,
        "version": version + 1,
        "changed": {k: [_plain(a), _plain(b)] for k, (a, b) in diff.items()},
        "voided": voided,
    }
    if ORDER_KINDS[order.kind].unit == "satang":
        payload["amount"] = new.head["amount"]  # checked by coopmatch audit verify
    append_event(session, now, actor, "order.amended", "order", oid, payload, chain)
    return AmendOutcome(oid, version + 1, diff, voided)


def forget_declines(session: Session, oid: str, now: datetime) -> None:
    """The order changed: its declined pairs may be proposed again."""
    session.execute(
        update(DeclinedPairRow)
        .where(
            col(DeclinedPairRow.cleared_at).is_(None),
            or_(
                col(DeclinedPairRow.supply_order_id) == oid,
                col(DeclinedPairRow.demand_order_id) == oid,
            ),
        )
        .values(cleared_at=now)
    )


def _head(head: dict[str, Any]) -> dict[str, Any]:
    return {k: head[k] for k in HEAD_FIELDS}


def _det(detail: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in detail.items() if k != "order_id"}


def _unit_of(session: Session, spec: LotSpec | PurchaseSpec | MemberOrder) -> str:
    product = spec.lot.product if isinstance(spec, LotSpec) else spec.order.product  # type: ignore[union-attr]
    row = session.get(ProductRow, product)
    if row is None:
        raise InvalidStateError(
            f"product: unknown product {product!r}", f"product: ไม่พบสินค้า {product}"
        )
    return row.base_unit


def _plain(value: Any) -> Any:
    """A changed value as JSON (dates as ISO text, grade pairs as lists)."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return [list(v) if isinstance(v, tuple) else v for v in value]
    return value


def amend_own_order(
    engine: Engine,
    spec: MemberOrder,
    *,
    actor: str,
    chain: str,
    clock: UtcClock = system_clock,
    on_commit: OnCommit[AmendOutcome] | None = None,
) -> AmendOutcome:
    """A member amends its own open order (``/v1``), in one transaction.

    A debt is not amended by its debtor (the creditor's claim): a hand-posted one is
    cancelled by its creditor and posted again.

    Raises:
        NotFoundError: no such order of the spec's coop (another coop's is the same 404).
        InvalidStateError: see :func:`amend_order`; or the order is a debt.
    """
    oid = order_id(spec)
    owner = spec.lot.seller if isinstance(spec, LotSpec) else None
    if isinstance(spec, PurchaseSpec):
        owner = spec.order.buyer
    elif isinstance(spec, ObligationSpec):
        owner = spec.debtor
    elif not isinstance(spec, LotSpec):
        owner = spec.coop_id

    def work(session: Session) -> AmendOutcome:
        order = session.get(OrderRow, oid)
        if order is None or order.coop_id != owner:
            raise NotFoundError(f"order {oid!r} does not exist", f"ไม่พบคำสั่ง {oid}")
        if order.kind == OBLIGATION.kind:
            raise InvalidStateError(
                f"kind: obligation {oid!r} is the creditor's claim; a debtor cannot amend it "
                "(its creditor may cancel a hand-posted debt, then post it again)",
                f"kind: หนี้ {oid} เป็นสิทธิของเจ้าหนี้ ลูกหนี้แก้ไขไม่ได้ (เจ้าหนี้ยกเลิกหนี้ที่ลงไว้เองได้ แล้วลงใหม่)",
            )
        return with_hook(session, amend_order(session, spec, clock(), actor, chain), on_commit)

    return in_write_transaction(engine, work)


@dataclass
class Corrections:
    """An order file's rows split against the stored orders: ``new`` specs to insert,
    ``changed`` specs to amend, and the ids of ``unchanged`` rows (no-ops)."""

    new: list[MemberOrder]
    changed: list[MemberOrder]
    unchanged: list[str]


def split_corrections(
    session: Session, specs: list[MemberOrder], rows: dict[str, int], now: datetime, what: str
) -> Corrections:
    """Compare every row of a file with the stored order of its id.

    Raises:
        BadFileError: a row would change what may not change (kind, owner, or an order no
            longer open or already partly committed); each problem names the row and the
            field, in Thai and English. Nothing is written.
    """
    ids = [order_id(x) for x in specs]
    stored = {
        o.id: o
        for start in range(0, len(ids), 900)
        for o in session.execute(
            select(OrderRow).where(col(OrderRow.id).in_(ids[start : start + 900]))
        ).scalars()
    }
    out = Corrections([], [], [])
    err = RowErrors()
    for spec in specs:
        oid = order_id(spec)
        order = stored.get(oid)
        if order is None:
            out.new.append(spec)
            continue
        n = rows.get(oid, 0)
        new = content_of(session, spec, now)
        wrong = check_same_order(order, new)
        if wrong is not None:
            err.add(n, wrong[0], f"{wrong[1]} ({wrong[2]})")
            continue
        diff = changes(stored_content(session, order), new)
        if not diff:
            out.unchanged.append(oid)
            continue
        why = refusal(session, order, next(iter(diff)))
        if why is not None:
            field, _, en = why[0].partition(": ")
            err.add(n, field, f"{en} ({why[1].partition(': ')[2]})")
            continue
        out.changed.append(spec)
    err.raise_if_any(what)
    return out


__all__ = [
    "AmendOutcome",
    "Corrections",
    "OrderContent",
    "amend_order",
    "amend_own_order",
    "changes",
    "content_of",
    "forget_declines",
    "refusal",
    "split_corrections",
    "stored_content",
]
