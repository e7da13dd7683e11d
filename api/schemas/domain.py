"""File schemas for coops and networks, shared by every problem file, and their mapping."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BeforeValidator, Field

from api.schemas.common import Identifier, RateBps, StrictModel
from matcher.domain import Coop, CoopKind, Network, NetworkLevel

_COORD = re.compile(r"^-?[0-9]{1,3}(\.[0-9]{1,5})?$")


def _parse_coordinate(value: object) -> int:
    """Decimal-degree string with at most 5 places → integer 1e-5 degrees."""
    if not isinstance(value, str) or not _COORD.match(value.strip()):
        raise ValueError('a coordinate is a decimal string with at most 5 places, e.g. "18.55230"')
    whole, _, frac = value.strip().partition(".")
    sign = -1 if whole.startswith("-") else 1
    e5 = abs(int(whole)) * 100_000 + int((frac + "00000")[:5])
    return sign * e5


Coordinate = Annotated[int, BeforeValidator(_parse_coordinate)]


def _parse_level(value: object) -> NetworkLevel:
    names = {lv.name.lower(): lv for lv in NetworkLevel}
    if isinstance(value, str) and value in names:
        return names[value]
    raise ValueError(f"level must be one of {', '.join(names)}")


Level = Annotated[NetworkLevel, BeforeValidator(_parse_level)]


class CoopIn(StrictModel):
    """A cooperative or farmer group as written in a problem file."""

    id: Identifier
    name_th: Annotated[str, Field(min_length=1, max_length=200)]
    name_en: Annotated[str, Field(min_length=1, max_length=200)]
    kind: CoopKind = CoopKind.AGRICULTURAL
    province_code: Annotated[str, Field(pattern=r"^([0-9]{2})?$")] = ""
    district_code: Annotated[str, Field(pattern=r"^([0-9]{4})?$")] = ""
    latitude: Annotated[Coordinate, Field(ge=-9_000_000, le=9_000_000)] | None = None
    longitude: Annotated[Coordinate, Field(ge=-18_000_000, le=18_000_000)] | None = None


class NetworkIn(StrictModel):
    """A network node as written in a problem file."""

    id: Identifier
    name_th: Annotated[str, Field(min_length=1, max_length=200)]
    name_en: Annotated[str, Field(min_length=1, max_length=200)]
    level: Level
    parent_id: Identifier | None = None
    members: tuple[Identifier, ...] = ()
    posted_rate_bps: RateBps | None = None


def coop_to_domain(c: CoopIn) -> Coop:
    """File coop → matcher coop."""
    return Coop(
        id=c.id,
        name_th=c.name_th,
        name_en=c.name_en,
        kind=c.kind,
        province_code=c.province_code,
        district_code=c.district_code,
        lat_e5=c.latitude,
        lon_e5=c.longitude,
    )


def network_to_domain(n: NetworkIn) -> Network:
    """File network → matcher network."""
    return Network(
        id=n.id,
        name_th=n.name_th,
        name_en=n.name_en,
        level=n.level,
        parent_id=n.parent_id,
        members=n.members,
        posted_rate_bps=n.posted_rate_bps,
    )
