"""Read queries behind the web pages, always limited to one coordinator's network subtree.

Every function takes the network the coordinator chose (already checked with
:func:`api.db.repo.coordinates`) and returns plain rows for the templates; nothing here
changes data.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import Engine, select
from sqlmodel import col

from api.db import repo
from api.db.tables import (
    CommitmentLoanRow,
    CommitmentRow,
    CommitmentSaleRow,
    CommitmentSetoffRow,
    CoopRow,
    CoordinatorRow,
    LoanInstalmentRow,
    NetworkRow,
    ProductRow,
    ProposalLoanRow,
    ProposalRow,
    ProposalSaleRow,
    RoundRow,
)
from api.db.tx import read_session


def coordinated_networks(engine: Engine, principal: str) -> list[NetworkRow]:
    """The networks listed for ``principal`` (the tops of what they may see), by id."""
    with read_session(engine) as s:
        ids = s.execute(
            select(col(CoordinatorRow.network_id)).where(col(CoordinatorRow.principal) == principal)
        ).scalars()
        rows = [s.get(NetworkRow, i) for i in sorted(set(ids))]
    return [r for r in rows if r is not None]


def may_see(engine: Engine, principal: str, network_id: str) -> bool:
    """Whether ``principal`` coordinates ``network_id`` or one of its ancestors."""
    with read_session(engine) as s:
        return repo.coordinates(s, principal, network_id)


def subtree_ids(engine: Engine, network_id: str) -> list[str]:
    """The network and every network below it."""
    with read_session(engine) as s:
        return sorted(n.id for n in repo.subtree(s, network_id))


Place = tuple[str, str, int | None, int | None]


def coop_places(engine: Engine, coop_ids: list[str], lang: str = "th") -> dict[str, Place]:
    """Coop id → (Thai name, district code, lat e5, lon e5) for the picture."""
    with read_session(engine) as s:
        rows = s.execute(select(CoopRow).where(col(CoopRow.id).in_(coop_ids))).scalars().all()
        return {r.id: (coop_name(r, lang), r.district_code, r.lat_e5, r.lon_e5) for r in rows}


def coop_name(row: Any, lang: str) -> str:
    """A coop's (or network's) name in ``lang``: the English one when asked and entered,
    else the Thai one."""
    english = str(getattr(row, "name_en", None) or "")
    return english if lang == "en" and english else str(row.name_th)


Names = dict[str, tuple[str, str]]
"""Product id → (Thai name, English name or the Thai one)."""


def products_of(engine: Engine) -> Names:
    """Every product's names, in a session of its own."""
    with read_session(engine) as s:
        return product_names(s)


def product_names(s: Any) -> Names:
    """Every product's names (a handful of rows), read once per page."""
    rows = s.execute(select(ProductRow)).scalars()
    return {r.id: (r.name_th, r.name_en or r.name_th) for r in rows}


def goods_of(
    products: Names, product_id: str, grade: str, quantity: int, unit: str
) -> dict[str, Any]:
    """Goods as the pages show them: the product's Thai and English names (its id when it
    is unknown), grade, quantity and unit (see :func:`api.web.i18n.goods_text`)."""
    names = products.get(product_id, (product_id, product_id))
    return {"names": names, "grade": grade, "quantity": quantity, "unit": unit}


def terms_of(
    products: Names, p: ProposalRow, loan: ProposalLoanRow | None, sale: ProposalSaleRow | None
) -> dict[str, Any]:
    """A proposal's terms: a loan's rate and term, or a sale's goods and price; ``amount``
    is money in satang for both (a sale's price × quantity)."""
    if sale is None:
        return {
            "kind": "loan", "amount": p.amount, "goods": "",
            "rate_bps": loan.rate_bps if loan else None,
            "term_days": loan.term_days if loan else None,
        }  # fmt: skip
    goods = goods_of(products, sale.product_id, sale.grade, p.amount, p.unit)
    return {"kind": "sale", "amount": sale.price_satang_per_unit * p.amount, "goods": goods,
            "rate_bps": None, "term_days": None}  # fmt: skip


