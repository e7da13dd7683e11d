"""The whole audit check that ``coopmatch audit verify`` and ``GET /v1/admin/audit/verify``
share: the hash chains (:mod:`api.db.audit`), every row against its event
(:mod:`api.db.audit_crosscheck`) and, when configured, the anchor outside the database
(:mod:`api.db.audit_anchor`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session

from api.db.audit import ChainReport, verify_chain
from api.db.audit_anchor import AuditAnchor, check_anchor
from api.db.audit_crosscheck import crosscheck


@dataclass(frozen=True)
class AuditVerdict:
    """The chains' report, the rows that disagree with their events, the anchor's fault."""

    chains: ChainReport
    faults: list[str] = field(default_factory=list)
    anchor_fault: str = ""
    anchored: int = 0

    @property
    def ok(self) -> bool:
        return self.chains.ok and not self.faults and not self.anchor_fault

    @property
    def reason(self) -> str:
        """The first fault in words ("" when everything holds)."""
        return self.chains.reason or next(iter(self.faults), "") or self.anchor_fault


def audit_check(session: Session, anchor: AuditAnchor | None) -> AuditVerdict:
    """Run every check (the cross-check only on intact chains) in ``session``."""
    chains = verify_chain(session)
    if not chains.ok:
        return AuditVerdict(chains)
    faults = crosscheck(session)
    anchored, fault = check_anchor(anchor, session) if anchor is not None else (0, "")
    return AuditVerdict(chains, faults, fault, anchored)
