"""API schemas (Create / Public); the mappings from table rows are in
:mod:`api.http.row_views`.

Money is a decimal string with two places on the way out and at most two on the way in
(:data:`api.schemas.common.Money`); rates are integer basis points per year.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from api.http.order_schemas import BusinessDate
from api.http.order_schemas import LiquidityNeedCreate as LiquidityNeedCreate
from api.http.order_schemas import LiquidityOfferCreate as LiquidityOfferCreate
from api.http.order_schemas import Money as Money
from api.http.order_schemas import ObligationCreate as ObligationCreate
from api.http.order_schemas import OrderCreate as OrderCreate
from api.http.order_schemas import PositiveMoney as PositiveMoney
from api.http.order_schemas import PurchaseOrderCreate as PurchaseOrderCreate
from api.http.order_schemas import StockLotCreate as StockLotCreate
from api.http.sale_views import MoneyOut as MoneyOut
from api.http.sale_views import SaleTermsPublic
from api.schemas.common import StrictModel

T = TypeVar("T")


def _examples(*examples: dict[str, Any]) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": list(examples)})


class Public(BaseModel):
    """Base of every response model."""

    model_config = ConfigDict(frozen=True)


class CoopPublic(Public):
    """The caller's own coop profile."""

    model_config = _examples(
        {
            "id": "C1",
            "name_th": "สหกรณ์ออมทรัพย์ครูลำพูน",
            "name_en": "",
            "kind": "coop",
            "network_id": "LPN-A1",
            "province_code": "",
            "district_code": "5101",
            "may_lend": True,
            "may_borrow": True,
            "borrowing_limit": None,
            "outstanding": "0.00",
        }
    )
    id: str
    name_th: str
    name_en: str
    kind: str
    network_id: str | None
    province_code: str
    district_code: str
    may_lend: bool
    may_borrow: bool
    borrowing_limit: MoneyOut | None
    outstanding: MoneyOut


class OrderPublic(Public):
    """An order of the caller's coop with its terms and fill state.

    Money orders (liquidity offers and needs, obligations) have ``unit`` "satang" and their
    amounts as decimal baht strings; produce orders (stock lots, purchase orders) have the
    product's base unit ("kg", "egg", "litre") and whole ``*quantity`` fields instead (the
    money amounts are then null).
    """

    model_config = _examples(
        {
            "id": "ord_3f2a9c",
            "kind": "liquidity_need",
            "status": "open",
            "unit": "satang",
            "amount": "600000.00",
            "reserved": "0.00",
            "committed": "0.00",
            "available": "600000.00",
            "quantity": None,
            "reserved_quantity": None,
            "committed_quantity": None,
            "available_quantity": None,
            "valid_until": None,
            "version": 1,
            "created_at": "2026-11-21T01:00:00Z",
            "terms": {"max_rate_bps": 700, "term_days": 90, "urgency": 5},
        },
        {
            "id": "ord_9b41d0",
            "kind": "stock_lot",
            "status": "open",
            "unit": "kg",
            "amount": None,
            "reserved": None,
            "committed": None,
            "available": None,
            "quantity": 1200,
            "reserved_quantity": 0,
            "committed_quantity": 0,
            "available_quantity": 1200,
            "valid_until": "2026-11-25",
            "version": 1,
            "created_at": "2026-11-21T01:00:00Z",
            "terms": {"product": "longan", "grade": "AA", "reserve_price": "18.50"},
        },
    )
    id: str
    kind: str
    status: str
    amount: MoneyOut | None
    reserved: MoneyOut | None
    committed: MoneyOut | None
    available: MoneyOut | None
    valid_until: date | None
    version: int
    created_at: datetime
    terms: dict[str, Any]
    unit: str = "satang"
    quantity: int | None = None
    reserved_quantity: int | None = None
    committed_quantity: int | None = None
    available_quantity: int | None = None


