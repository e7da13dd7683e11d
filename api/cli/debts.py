"""``coopmatch debt pay|overdue --network ID``: cash payments and overdue debts.

A coordinator records a cash payment of a debt owed by a coop of its network (an
instalment that fell due, a sale bought on credit, a posted debt), full or partial, and
lists the debts past due on a date with their days past due.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from api.cli.common import console, fail
from api.cli.db import actor_or_fail, open_engine, service_errors
from api.schemas.common import parse_money
from api.schemas.dates import DateTextError, parse_date_text
from matcher.money import format_baht

NetworkOpt = Annotated[str, typer.Option("--network", help="network id (รหัสเครือข่าย)")]
DateOpt = Annotated[str, typer.Option("--date", help="date YYYY-MM-DD (วันที่)")]
ActorOpt = Annotated[
    str | None, typer.Option("--as", help="coordinator principal (COOPMATCH_ACTOR)")
]


def _date(text: str, option: str = "--date"):  # type: ignore[no-untyped-def]
    try:
        return parse_date_text(text)
    except DateTextError as exc:
        fail(option, [str(exc)])


def debt_pay(
    network: NetworkOpt,
    debt: Annotated[str, typer.Option("--debt", help="debt (obligation) id (รหัสหนี้)")],
    amount: Annotated[str, typer.Option("--amount", help="baht paid, e.g. 1500.00")],
    paid_on: DateOpt,
    actor: ActorOpt = None,
) -> None:
    """Record a cash payment of a debt of the network's coops (บันทึกการชำระหนี้)."""
    from api.db import repo
    from api.db.tables import OrderRow
    from api.db.tx import read_session
    from api.services.errors import NotFoundError
    from api.services.payments import record_payment
    from api.services.round.service import authorize

    who = actor_or_fail(actor)
    day = _date(paid_on)
    try:
        satang = parse_money(amount)
    except ValueError as exc:
        fail("--amount", [str(exc)])
    engine = open_engine()
    with service_errors(f"debt {debt}"):
        authorize(engine, who, network)
        with read_session(engine) as s:
            order = s.get(OrderRow, debt)
            nets = [n.id for n in repo.subtree(s, network)]
            coops = {c.id for c in repo.coops_of(s, nets)}
        if order is None or order.coop_id not in coops:
            raise NotFoundError(f"debt {debt!r} does not exist", f"ไม่พบหนี้ {debt}")
        out = record_payment(engine, debt, satang, day, actor=who)
    console.print(
        f"ชำระแล้ว / paid {format_baht(out.amount_satang)} ฿ · "
        f"คงค้าง / open {format_baht(out.open_satang)} ฿ · {out.status} (payment {out.payment_id})"
    )


def debt_overdue(network: NetworkOpt, as_of: DateOpt, actor: ActorOpt = None) -> None:
    """List the network's debts past due on a date (หนี้ค้างชำระเกินกำหนด)."""
    from api.services.payments import overdue_debts
    from api.services.round.service import authorize

    who = actor_or_fail(actor)
    day = _date(as_of)
    engine = open_engine()
    with service_errors(f"overdue {network}"):
        authorize(engine, who, network)
        rows = overdue_debts(engine, day, network_id=network)
    table = Table(title=f"หนี้ค้างชำระ / overdue on {day.isoformat()}")
    for col in ("debt / หนี้", "debtor / ลูกหนี้", "creditor / เจ้าหนี้", "due / ครบกำหนด",
                "open ฿ / คงค้าง", "days / วัน", "source / ที่มา"):  # fmt: skip
        table.add_column(col)
    for d in rows:
        table.add_row(d.obligation_id, d.debtor, d.creditor, d.due_date.isoformat(),
                      format_baht(d.open_satang), str(d.days_past_due), d.source)  # fmt: skip
    console.print(table)


def register(app: typer.Typer) -> None:
    """Add the ``debt`` group to ``app``."""
    group = typer.Typer(help="Debts outside rounds / หนี้นอกรอบ", no_args_is_help=True)
    group.command("pay")(debt_pay)
    group.command("overdue")(debt_overdue)
    app.add_typer(group, name="debt")
