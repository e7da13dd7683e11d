"""Load a scenario file: YAML → pydantic spec → checked tree → matcher coops and networks.

Every problem is reported with the file and the field (``groups[3].districts[0]``):
unknown keys, wrong units, negative sizes, a tree that does not close (one root, every
parent known and of a higher level, no cycle), group counts that differ from the published
figures, a district not in ``scenarios/data/th_districts.csv``.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from matcher.domain import Coop, CoopKind, Network, NetworkLevel
from matcher.errors import FieldIssue, IssueCollector
from scenarios.sim.purchase_offers import check_purchases
from scenarios.sim.schema import GroupSpec, NetworkSpec, ScenarioSpec

DISTRICTS_CSV = Path(__file__).resolve().parent.parent / "data" / "th_districts.csv"


class ScenarioError(ValueError):
    """A scenario file breaks a rule; ``issues`` name each field."""

    def __init__(self, source: str, issues: list[FieldIssue]) -> None:
        self.source = source
        self.issues = tuple(issues)
        super().__init__("\n".join(f"{source}: {i}" for i in self.issues))


@dataclass(frozen=True, slots=True)
class District:
    """One row of the district table."""

    code: str
    name_th: str
    name_en: str
    province_code: str
    lat_e5: int
    lon_e5: int


@lru_cache(maxsize=1)
def districts() -> dict[str, District]:
    """The district table keyed by DOPA code."""
    out: dict[str, District] = {}
    with DISTRICTS_CSV.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            out[row["district_code"]] = District(
                row["district_code"],
                row["district_name_th"],
                row["district_name_en"],
                row["province_code"],
                round(float(row["latitude"]) * 100_000),
                round(float(row["longitude"]) * 100_000),
            )
    return out


@dataclass(frozen=True)
class Scenario:
    """A checked scenario: the spec plus the expanded coops and the matcher networks."""

    spec: ScenarioSpec
    coops: tuple[Coop, ...]
    networks: tuple[Network, ...]
    group_of: tuple[GroupSpec, ...]
    """The group of each coop, parallel to ``coops``."""


def _loc(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(file)"


def parse_spec(data: Any, source: str) -> ScenarioSpec:
    """Validate parsed YAML; pydantic errors become field-named issues."""
    try:
        return ScenarioSpec.model_validate(data)
    except ValidationError as exc:
        issues = []
        for err in exc.errors():
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                msg = "unknown key"
            issues.append(FieldIssue(_loc(tuple(err["loc"])), msg))
        raise ScenarioError(source, issues) from None


def load_scenario(path: str | Path) -> Scenario:
    """Read, validate and expand a scenario file.

    Raises:
        ScenarioError: naming the file and every bad field.
    """
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
        data = yaml.safe_load(text)
    except (OSError, UnicodeDecodeError, yaml.YAMLError, ValueError) as exc:
        # ValueError: a number past Python's digit limit
        first = (str(exc).splitlines() or [type(exc).__name__])[0]
        raise ScenarioError(source, [FieldIssue("(file)", first)]) from None
    except RecursionError:
        raise ScenarioError(source, [FieldIssue("(file)", "nested too deeply")]) from None
    return build_scenario(parse_spec(data, source), source)


def build_scenario(spec: ScenarioSpec, source: str = "<scenario>") -> Scenario:
    """Check the tree, districts and calibration; expand groups into coops."""
    col = IssueCollector()
    table = districts()
    _check_tree(spec, col)
    for i, net in enumerate(spec.networks):
        for j, code in enumerate(net.districts):
            col.require(code in table, f"networks[{i}].districts[{j}]", _no_district(code))
    net_ids = {n.id for n in spec.networks}
    group_ids: set[str] = set()
    for i, grp in enumerate(spec.groups):
        col.require(grp.id not in group_ids, f"groups[{i}].id", f"duplicate group {grp.id!r}")
        group_ids.add(grp.id)
        col.require(grp.network in net_ids, f"groups[{i}].network", f"unknown {grp.network!r}")
        for j, code in enumerate(grp.districts):
            col.require(code in table, f"groups[{i}].districts[{j}]", _no_district(code))
    _check_counts(spec, col)
    _check_season(spec, group_ids, col)
    check_purchases(spec, group_ids, table, col)
    _check_funding(spec, net_ids, col)
    seen: set[str] = set()
    for i, entry in enumerate(spec.network_policies):
        w = f"network_policies[{i}].network"
        col.require(entry.network in net_ids, w, f"unknown {entry.network!r}")
        col.require(entry.network not in seen, w, f"{entry.network!r} listed twice")
        seen.add(entry.network)
    if col.issues:
        raise ScenarioError(source, col.issues)
    coops, group_of = _expand(spec, table)
    _check_knowhow(spec, {c.id for c in coops}, col)
    if col.issues:
        raise ScenarioError(source, col.issues)
    return Scenario(spec, coops, _networks(spec, coops, group_of), group_of)


def _check_knowhow(spec: ScenarioSpec, coop_ids: set[str], col: IssueCollector) -> None:
    """Know-how postings name coops of the scenario and topics of the maintained list."""
    from matcher.knowhow.topics import TOPICS

    kh = spec.knowhow
    rows: list[tuple[str, int, str, str]] = []
    if kh is not None:
        rows += [("teach", i, t.coop, t.topic) for i, t in enumerate(kh.teach)]
        rows += [("learn", i, r.coop, r.topic) for i, r in enumerate(kh.learn)]
    for side, i, coop, topic in rows:
        w = f"knowhow.{side}[{i}]"
        col.require(coop in coop_ids, f"{w}.coop", f"unknown coop {coop!r}")
        col.require(topic in TOPICS, f"{w}.topic", f"{topic!r} is not a known topic")


def _no_district(code: str) -> str:
    return f"district {code!r} is not in scenarios/data/th_districts.csv"


def _check_tree(spec: ScenarioSpec, col: IssueCollector) -> None:
    """One root; known parents of a higher level; every network reaches the root."""
    by_id: dict[str, NetworkSpec] = {}
    for i, net in enumerate(spec.networks):
        col.require(net.id not in by_id, f"networks[{i}].id", f"duplicate network {net.id!r}")
        by_id.setdefault(net.id, net)
    roots = [i for i, n in enumerate(spec.networks) if n.parent is None]
    if len(roots) != 1:
        col.add("networks", f"the tree must have exactly one root, found {len(roots)}")
    rank = {"area": 0, "province": 1, "region": 2, "national": 3}
    for i, net in enumerate(spec.networks):
        if net.parent is None:
            continue
        parent = by_id.get(net.parent)
        if parent is None:
            col.add(f"networks[{i}].parent", f"unknown network {net.parent!r}")
        elif rank[parent.level] <= rank[net.level]:
            col.add(f"networks[{i}].parent", f"{net.parent!r} is not above {net.level}")
        seen, cur = {net.id}, parent
        while cur is not None and cur.parent is not None:
            if cur.id in seen:
                col.add(f"networks[{i}].parent", "the tree does not close: a cycle")
                break
            seen.add(cur.id)
            cur = by_id.get(cur.parent)


def _subtree(spec: ScenarioSpec, root: str) -> set[str]:
    ids, grew = {root}, True
    while grew:
        new = {n.id for n in spec.networks if n.parent in ids} - ids
        grew = bool(new)
        ids |= new
    return ids


def _check_counts(spec: ScenarioSpec, col: IssueCollector) -> None:
    """Groups under a network with published counts must add up to them."""
    for i, net in enumerate(spec.networks):
        pub = net.published
        if pub is None or (pub.coops == 0 and pub.farmer_groups == 0):
            continue
        under = _subtree(spec, net.id)
        groups = [g for g in spec.groups if g.network in under]
        coops = sum(g.count for g in groups if g.kind != "farmer_group")
        fgs = sum(g.count for g in groups if g.kind == "farmer_group")
        if (coops, fgs) != (pub.coops, pub.farmer_groups):
            col.add(
                f"networks[{i}].published",
                f"groups under {net.id!r} hold {coops} coops and {fgs} farmer groups; "
                f"published {pub.coops} and {pub.farmer_groups}",
            )


def _check_season(spec: ScenarioSpec, group_ids: set[str], col: IssueCollector) -> None:
    season = spec.season
    col.require(season.peak_day < season.days, "season.peak_day", "must be inside the season")
    col.require(any(g.harvest_kg > 0 for g in spec.groups), "groups", "no group has harvest_kg > 0")
    col.require(
        any(g.buy_kg_per_day > 0 for g in spec.groups), "groups", "no group has buy_kg_per_day"
    )
    root = next((n for n in spec.networks if n.parent is None), None)
    names: set[str] = set()
    for i, pol in enumerate(spec.policies):
        if pol.joint_fund_baht > 0 and root is not None:
            col.require(
                root.level == "national",
                f"policies[{i}].joint_fund_baht",
                f"a joint fund needs a national root network; the root {root.id!r} is {root.level}",
            )
        where = f"policies[{i}]"
        col.require(pol.name not in names, f"{where}.name", f"duplicate policy {pol.name!r}")
        names.add(pol.name)
        col.require(
            pol.credit_days_min <= pol.credit_days_max,
            f"{where}.credit_days_max",
            "must be at least credit_days_min",
        )
        st = pol.stress
        for key, gid in (("lender_drops_out", st.lender_drops_out), ("late_buyer", st.late_buyer)):
            if gid is not None:
                col.require(gid in group_ids, f"{where}.stress.{key}", f"unknown group {gid!r}")


def _check_funding(spec: ScenarioSpec, net_ids: set[str], col: IssueCollector) -> None:
    """The funding section names known policies, networks and unique sources."""
    fs = spec.funding
    if fs is None:
        return
    if fs.policy is not None:
        col.require(
            fs.policy in {p.name for p in spec.policies},
            "funding.policy",
            f"unknown policy {fs.policy!r}",
        )
    for i, f in enumerate(fs.funds):
        col.require(f.network in net_ids, f"funding.funds[{i}].network", f"unknown {f.network!r}")
    seen: set[str] = set()
    for i, s in enumerate(fs.sources):
        col.require(s.id not in seen, f"funding.sources[{i}].id", f"duplicate source {s.id!r}")
        seen.add(s.id)
        for j, n in enumerate(s.networks):
            col.require(n in net_ids, f"funding.sources[{i}].networks[{j}]", f"unknown {n!r}")


def _expand(
    spec: ScenarioSpec, table: dict[str, District]
) -> tuple[tuple[Coop, ...], tuple[GroupSpec, ...]]:
    coops: list[Coop] = []
    group_of: list[GroupSpec] = []
    for grp in spec.groups:
        for k in range(grp.count):
            dist = table[grp.districts[k % len(grp.districts)]]
            suffix = f" {k + 1}" if grp.count > 1 else ""
            coops.append(
                Coop(
                    id=f"{grp.id}-{k + 1:02d}" if grp.count > 1 else grp.id,
                    name_th=f"{grp.name_th}{suffix} ({dist.name_th})",
                    name_en=f"{grp.name_en}{suffix} ({dist.name_en})",
                    kind=CoopKind(grp.kind),
                    province_code=dist.province_code,
                    district_code=dist.code,
                    lat_e5=dist.lat_e5,
                    lon_e5=dist.lon_e5,
                )
            )
            group_of.append(grp)
    return tuple(coops), tuple(group_of)


def _networks(
    spec: ScenarioSpec, coops: tuple[Coop, ...], group_of: tuple[GroupSpec, ...]
) -> tuple[Network, ...]:
    members: dict[str, list[str]] = {n.id: [] for n in spec.networks}
    for coop, grp in zip(coops, group_of, strict=True):
        members[grp.network].append(coop.id)
    return tuple(
        Network(
            id=n.id,
            name_th=n.name_th,
            name_en=n.name_en,
            level=NetworkLevel[n.level.upper()],
            parent_id=n.parent,
            members=tuple(members[n.id]),
        )
        for n in spec.networks
    )
