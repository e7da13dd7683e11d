"""The stress test's ledger from the database: positions, open debts and loans to repay.

Claims are every open obligation (sale debts, set-off obligations, instalments already due:
what is still unpaid) and every instalment of a committed loan not yet due (principal plus
interest, borrower owes lender). Positions are each coop's liquid funds (0 when unknown)
and reserve. Groups for a shock are network ids (their members and those of the networks
below). ``within`` (a network's members, :func:`subtree_members`) keeps only those coops and
the debts between them: a coordinator's stress run reads nothing of another network.
"""

from __future__ import annotations

from sqlalchemy import Engine, select
from sqlmodel import col

from api.db import repo
from api.db.tables import (
    CommitmentRow,
    CoopRow,
    LoanInstalmentRow,
    MembershipRow,
    NetworkRow,
    ObligationRow,
)
from api.db.tx import read_session
from api.services.obligations import open_obligations
from matcher.stress.model import Claim, Position


def ledger_from_db(
    engine: Engine, within: set[str] | None = None
) -> tuple[tuple[Position, ...], tuple[Claim, ...]]:
    """Positions in coop id order and claims in id order (of ``within`` only, when given)."""
    with read_session(engine) as s:
        positions = tuple(
            Position(cid, liquid or 0, reserve)
            for cid, liquid, reserve in s.execute(
                select(
                    col(CoopRow.id), col(CoopRow.liquid_funds_satang), col(CoopRow.reserve_satang)
                ).order_by(col(CoopRow.id))
            )
        )
        claims = [
            Claim(o.id, o.debtor, o.creditor, o.amount_satang, "obligation")
            for o in open_obligations(s)
        ]
        promoted = select(col(ObligationRow.source_instalment_id)).where(
            col(ObligationRow.source_instalment_id).is_not(None)
        )
        rows = s.execute(
            select(
                col(LoanInstalmentRow.id),
                col(CommitmentRow.demand_coop_id),
                col(CommitmentRow.supply_coop_id),
                col(LoanInstalmentRow.principal_satang) + col(LoanInstalmentRow.interest_satang),
            )
            .join(CommitmentRow, col(CommitmentRow.id) == col(LoanInstalmentRow.commitment_id))
            .where(col(LoanInstalmentRow.id).not_in(promoted))
            .order_by(col(LoanInstalmentRow.id))
        )
        claims += [
            Claim(f"instalment-{iid}", borrower, lender, int(amount), "loan")
            for iid, borrower, lender, amount in rows
            if amount > 0
        ]
    if within is not None:
        positions = tuple(p for p in positions if p.coop_id in within)
        claims = [c for c in claims if c.debtor in within and c.creditor in within]
    return positions, tuple(sorted(claims, key=lambda c: c.id))


def coop_coordinates(
    engine: Engine, within: set[str] | None = None
) -> dict[str, tuple[float, float]]:
    """Coop id → (latitude, longitude) where both are known (for the map)."""
    with read_session(engine) as s:
        rows = s.execute(select(col(CoopRow.id), col(CoopRow.lat_e5), col(CoopRow.lon_e5))).all()
    return {
        c: (lat / 1e5, lon / 1e5)
        for c, lat, lon in rows
        if lat is not None and lon is not None and (within is None or c in within)
    }


def network_members_db(engine: Engine) -> dict[str, list[str]]:
    """Network id → coops in it or in any network below it."""
    with read_session(engine) as s:
        parent = dict(s.execute(select(col(NetworkRow.id), col(NetworkRow.parent_id))).all())
        home = s.execute(select(col(MembershipRow.coop_id), col(MembershipRow.network_id))).all()
    out: dict[str, list[str]] = {n: [] for n in parent}
    for coop, net in sorted(home):
        cur: str | None = net
        while cur is not None:
            out.setdefault(cur, []).append(coop)
            cur = parent.get(cur)
    return out


def subtree_members(engine: Engine, network_id: str) -> dict[str, list[str]]:
    """:func:`network_members_db` of the network and the networks below it only; the
    network's own entry lists every coop of its subtree."""
    with read_session(engine) as s:
        ids = {n.id for n in repo.subtree(s, network_id)}
    return {n: m for n, m in network_members_db(engine).items() if n in ids}
