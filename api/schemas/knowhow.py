"""JSON schemas of know-how matching and their mapping to matcher types.

A place is given either as a DOPA district code (``"district": "5101"``, its point taken
from ``scenarios/data/th_districts.csv``) or as ``latitude``/``longitude`` decimal strings.
Output: the placements, one explanation per request (code, Thai, English), the totals.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from api.schemas.common import Identifier, StrictModel
from api.schemas.domain import Coordinate
from matcher.knowhow import reasons
from matcher.knowhow.model import KnowhowProblem, KnowhowResult, LearnRequest, TeachOffer
from matcher.knowhow.topics import TOPICS
from scenarios.sim.loader import districts

Name = Annotated[str, Field(min_length=1, max_length=200)]
Count = Annotated[int, Field(strict=True, ge=0, le=10**9)]


class _Placed(StrictModel):
    district: Annotated[str, Field(pattern=r"^[0-9]{4}$")] | None = None
    latitude: Annotated[Coordinate, Field(ge=-9_000_000, le=9_000_000)] | None = None
    longitude: Annotated[Coordinate, Field(ge=-18_000_000, le=18_000_000)] | None = None

    @model_validator(mode="after")
    def _one_place(self) -> _Placed:
        if self.district is not None:
            if self.district not in districts():
                raise ValueError(
                    f"ไม่พบอำเภอ / district {self.district!r}"
                    " is not in scenarios/data/th_districts.csv"
                )
        elif self.latitude is None or self.longitude is None:
            raise ValueError("ต้องระบุอำเภอหรือพิกัด / give a district or latitude and longitude")
        return self

    def point(self) -> tuple[int, int]:
        if self.district is not None:
            d = districts()[self.district]
            return d.lat_e5, d.lon_e5
        assert self.latitude is not None and self.longitude is not None
        return self.latitude, self.longitude


class TeachIn(_Placed):
    """A coop or learning centre that teaches one topic."""

    id: Identifier
    mentor: Identifier
    mentor_name_th: Name | None = None
    mentor_name_en: Name | None = None
    topic: str
    capacity: Count


class LearnIn(_Placed):
    """A coop that wants to learn one topic."""

    id: Identifier
    learner: Identifier
    topic: str
    max_distance_m: Count = 100_000


class KnowhowIn(StrictModel):
    """The know-how input file."""

    note: Annotated[str, Field(max_length=2000)] = ""
    requests: list[LearnIn]
    offers: list[TeachIn]
    road_factor_bps: Annotated[int, Field(strict=True)] = 13_000


def to_problem(data: KnowhowIn) -> KnowhowProblem:
    """Schema → matcher problem; list order (and so error field paths) is kept."""
    return KnowhowProblem(
        requests=tuple(
            LearnRequest(r.id, r.learner, r.topic, *r.point(), r.max_distance_m)
            for r in data.requests
        ),
        offers=tuple(
            TeachOffer(o.id, o.mentor, o.topic, o.capacity, *o.point()) for o in data.offers
        ),
        road_factor_bps=data.road_factor_bps,
    )


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class MentorshipOut(_Out):
    request_id: str
    offer_id: str
    learner: str
    mentor: str
    topic: str
    topic_th: str
    topic_en: str
    distance_m: int


class RequestExplanationOut(_Out):
    request_id: str
    learner: str
    matched: bool
    offer_id: str | None
    reason: str
    reason_th: str
    reason_en: str


class KnowhowResultOut(_Out):
    """The know-how result file."""

    status: str
    solver: str
    matched: int
    distance_m: int
    mentorships: list[MentorshipOut]
    explanations: list[RequestExplanationOut]


def to_public(r: KnowhowResult) -> KnowhowResultOut:
    """Matcher result → output schema."""
    return KnowhowResultOut(
        status=r.status.value,
        solver=r.solver,
        matched=r.matched,
        distance_m=r.distance_m,
        mentorships=[
            MentorshipOut(
                request_id=m.request_id,
                offer_id=m.offer_id,
                learner=m.learner,
                mentor=m.mentor,
                topic=m.topic,
                topic_th=TOPICS[m.topic][0],
                topic_en=TOPICS[m.topic][1],
                distance_m=m.distance_m,
            )
            for m in r.mentorships
        ],
        explanations=[
            RequestExplanationOut(
                request_id=e.request_id,
                learner=e.learner,
                matched=e.matched,
                offer_id=e.offer_id,
                reason=e.reason,
                reason_th=reasons.TEXT[e.reason][0],
                reason_en=reasons.TEXT[e.reason][1],
            )
            for e in r.explanations
        ],
    )
