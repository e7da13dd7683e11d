"""``/v1`` schemas of know-how matching (การจับคู่ความรู้): teach and learn postings and the
proposals a coop is the learner or the mentor of. Topics are codes of the maintained list
(:data:`matcher.knowhow.topics.TOPICS`); coordinates are integers in 1e-5 degree (the
coop's own location when left out)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import ConfigDict, Field

from api.http.order_schemas import LatE5, LonE5
from api.http.schemas import Public
from api.schemas.common import Identifier, StrictModel
from matcher.knowhow.checks import MAX_CAPACITY, MAX_DISTANCE_M


def _config(example: dict[str, Any]) -> ConfigDict:
    return ConfigDict(
        extra="forbid",
        frozen=True,
        str_strip_whitespace=True,
        json_schema_extra={"examples": [example]},
    )


class TeachCreate(StrictModel):
    """What the caller's coop can teach, learners per season (สิ่งที่สอนได้)."""

    model_config = _config(
        {"topic": "fuel_station_operation", "capacity": 3, "lat_e5": 1858000, "lon_e5": 9902000}
    )
    topic: Identifier
    capacity: Annotated[int, Field(strict=True, ge=1, le=MAX_CAPACITY)]
    lat_e5: LatE5 | None = None
    lon_e5: LonE5 | None = None


class LearnCreate(StrictModel):
    """What the caller's coop wants to learn, travelling at most ``max_distance_m``
    (สิ่งที่ต้องการเรียนรู้)."""

    model_config = _config(
        {"topic": "fuel_station_operation", "max_distance_m": 80000, "lat_e5": 1852000,
         "lon_e5": 9905000}
    )  # fmt: skip
    topic: Identifier
    max_distance_m: Annotated[int, Field(strict=True, ge=0, le=MAX_DISTANCE_M)] = 100_000
    lat_e5: LatE5 | None = None
    lon_e5: LonE5 | None = None


class PostedKnowhow(Public):
    """The stored posting's id."""

    model_config = ConfigDict(
        frozen=True, json_schema_extra={"examples": [{"id": "kht_3b1f0a4e8c1d4c559a571f2e"}]}
    )
    id: str


class KnowhowProposalPublic(Public):
    """A learner placed with a mentor, as either party sees it."""

    model_config = ConfigDict(
        frozen=True,
        json_schema_extra={
            "examples": [
                {"id": 4, "status": "pending", "topic": "fuel_station_operation",
                 "learner": "F5", "mentor": "F1", "role": "learner", "distance_m": 12400,
                 "expires_at": "2026-11-30T16:59:59Z", "accepted": [], "changed": False}
            ]
        },
    )  # fmt: skip
    id: int
    status: str
    topic: str
    learner: str
    mentor: str
    role: str
    """``learner`` or ``mentor``: the caller's side."""
    distance_m: int
    expires_at: datetime
    accepted: list[str]
    changed: bool


class WithdrawnPostingPublic(Public):
    """A posting its coop withdrew, and the pending proposals the withdrawal voided."""

    model_config = ConfigDict(
        frozen=True,
        json_schema_extra={
            "examples": [
                {"id": "khl_3b1f0a4e8c1d4c559a571f2e", "status": "withdrawn", "voided": [4],
                 "changed": True}
            ]
        },
    )  # fmt: skip
    id: str
    status: str
    """``withdrawn``."""
    voided: list[int]
    """The know-how proposals this withdrawal voided (none on a repeat)."""
    changed: bool


class KnowhowPostingPublic(Public):
    """One of the caller's coop's teach offers or learn requests."""

    model_config = ConfigDict(
        frozen=True,
        json_schema_extra={
            "examples": [
                {"id": "khl_3b1f0a4e8c1d4c559a571f2e", "side": "learn",
                 "topic": "fuel_station_operation", "capacity": 1, "max_distance_m": 80000,
                 "status": "open", "created_at": "2026-11-20T03:00:00Z"}
            ]
        },
    )  # fmt: skip
    id: str
    side: str
    """``teach`` or ``learn``."""
    topic: str
    capacity: int
    """Learners per season (a learn request: 1)."""
    max_distance_m: int
    status: str
    """``open``, ``closed`` (its learner placed) or ``withdrawn``."""
    created_at: datetime
