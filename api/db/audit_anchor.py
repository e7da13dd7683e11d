"""Audit anchors: the heads of every audit chain, signed with a key the database never
sees, appended to a file outside the database at every round (and by ``coopmatch audit
anchor``, e.g. from cron).

The hash chains of :mod:`api.db.audit` are unkeyed and their heads live in the database,
so whoever owns the database (and can bypass its triggers) could rewrite an event and
recompute every hash after it, delete a whole chain, or cut a chain's end off, and the
chains would still verify. An anchor line fixes, for every chain, the ``(seq, hash)`` of
its last event at that moment; ``coopmatch audit verify`` then requires each anchored event
to still be there with the same hash. A line is::

    {"at": "2026-11-21T03:04:05.000006Z", "heads": {"global": [12, "ab…"], …},
     "prev": "<mac of the line before, or 64 zeros>", "mac": "<HMAC-SHA256>"}

where ``mac = HMAC-SHA256(key, canonical JSON of {at, heads, prev})``: without the key no
line can be forged or altered, and since each line names the one before, a line removed
from the middle breaks the next one. Events after the last line are protected by the
chain and the database's triggers only, until the next round anchors them. The file
should live where the database's owner cannot write (another host, a ``chattr +a``
file, or a log shipped off the machine); see docs/security-db.md.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import structlog
from sqlalchemy import Engine, select, tuple_
from sqlmodel import Session, col

from api.db.audit import canonical_json, format_ts
from api.db.tables import AuditChainHeadRow, AuditEventRow
from api.db.tx import read_session
from api.settings import Settings, audit_key_bytes

FIRST_PREV = "0" * 64
MIN_KEY_BYTES = 32
log = structlog.get_logger("coopmatch.audit")


class AnchorKeyError(ValueError):
    """The audit key is missing or too short."""


@dataclass(frozen=True)
class AuditAnchor:
    """Where the anchor lines go and the key that signs them."""

    path: Path
    key: bytes

    def __post_init__(self) -> None:
        if len(self.key) < MIN_KEY_BYTES:
            raise AnchorKeyError(
                f"the audit key must be at least {MIN_KEY_BYTES} bytes "
                f"(กุญแจบันทึกการตรวจสอบต้องยาวอย่างน้อย {MIN_KEY_BYTES} ไบต์)"
            )

    def mac(self, at: str, heads: dict[str, list[Any]], prev: str) -> str:
        body = canonical_json({"at": at, "heads": heads, "prev": prev}).encode("utf-8")
        return hmac.new(self.key, body, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class AnchorLine:
    """One checkpoint: when, and every chain's (seq, hash) then."""

    at: str
    heads: dict[str, list[Any]]
    prev: str
    mac: str


def chain_heads(session: Session) -> dict[str, list[Any]]:
    """Every chain's head, ``{chain: [seq, hash]}``, chains without events left out."""
    rows = session.execute(
        select(
            col(AuditChainHeadRow.chain), col(AuditChainHeadRow.seq), col(AuditChainHeadRow.hash)
        )
    ).all()
    return {str(c): [int(s), str(h)] for c, s, h in rows if s}