def proposals_by_status(
    engine: Engine, network_id: str, lang: str = "th"
) -> dict[str, list[dict[str, Any]]]:
    """Loan and sale proposals of the subtree's rounds, grouped by status, newest first."""
    ids = subtree_ids(engine, network_id)
    with read_session(engine) as s:
        names = {c.id: coop_name(c, lang) for c in repo.coops_of(s, ids)}
        products = product_names(s)
        rows = s.execute(
            select(ProposalRow, ProposalLoanRow, ProposalSaleRow)
            .join(RoundRow, col(RoundRow.id) == col(ProposalRow.round_id))
            .outerjoin(ProposalLoanRow, col(ProposalLoanRow.proposal_id) == col(ProposalRow.id))
            .outerjoin(ProposalSaleRow, col(ProposalSaleRow.proposal_id) == col(ProposalRow.id))
            .where(col(RoundRow.network_id).in_(ids))
            .order_by(col(ProposalRow.id).desc())
        ).all()
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for p, loan, sale in rows:
        out[p.status].append(
            {
                "id": p.id,
                "round_id": p.round_id,
                "lender": names.get(p.supply_coop_id, p.supply_coop_id),
                "borrower": names.get(p.demand_coop_id, p.demand_coop_id),
                **terms_of(products, p, loan, sale),
                "tier": p.tier,
                "expires_at": p.expires_at,
                "supply_accepted": p.supply_accepted_at is not None,
                "demand_accepted": p.demand_accepted_at is not None,
            }
        )
    return out


def ledger(engine: Engine, network_id: str, lang: str = "th") -> list[dict[str, Any]]:
    """Commitments between the subtree's coops: loans with their repayment dates, sales
    with their delivery date and, for credit sales, the obligation they became."""
    ids = subtree_ids(engine, network_id)
    with read_session(engine) as s:
        names = {c.id: coop_name(c, lang) for c in repo.coops_of(s, ids)}
        rows = s.execute(
            select(CommitmentRow, CommitmentLoanRow, CommitmentSaleRow)
            .outerjoin(
                CommitmentLoanRow, col(CommitmentLoanRow.commitment_id) == col(CommitmentRow.id)
            )
            .outerjoin(
                CommitmentSaleRow, col(CommitmentSaleRow.commitment_id) == col(CommitmentRow.id)
            )
            .where(
                col(CommitmentRow.supply_coop_id).in_(list(names)),
                col(CommitmentRow.demand_coop_id).in_(list(names)),
            )
            .order_by(col(CommitmentRow.id))
        ).all()
        products = product_names(s)
        dues: dict[int, list[LoanInstalmentRow]] = defaultdict(list)
        commitment_ids = [int(c.id or 0) for c, _, _ in rows]
        for inst in s.execute(
            select(LoanInstalmentRow)
            .where(col(LoanInstalmentRow.commitment_id).in_(commitment_ids))
            .order_by(col(LoanInstalmentRow.commitment_id), col(LoanInstalmentRow.seq))
        ).scalars():
            dues[inst.commitment_id].append(inst)
        goods = {
            int(c.id or 0): goods_of(products, sale.product_id, sale.grade, c.amount, c.unit)
            for c, _, sale in rows
            if sale is not None
        }
    return [
        _ledger_row(c, loan, sale, names, dues[int(c.id or 0)], goods.get(int(c.id or 0)))
        for c, loan, sale in rows
    ]


def _ledger_row(
    c: CommitmentRow,
    loan: CommitmentLoanRow | None,
    sale: CommitmentSaleRow | None,
    names: dict[str, str],
    dues: list[LoanInstalmentRow],
    goods: dict[str, Any] | None,
) -> dict[str, Any]:
    return {
        "id": c.id,
        "kind": "loan" if loan is not None else "sale",
        "supplier": names.get(c.supply_coop_id, c.supply_coop_id),
        "taker": names.get(c.demand_coop_id, c.demand_coop_id),
        "amount": c.amount if loan is not None else (sale.value_satang if sale else c.amount),
        "goods": goods,
        "rate_bps": loan.rate_bps if loan else None,
        "interest": loan.interest_satang if loan else None,
        "maturity": loan.maturity_date if loan else None,
        "delivery": sale.delivery_date if sale else None,
        "credit": sale.credit_obligation_id if sale else None,
        "instalments": [(i.due_date, i.principal_satang + i.interest_satang) for i in dues],
    }