class ProductPublic(Public):
    """A product of the catalogue; quantities of its orders are in ``base_unit``."""

    model_config = _examples(
        {
            "id": "longan",
            "name_th": "ลำไย",
            "name_en": "longan",
            "base_unit": "kg",
            "shelf_life_days": 5,
            "grades": ["AA", "A", "B"],
        }
    )
    id: str
    name_th: str
    name_en: str
    base_unit: str
    shelf_life_days: int
    grades: list[str]


class ProposalPublic(Public):
    """A proposal the caller's coop is a party to, seen from its side."""

    model_config = _examples(
        {
            "id": 7,
            "round_id": 1,
            "kind": "liquidity",
            "side": "demand",
            "order_id": "N2",
            "counterparty_coop_id": "C1",
            "amount": "600000.00",
            "tier": "area",
            "network_id": "LPN-A1",
            "status": "pending",
            "expires_at": "2026-11-22T01:00:00Z",
            "accepted_by_me": False,
            "accepted_by_counterparty": False,
            "rate_bps": 500,
            "term_days": 90,
            "interest": "7397.26",
        },
        {
            "id": 9,
            "round_id": 1,
            "kind": "sale",
            "side": "demand",
            "order_id": "P1",
            "counterparty_coop_id": "C3",
            "amount": "22720.00",
            "quantity": 800,
            "unit": "kg",
            "tier": "province",
            "network_id": "LPN",
            "status": "pending",
            "expires_at": "2026-11-22T01:00:00Z",
            "accepted_by_me": False,
            "accepted_by_counterparty": False,
            "rate_bps": None,
            "term_days": None,
            "interest": None,
            "sale": SaleTermsPublic.model_config["json_schema_extra"]["examples"][0],  # type: ignore[index]
        },
    )
    id: int
    round_id: int
    kind: str
    side: Literal["supply", "demand"]
    order_id: str
    counterparty_coop_id: str
    amount: MoneyOut
    tier: str
    network_id: str
    status: str
    expires_at: datetime
    accepted_by_me: bool
    accepted_by_counterparty: bool
    rate_bps: int | None
    term_days: int | None
    interest: MoneyOut | None
    sale: SaleTermsPublic | None = None
    """For ``kind == "sale"``: quantity, unit, unit price, value and delivery terms."""
    quantity: int | None = None
    """For a sale: the quantity in ``unit`` (``amount`` is then the sale's value in baht)."""
    unit: str = "satang"
    """``satang`` for a loan; the product's base unit (kg, egg, litre) for a sale."""