def write_checkpoint(anchor: AuditAnchor, engine: Engine, now: datetime) -> AnchorLine:
    """Append one signed line with every chain's current head (the file is locked while
    its last line is read and the new one appended, and synced to disk)."""
    with read_session(engine) as session:
        heads = chain_heads(session)
    at = format_ts(now)
    anchor.path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(anchor.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        with open(fd, "a+", encoding="utf-8", closefd=False) as f:
            f.seek(0)
            lines = [ln for ln in f.read().splitlines() if ln.strip()]
            prev = json.loads(lines[-1])["mac"] if lines else FIRST_PREV
            line = AnchorLine(at, heads, prev, anchor.mac(at, heads, prev))
            record = {"at": at, "heads": heads, "prev": prev, "mac": line.mac}
            f.write(canonical_json(record) + "\n")
            f.flush()
            os.fsync(fd)
    finally:
        os.close(fd)
    return line


def read_lines(anchor: AuditAnchor) -> tuple[list[AnchorLine], str]:
    """Every line of the file, each signature and link checked; ("" or the first fault)."""
    try:
        text = anchor.path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return [], f"anchor file {anchor.path} does not exist"
    out: list[AnchorLine] = []
    prev = FIRST_PREV
    for n, raw in enumerate((ln for ln in text.splitlines() if ln.strip()), start=1):
        try:
            data = json.loads(raw)
            line = AnchorLine(
                str(data["at"]), dict(data["heads"]), str(data["prev"]), str(data["mac"])
            )
        except (ValueError, KeyError, TypeError):
            return out, f"anchor line {n} is not a checkpoint"
        expected = anchor.mac(line.at, line.heads, line.prev)
        if not hmac.compare_digest(expected, line.mac):
            return out, f"anchor line {n}: the signature does not match (altered or forged)"
        if line.prev != prev:
            return out, f"anchor line {n} does not follow line {n - 1} (a line was removed)"
        out.append(line)
        prev = line.mac
    return out, ""


def check_anchor(anchor: AuditAnchor, session: Session) -> tuple[int, str]:
    """(anchor lines checked, "" or the first fault): every line signed and linked, and
    every chain head of the last line still in the database with the same hash."""
    lines, fault = read_lines(anchor)
    if fault:
        return len(lines), fault
    if not lines:
        return 0, f"anchor file {anchor.path} is empty"
    last = lines[-1]
    wanted = [(chain, int(sh[0])) for chain, sh in sorted(last.heads.items())]
    found = {
        (c, s): h
        for c, s, h in session.execute(
            select(col(AuditEventRow.chain), col(AuditEventRow.seq), col(AuditEventRow.hash)).where(
                tuple_(col(AuditEventRow.chain), col(AuditEventRow.seq)).in_(wanted)
            )
        ).all()
    }
    for chain, sh in sorted(last.heads.items()):
        seq, digest = int(sh[0]), str(sh[1])
        got = found.get((chain, seq))
        if got is None:
            return len(lines), (
                f"chain {chain}: event {seq}, anchored at {last.at}, is gone "
                "(the chain was deleted or cut off)"
            )
        if got != digest:
            return len(lines), (
                f"chain {chain}: event {seq} differs from its anchor of {last.at} "
                "(the chain was rewritten)"
            )
    return len(lines), ""


def anchor_from(path: Path | None, key: bytes | None) -> AuditAnchor | None:
    """The configured anchor; None when no path is set. A path without a key is refused
    (an unsigned anchor would prove nothing)."""
    if path is None:
        return None
    if key is None:
        raise AnchorKeyError(
            "COOPMATCH_AUDIT_ANCHOR_PATH is set but no audit key: set COOPMATCH_AUDIT_KEY_FILE "
            "or COOPMATCH_AUDIT_KEY (ตั้งค่ากุญแจบันทึกการตรวจสอบด้วย)"
        )
    return AuditAnchor(path, key)


def configured_anchor(settings: Settings) -> AuditAnchor | None:
    """The anchor ``settings`` configure (None when ``audit_anchor_path`` is unset).

    Raises:
        AnchorKeyError: a path without a key, or a key shorter than 32 bytes.
    """
    return anchor_from(settings.audit_anchor_path, audit_key_bytes(settings))


def anchor_round(settings: Settings, engine: Engine, now: datetime) -> None:
    """After a round committed: append a checkpoint when an anchor is configured. The
    round stands either way; a checkpoint that cannot be written is logged loudly."""
    anchor = configured_anchor(settings)
    if anchor is None:
        return
    try:
        write_checkpoint(anchor, engine, now)
    except OSError as exc:
        log.error("audit_anchor_not_written", path=str(anchor.path), error=repr(exc))
