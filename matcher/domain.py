"""Cooperatives, farmer groups and the network tree they belong to.

A network is a node of a tree: area → province → region → national. Each coop is a direct
member of exactly one network (its *home*, the smallest network it belongs to) and is
implicitly a member of every ancestor of that network. Matching happens inside the smallest
network first; what is left moves up one level at a time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum, IntEnum

from matcher.errors import IssueCollector


class CoopKind(str, Enum):
    """What kind of member organisation a coop is."""

    AGRICULTURAL = "agricultural"
    SAVINGS = "savings"
    SERVICE = "service"
    CONSUMER = "consumer"
    SHOP = "shop"
    FISHERIES = "fisheries"
    LAND_SETTLEMENT = "land_settlement"
    FARMER_GROUP = "farmer_group"
    JOINT_FUND = "joint_fund"


class NetworkLevel(IntEnum):
    """The tier of a network in the tree; lower numbers are more local."""

    AREA = 0
    PROVINCE = 1
    REGION = 2
    NATIONAL = 3


@dataclass(frozen=True, slots=True)
class Coop:
    """A cooperative or farmer group (สหกรณ์ / กลุ่มเกษตรกร)."""

    id: str
    name_th: str
    name_en: str
    kind: CoopKind = CoopKind.AGRICULTURAL
    province_code: str = ""
    district_code: str = ""
    lat_e5: int | None = None
    """Latitude in units of 1e-5 degree (integer, so inputs stay exact)."""
    lon_e5: int | None = None


@dataclass(frozen=True, slots=True)
class Network:
    """A network (เครือข่าย) with its parent and its direct members."""

    id: str
    name_th: str
    name_en: str
    level: NetworkLevel
    parent_id: str | None = None
    members: tuple[str, ...] = ()
    posted_rate_bps: int | None = None
    """When set, loans made at this network's tier carry this rate (the network's posted rate)."""


@dataclass(frozen=True)
class NetworkTree:
    """A validated forest of networks with fast membership queries.

    Build it with :meth:`build`, which checks ids, parents, levels and cycles.
    """

    networks: dict[str, Network]
    home: dict[str, str]
    """Coop id → id of the smallest network the coop is a direct member of."""
    chain: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Network id → the network and its ancestors, nearest first."""

    @classmethod
    def build(
        cls,
        networks: Iterable[Network],
        coop_ids: Iterable[str],
        issues: IssueCollector | None = None,
        prefix: str = "networks",
    ) -> NetworkTree:
        """Check the networks and build the tree.

        Args:
            networks: the networks, in any order.
            coop_ids: every known coop id; members must be among them.
            issues: where to record problems; a fresh collector that raises if omitted.
            prefix: field prefix used in error messages.

        Raises:
            InputError: on duplicate ids, unknown parents or members, a coop in two
                networks, a parent at a lower or equal level, or a cycle.
        """
        own = issues is None
        col = issues if issues is not None else IssueCollector()
        known = set(coop_ids)
        by_id: dict[str, Network] = {}
        home: dict[str, str] = {}
        net_list = list(networks)
        for i, net in enumerate(net_list):
            where = f"{prefix}[{i}]"
            if net.id in by_id:
                col.add(f"{where}.id", f"duplicate network id {net.id!r}")
                continue
            by_id[net.id] = net
            for j, member in enumerate(net.members):
                if member not in known:
                    col.add(f"{where}.members[{j}]", f"unknown coop {member!r}")
                elif member in home:
                    col.add(
                        f"{where}.members[{j}]",
                        f"coop {member!r} is already a direct member of network {home[member]!r}",
                    )
                else:
                    home[member] = net.id
        for i, net in enumerate(net_list):
            if net.parent_id is None or by_id.get(net.id) is not net:
                continue
            parent = by_id.get(net.parent_id)
            if parent is None:
                col.add(f"{prefix}[{i}].parent_id", f"unknown network {net.parent_id!r}")
            elif parent.level <= net.level:
                col.add(
                    f"{prefix}[{i}].parent_id",
                    f"parent {parent.id!r} ({parent.level.name.lower()}) must be a higher level "
                    f"than {net.id!r} ({net.level.name.lower()})",
                )
        chains = _chains(by_id, col, prefix, net_list) if not col.issues else {}
        if own:
            col.raise_if_any()
        return cls(networks=by_id, home=home, chain=chains)

    def chain_of_coop(self, coop_id: str) -> tuple[str, ...]:
        """The coop's home network and its ancestors, nearest first (empty if none)."""
        home = self.home.get(coop_id)
        return self.chain[home] if home is not None else ()

    def network_at_level(self, coop_id: str, level: NetworkLevel) -> str | None:
        """The network of ``level`` that contains the coop (directly or below), if any."""
        for net_id in self.chain_of_coop(coop_id):
            if self.networks[net_id].level == level:
                return net_id
        return None

    def smallest_common(self, coop_a: str, coop_b: str) -> str | None:
        """The smallest network containing both coops, or None if they share none."""
        ancestors = set(self.chain_of_coop(coop_b))
        for net_id in self.chain_of_coop(coop_a):
            if net_id in ancestors:
                return net_id
        return None

    def contains(self, network_id: str, coop_id: str) -> bool:
        """Whether the coop belongs to the network directly or through a sub-network."""
        return network_id in self.chain_of_coop(coop_id)

    def levels(self) -> list[NetworkLevel]:
        """The levels present in the tree, most local first."""
        return sorted({n.level for n in self.networks.values()})


def _chains(
    by_id: dict[str, Network], col: IssueCollector, prefix: str, net_list: list[Network]
) -> dict[str, tuple[str, ...]]:
    """Each network's ancestor chain; records a cycle as an issue instead of looping."""
    index = {net.id: i for i, net in enumerate(net_list)}
    chains: dict[str, tuple[str, ...]] = {}
    for start in sorted(by_id):
        path: list[str] = []
        seen: set[str] = set()
        cur: str | None = start
        while cur is not None and cur not in chains:
            if cur in seen:
                col.add(
                    f"{prefix}[{index[cur]}].parent_id", f"network tree has a cycle through {cur!r}"
                )
                return {}
            seen.add(cur)
            path.append(cur)
            cur = by_id[cur].parent_id
        tail: tuple[str, ...] = chains[cur] if cur is not None else ()
        for k in range(len(path) - 1, -1, -1):
            tail = (path[k], *tail)
            chains[path[k]] = tail
    return chains