class ProposalDecline(StrictModel):
    """Why the caller declines (optional; the coordinator sees it, เหตุผลที่ปฏิเสธ)."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={"examples": [{"reason": "rate too high / ดอกเบี้ยสูงเกินไป"}]},
    )
    reason: Annotated[str | None, Field(max_length=500, pattern=r"^[^\x00-\x1f\x7f-\x9f]*$")] = None


class DeclinePublic(Public):
    """A remembered decline: the pair is not proposed again while neither order changed."""

    model_config = _examples(
        {
            "proposal_id": 7,
            "kind": "liquidity",
            "supply_order_id": "O1",
            "demand_order_id": "N2",
            "declined_by_coop_id": "C2",
            "reason": "rate too high / ดอกเบี้ยสูงเกินไป",
            "declined_at": "2026-11-21T03:00:00Z",
        }
    )
    proposal_id: int
    kind: str
    supply_order_id: str
    demand_order_id: str
    declined_by_coop_id: str
    reason: str | None
    declined_at: datetime
    cleared_at: datetime | None = None
    """When the pair was forgotten (an order changed, or the coordinator asked for it to be
    proposed again); None while it is remembered."""


class EscalationPublic(Public):
    """An order a lower network's latest round left open, escalated to this network (ส่งต่อ
    ขึ้นมา): which order, how much that round left open and how much is still open now,
    and why. Money in decimal baht (``left_open``, ``open_now``); a purchase order in whole
    units of its product (``*_quantity``). It is gone once served, cancelled or expired."""

    model_config = _examples(
        {
            "from_network_id": "LPN-A2",
            "round_id": 12,
            "business_date": "2026-11-23",
            "order_id": "N4",
            "kind": "liquidity_need",
            "coop_id": "C4",
            "unit": "satang",
            "left_open": "300000.00",
            "open_now": "300000.00",
            "left_open_quantity": None,
            "open_now_quantity": None,
            "reasons": ["funds_exhausted"],
            "text_th": "เงินทุนในเครือข่ายไม่พอ",
            "text_en": "funds in reach are exhausted",
        }
    )
    from_network_id: str
    round_id: int
    business_date: date
    order_id: str
    kind: str
    coop_id: str
    unit: str
    left_open: str | None
    open_now: str | None
    left_open_quantity: int | None
    open_now_quantity: int | None
    reasons: list[str]
    text_th: str
    text_en: str


class ProposalDecision(Public):
    """The state of a proposal after accept or decline."""

    model_config = _examples(
        {
            "id": 7,
            "status": "pending",
            "accepted_by_me": True,
            "commitment_id": None,
            "changed": True,
        }
    )
    id: int
    status: str
    accepted_by_me: bool
    commitment_id: int | None
    changed: bool


class InstalmentPublic(Public):
    """One scheduled repayment."""

    seq: int
    due_date: date
    principal: MoneyOut
    interest: MoneyOut
    debt_id: str | None = None
    """The debt the instalment became once due (``OBL-<id>``), while part of it is open."""
    open: MoneyOut | None = None
    """What is still open of that debt."""
    overdue: bool = False
    """Past due today (Asia/Bangkok) with part of it open (ค้างชำระเกินกำหนด)."""
    days_past_due: int = 0


class CommitmentPublic(Public):
    """A committed loan or sale the caller's coop is a party to; a loan with its repayment
    schedule, a sale with its quantity, product and price."""

    model_config = _examples(
        {
            "id": 1,
            "proposal_id": 7,
            "kind": "liquidity",
            "role": "borrower",
            "counterparty_coop_id": "C1",
            "amount": "600000.00",
            "business_date": "2026-11-21",
            "rate_bps": 500,
            "term_days": 90,
            "interest": "7397.26",
            "maturity_date": "2027-02-19",
            "repayment": "bullet",
            "schedule": [
                {
                    "seq": 1,
                    "due_date": "2027-02-19",
                    "principal": "600000.00",
                    "interest": "7397.26",
                }
            ],
        }
    )
    id: int
    proposal_id: int
    kind: str
    role: Literal["lender", "borrower", "seller", "buyer"]
    """A loan's ``lender`` or ``borrower``; a sale's ``seller`` or ``buyer``."""
    counterparty_coop_id: str
    amount: MoneyOut
    """Baht: the loan's principal, or the sale's value (never a quantity)."""
    business_date: date
    rate_bps: int | None
    term_days: int | None
    interest: MoneyOut | None
    maturity_date: date | None
    repayment: str | None
    schedule: list[InstalmentPublic]
    quantity: int | None = None
    """For a sale: the quantity sold, in ``unit``."""
    overdue: bool = False
    """An instalment of the loan, or the sale's credit debt, is past due with part open."""
    days_past_due: int = 0
    """The most days past due among them (0 when none is overdue)."""
    unit: str = "satang"
    product_id: str | None = None
    grade: str | None = None
    unit_price: MoneyOut | None = None
    credit_obligation_id: str | None = None
    """For a sale on credit: the buyer's debt (an obligation order)."""


class Page(Public, Generic[T]):
    """One page of a list; pass ``next_cursor`` as ``cursor`` for the next one."""

    items: list[T]
    next_cursor: str | None


