"""Cooperatives, farmer groups, networks and memberships: upsert and file import.

A member file (CSV or XLSX) has one row per network or coop, told apart by ``type``:

* ``network``: id, name_th, name_en, level (area/province/region/national), parent_id,
  coordinator, posted_rate_bps
* ``coop``: id, name_th, name_en, kind (agricultural, savings, …, farmer_group),
  network_id, province_code, district_code, may_lend, may_borrow, borrowing_limit,
  outstanding, liquid_funds, reserve (baht, 2 places), max_lenders_per_need

The whole file is rejected with row-numbered errors if any row is bad; a file already
imported (same SHA-256) is skipped.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine, select
from sqlmodel import Session, col

from api.db.audit import append_event
from api.db.tables import CoopRow, CoordinatorRow, MemberImportRow, MembershipRow, NetworkRow
from api.db.tx import in_write_transaction
from api.services.cells import int_cell
from api.services.clock import UtcClock, system_clock
from api.services.tabular import RowErrors, bool_cell, money_cell, read_table
from matcher.domain import CoopKind, NetworkLevel

ID_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.:-")


@dataclass(frozen=True)
class NetworkSpec:
    """A network to create or update."""

    id: str
    name_th: str
    level: NetworkLevel
    name_en: str = ""
    parent_id: str | None = None
    coordinator: str | None = None
    posted_rate_bps: int | None = None


@dataclass(frozen=True)
class CoopSpec:
    """A coop or farmer group to create or update, with its home network."""

    id: str
    name_th: str
    network_id: str
    name_en: str = ""
    kind: CoopKind = CoopKind.AGRICULTURAL
    province_code: str = ""
    district_code: str = ""
    may_lend: bool = True
    may_borrow: bool = True
    borrowing_limit_satang: int | None = None
    outstanding_satang: int = 0
    liquid_funds_satang: int | None = None
    reserve_satang: int = 0
    max_lenders_per_need: int | None = None


@dataclass(frozen=True)
class ImportOutcome:
    """What an import did."""

    file_hash: str
    already_imported: bool
    networks: int
    coops: int


def upsert_members(
    session: Session,
    networks: list[NetworkSpec],
    coops: list[CoopSpec],
    now: datetime,
    actor: str,
) -> None:
    """Insert or update networks (parents first), coops and their home memberships."""
    for spec in _parents_first(networks):
        row = session.get(NetworkRow, spec.id) or NetworkRow(
            id=spec.id, name_th=spec.name_th, level=int(spec.level), created_at=now
        )
        row.name_th, row.name_en, row.level = spec.name_th, spec.name_en, int(spec.level)
        row.parent_id, row.posted_rate_bps = spec.parent_id, spec.posted_rate_bps
        session.add(row)
        session.flush()
        if spec.coordinator and session.get(CoordinatorRow, (spec.id, spec.coordinator)) is None:
            session.add(CoordinatorRow(network_id=spec.id, principal=spec.coordinator))
    for c in coops:
        coop = session.get(CoopRow, c.id) or CoopRow(
            id=c.id, name_th=c.name_th, kind=c.kind.value, created_at=now
        )
        for name in (
            "name_th",
            "name_en",
            "province_code",
            "district_code",
            "may_lend",
            "may_borrow",
            "borrowing_limit_satang",
            "outstanding_satang",
            "liquid_funds_satang",
            "reserve_satang",
            "max_lenders_per_need",
        ):
            setattr(coop, name, getattr(c, name))
        coop.kind = c.kind.value
        session.add(coop)
        session.flush()
        member = session.get(MembershipRow, c.id)
        if member is None:
            session.add(MembershipRow(coop_id=c.id, network_id=c.network_id, since=now))
        elif member.network_id != c.network_id:
            member.network_id, member.since = c.network_id, now
            session.add(member)
    session.flush()
    append_event(
        session,
        now,
        actor,
        "members.upserted",
        "member",
        "*",
        {
            "networks": sorted(n.id for n in networks),
            "coops": sorted(c.id for c in coops),
        },
    )


def _parents_first(networks: list[NetworkSpec]) -> list[NetworkSpec]:
    by_id = {n.id: n for n in networks}
    out: list[NetworkSpec] = []
    seen: set[str] = set()

    def visit(n: NetworkSpec, depth: int) -> None:
        if n.id in seen or depth > len(networks):
            return
        if n.parent_id in by_id:
            visit(by_id[n.parent_id], depth + 1)
        seen.add(n.id)
        out.append(n)

    for n in networks:
        visit(n, 0)
    return out


def _ident(err: RowErrors, row: int, col: str, text: str) -> str:
    if not text or len(text) > 64 or not set(text) <= ID_CHARS:
        err.add(row, col, f"{text!r} is not a valid id (A-Z a-z 0-9 _ . : -, ≤ 64)")
    return text


def parse_member_rows(
    path: Path, known_networks: dict[str, int]
) -> tuple[list[NetworkSpec], list[CoopSpec], str]:
    """Parse and check the whole file; raise :class:`BadFileError` listing every bad row."""
    table = read_table(path)
    err = RowErrors()
    networks: list[NetworkSpec] = []
    coops: list[CoopSpec] = []
    first_seen: dict[tuple[str, str], int] = {}
    for n, r in table.rows:
        kind = r.get("type", "").lower()
        rid = _ident(err, n, "id", r.get("id", ""))
        if kind not in ("network", "coop"):
            err.add(n, "type", f"{r.get('type', '')!r} must be network or coop")
            continue
        if (kind, rid) in first_seen:
            err.add(n, "id", f"duplicate {kind} id {rid!r} (also row {first_seen[(kind, rid)]})")
            continue
        first_seen[(kind, rid)] = n
        if not r.get("name_th"):
            err.add(n, "name_th", "required (ต้องระบุชื่อภาษาไทย)")
        if kind == "network":
            networks.append(_network_row(err, n, r, rid))
        else:
            coops.append(_coop_row(err, n, r, rid))
    levels = {**known_networks, **{x.id: int(x.level) for x in networks}}
    all_nets = set(levels)
    rows_of = {(k, i): n for (k, i), n in first_seen.items()}
    for x in networks:
        if x.parent_id and x.parent_id not in all_nets:
            err.add(rows_of[("network", x.id)], "parent_id", f"unknown network {x.parent_id!r}")
        elif x.parent_id and levels[x.parent_id] <= int(x.level):
            err.add(
                rows_of[("network", x.id)],
                "parent_id",
                f"parent {x.parent_id!r} must be a higher level than {x.level.name.lower()} "
                "(เครือข่ายแม่ต้องอยู่ระดับสูงกว่า)",
            )
    for c in coops:
        if c.network_id not in all_nets:
            err.add(
                rows_of[("coop", c.id)],
                "network_id",
                f"unknown network {c.network_id!r} (ไม่พบเครือข่าย)",
            )
    err.raise_if_any(str(path))
    return networks, coops, table.sha256


def _network_row(err: RowErrors, n: int, r: dict[str, str], rid: str) -> NetworkSpec:
    level_text = r.get("level", "").lower()
    try:
        level = NetworkLevel[level_text.upper()]
    except KeyError:
        err.add(n, "level", f"{level_text!r} must be area, province, region or national")
        level = NetworkLevel.AREA
    rate = int_cell(
        err, n, "posted_rate_bps", r.get("posted_rate_bps", ""), lo=0, hi=10_000, default=-1
    )
    return NetworkSpec(
        id=rid,
        name_th=r.get("name_th", ""),
        name_en=r.get("name_en", ""),
        level=level,
        parent_id=r.get("parent_id") or None,
        coordinator=r.get("coordinator") or None,
        posted_rate_bps=None if rate in (None, -1) else rate,
    )


def _coop_row(err: RowErrors, n: int, r: dict[str, str], rid: str) -> CoopSpec:
    kind_text = (r.get("kind") or "agricultural").lower()
    try:
        kind = CoopKind(kind_text)
    except ValueError:
        err.add(
            n, "kind", f"{kind_text!r} is not a coop kind ({', '.join(k.value for k in CoopKind)})"
        )
        kind = CoopKind.AGRICULTURAL
    if not r.get("network_id"):
        err.add(n, "network_id", "required (ต้องระบุเครือข่าย)")
    maxl = int_cell(
        err, n, "max_lenders_per_need", r.get("max_lenders_per_need", ""), lo=1, hi=1000, default=-1
    )
    return CoopSpec(
        id=rid,
        name_th=r.get("name_th", ""),
        name_en=r.get("name_en", ""),
        kind=kind,
        network_id=r.get("network_id", ""),
        province_code=r.get("province_code", ""),
        district_code=r.get("district_code", ""),
        may_lend=bool_cell(err, n, "may_lend", r.get("may_lend", ""), True),
        may_borrow=bool_cell(err, n, "may_borrow", r.get("may_borrow", ""), True),
        borrowing_limit_satang=money_cell(
            err, n, "borrowing_limit", r.get("borrowing_limit", ""), required=False
        ),
        outstanding_satang=money_cell(
            err, n, "outstanding", r.get("outstanding", ""), required=False
        )
        or 0,
        liquid_funds_satang=money_cell(
            err, n, "liquid_funds", r.get("liquid_funds", ""), required=False
        ),
        reserve_satang=money_cell(err, n, "reserve", r.get("reserve", ""), required=False) or 0,
        max_lenders_per_need=None if maxl in (None, -1) else maxl,
    )


def file_hash(path: Path) -> str | None:
    """SHA-256 of a file's bytes (None when it cannot be read)."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def import_members(
    engine: Engine, path: Path, *, actor: str, clock: UtcClock = system_clock
) -> ImportOutcome:
    """Import a member file in one transaction; the same file twice is a no-op."""

    def work(session: Session) -> ImportOutcome:
        first = file_hash(path)
        if first and session.get(MemberImportRow, first) is not None:
            return ImportOutcome(first, True, 0, 0)
        known = {
            str(i): int(lv)
            for i, lv in session.execute(select(col(NetworkRow.id), col(NetworkRow.level)))
        }
        networks, coops, digest = parse_member_rows(path, known)
        now = clock()
        upsert_members(session, networks, coops, now, actor)
        session.add(
            MemberImportRow(
                file_hash=digest,
                kind="members",
                filename=path.name,
                row_count=len(networks) + len(coops),
                imported_at=now,
            )
        )
        return ImportOutcome(digest, False, len(networks), len(coops))

    return in_write_transaction(engine, work)
