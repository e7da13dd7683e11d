"""The start of a business day, limited to the round's subtree.

Before a round snapshots its orders it (1) expires pending proposals whose expiry passed,
(2) ends orders whose ``valid_until`` lies before the business date, (3) turns loan
instalments due by that date into obligations and (4) expires the pending group orders of
the joint-purchase round whose commit-by passed (their needs and offer volume are freed even
on a day with no purchase round) and (5) expires the pending know-how proposals whose
answer-by passed (their seats are free again on a day with no know-how round) — each only
for the coops of the round's
network and the networks below it. A round of Loei never expires, voids or promotes
anything of Lamphun, whatever its date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session

from api.db import repo
from api.services.group_orders import expire_due as expire_group_orders
from api.services.knowhow import expire_knowhow
from api.services.obligations import promote_due
from api.services.order_lifecycle import expire_orders
from api.services.proposals import expire_due


@dataclass(frozen=True)
class SweepOutcome:
    """What the sweep ended or created (ids, sorted)."""

    expired_proposals: list[int]
    expired_orders: list[str]
    promoted: list[str]
    expired_group_orders: int = 0
    expired_knowhow: int = 0

    def notes(self) -> tuple[str, ...]:
        """What the sweep did, in Thai and English (one line per kind, when any)."""
        out = []
        if self.expired_orders:
            out.append(
                "orders ended today, past their valid_until (คำสั่งที่หมดอายุวันนี้): "
                + ", ".join(self.expired_orders)
            )
        if self.expired_proposals:
            out.append(
                f"{len(self.expired_proposals)} proposals expired unanswered "
                "(ข้อเสนอที่หมดอายุโดยไม่มีผู้ตอบรับ)"
            )
        if self.promoted:
            out.append(
                "loan instalments due, now debts (งวดเงินกู้ที่ถึงกำหนด กลายเป็นหนี้): "
                + ", ".join(self.promoted)
            )
        if self.expired_group_orders:
            out.append(
                f"{self.expired_group_orders} group orders expired before every member accepted "
                "(คำสั่งซื้อร่วมที่หมดเวลาก่อนสมาชิกตอบรับครบ)"
            )
        if self.expired_knowhow:
            out.append(
                f"{self.expired_knowhow} know-how proposals expired unanswered "
                "(ข้อเสนอจับคู่ความรู้ที่หมดเวลาตอบรับ)"
            )
        return tuple(out)


def sweep(session: Session, network_id: str, day: date, now: datetime, actor: str) -> SweepOutcome:
    """Expire, void and promote within ``network_id``'s subtree (caller's transaction)."""
    net_ids = [n.id for n in repo.subtree(session, network_id)]
    return SweepOutcome(
        expire_due(session, now, actor, net_ids),
        expire_orders(session, day, now, actor, net_ids),
        promote_due(session, day, now, actor, net_ids),
        expire_group_orders(session, net_ids, now, actor),
        expire_knowhow(session, net_ids, now, actor),
    )