def setoff_notices(engine: Engine, network_id: str, lang: str = "th") -> list[dict[str, Any]]:
    """Debt set-offs recorded by the subtree's rounds."""
    ids = subtree_ids(engine, network_id)
    with read_session(engine) as s:
        names = {c.id: coop_name(c, lang) for c in repo.coops_of(s, ids)}
        rows = s.execute(
            select(CommitmentSetoffRow)
            .join(RoundRow, col(RoundRow.id) == col(CommitmentSetoffRow.round_id))
            .where(col(RoundRow.network_id).in_(ids))
            .order_by(col(CommitmentSetoffRow.id))
        ).scalars()
        return [
            {
                "id": r.id,
                "debtor": names.get(r.debtor_coop_id, r.debtor_coop_id),
                "creditor": names.get(r.creditor_coop_id, r.creditor_coop_id),
                "amount": r.amount_satang,
                "remaining": r.remaining_satang,
                "date": r.business_date,
            }
            for r in rows
        ]


def coop_proposals(engine: Engine, coop_id: str, lang: str = "th") -> list[dict[str, Any]]:
    """Proposals ``coop_id`` is a party to (and no other), newest first, with the
    counterparty's name and whether this coop has accepted."""
    with read_session(engine) as s:
        ids = s.execute(
            select(col(ProposalRow.id))
            .where(
                (col(ProposalRow.supply_coop_id) == coop_id)
                | (col(ProposalRow.demand_coop_id) == coop_id)
            )
            .order_by(col(ProposalRow.id).desc())
        ).scalars()
        return [_seen_by(s, coop_id, int(i), lang) for i in ids]


def coop_proposal(
    engine: Engine, coop_id: str, proposal_id: int, lang: str = "th"
) -> dict[str, Any] | None:
    """One proposal seen by ``coop_id``; None when it does not exist or is another coop's."""
    with read_session(engine) as s:
        p = s.get(ProposalRow, proposal_id)
        if p is None or coop_id not in (p.supply_coop_id, p.demand_coop_id):
            return None
        return _seen_by(s, coop_id, proposal_id, lang)


def _seen_by(s: Any, coop_id: str, proposal_id: int, lang: str = "th") -> dict[str, Any]:
    """A proposal as one of its parties sees it."""
    p = s.get(ProposalRow, proposal_id)
    side = "supply" if p.supply_coop_id == coop_id else "demand"
    other = p.demand_coop_id if side == "supply" else p.supply_coop_id
    mine = p.supply_accepted_at if side == "supply" else p.demand_accepted_at
    row = s.get(CoopRow, other)
    loan, sale = s.get(ProposalLoanRow, proposal_id), s.get(ProposalSaleRow, proposal_id)
    terms = terms_of(product_names(s), p, loan, sale)
    return {
        "id": p.id,
        "side": f"{side}_{terms['kind']}",
        "counterparty": coop_name(row, lang) if row else other,
        **terms,
        "status": p.status,
        "expires_at": p.expires_at,
        "accepted_by_me": mine is not None,
    }


def partner_coops(engine: Engine, coop_id: str, lang: str = "th") -> list[tuple[str, str]]:
    """(id, Thai name) of every other coop ``coop_id`` shares a network with (a debt may
    be owed only to one of them), by id."""
    with read_session(engine) as s:
        rows = s.execute(select(CoopRow).order_by(col(CoopRow.id))).scalars().all()
        return [
            (r.id, coop_name(r, lang))
            for r in rows
            if r.id != coop_id and repo.share_a_network(s, coop_id, r.id)
        ]