class RoundRun(StrictModel):
    """Run the network's combined round for a business date.

    A date more than the server's window (``COOPMATCH_ROUND_DATE_WINDOW_DAYS``) from today
    in Asia/Bangkok is refused unless ``force``; ``retry_declined`` proposes pairs again
    that a member declined (normally a declined pair is not proposed while neither order
    changed)."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={"examples": [{"business_date": "2026-11-21", "new_version": False}]},
    )
    business_date: BusinessDate
    new_version: Annotated[bool, Field(strict=True)] = False
    force: Annotated[bool, Field(strict=True)] = False
    retry_declined: Annotated[bool, Field(strict=True)] = False
    kind: Literal["daily", "purchase", "startup", "knowhow"] = "daily"
    """``daily`` (the combined round), ``purchase`` (the joint-purchase round),
    ``startup`` (the joint fund's start-up capital round) or ``knowhow`` (learners placed
    with mentors)."""


class RoundPublic(Public):
    """A round's outcome."""

    model_config = _examples(
        {
            "round_id": 1,
            "network_id": "LPN",
            "business_date": "2026-11-21",
            "version": 1,
            "reused": False,
            "order_count": 5,
            "proposal_count": 3,
            "solve_status": "optimal",
            "input_hash": "9c1e…",
            "kind": "daily",
        }
    )
    round_id: int
    network_id: str
    business_date: date
    kind: str = "daily"
    """``daily``, ``purchase``, ``startup`` or ``knowhow`` (ประเภทรอบ)."""
    version: int
    reused: bool
    order_count: int
    proposal_count: int
    solve_status: str
    input_hash: str


class RoundReportPublic(Public):
    """A round's summary (label, value) pairs, notes, and its loan, sale and set-off rows
    (as exported)."""

    model_config = _examples(
        {
            "round_id": 1,
            "summary": [["network / เครือข่าย", "LPN"]],
            "notes": [],
            "header": ["proposal_id / เลขข้อเสนอ"],
            "proposals": [[7]],
            "sale_header": ["proposal_id / เลขข้อเสนอ", "product / สินค้า"],
            "sales": [[9, "longan"]],
            "setoff_header": ["obligation_id / เลขหนี้", "set_off / หักกลบ"],
            "setoffs": [["D1", "1200.00"]],
        }
    )
    round_id: int
    summary: list[Annotated[list[str], Field(min_length=2, max_length=2)]]
    """(label, value) pairs."""
    notes: list[str]
    header: list[str]
    proposals: list[list[str | int]]
    """Loan proposal rows, columns as ``header``."""
    sale_header: list[str] = []
    sales: list[list[str | int]] = []
    """Produce sale proposal rows (ข้อเสนอขายสินค้า), columns as ``sale_header``."""
    setoff_header: list[str] = []
    setoffs: list[list[str | int]] = []
    """Set-off rows per obligation (การหักกลบหนี้), columns as ``setoff_header``."""
    rules: list[Annotated[list[str], Field(min_length=2, max_length=2)]] = []
    """(rule, value) pairs: fairness, loan-rate rule, posted rates, sale-price rule, policy."""
    explanation_header: list[str] = []
    explanations: list[list[str | int | None]] = []
    """Every order the round saw, of every kind, with its outcome and reasons (เหตุผลของ
    ทุกคำสั่ง), columns as ``explanation_header``."""
    shadow_header: list[str] = []
    shadow_values: list[list[str | int]] = []
    """Where produce supply is scarce: the value of one more unit (มูลค่าเงา)."""


class ApiKeyPublic(Public):
    """An API key as an admin sees it: never its secret."""

    model_config = _examples(
        {
            "id": "3f9a1c2b7d4e",
            "role": "member",
            "principal": "C1",
            "coop_id": "C1",
            "label": "core banking",
            "created_at": "2026-11-21T01:00:00Z",
            "revoked_at": None,
        }
    )
    id: str
    role: str
    principal: str
    coop_id: str | None
    label: str
    created_at: datetime
    revoked_at: datetime | None


class AuditCheckPublic(Public):
    """The outcome of recomputing the audit hash chain."""

    model_config = _examples({"ok": True, "checked": 42, "first_bad_id": None, "reason": ""})
    ok: bool
    checked: int
    first_bad_id: int | None
    reason: str


class Health(Public):
    """Liveness and database reachability."""

    model_config = _examples({"status": "ok", "database": "ok"})
    status: str
    database: str
