"""Input and output types of know-how matching (frozen dataclasses, integer units).

Coordinates are integers in 1e-5 degree, distances integer metres, capacities whole
learners per season. Topics are codes from :data:`matcher.knowhow.topics.TOPICS`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from matcher.results import SolveStatus


@dataclass(frozen=True, slots=True)
class TeachOffer:
    """A coop or learning centre that teaches one topic to at most ``capacity`` learners."""

    id: str
    mentor: str
    topic: str
    capacity: int
    """Learners per season."""
    lat_e5: int
    lon_e5: int


@dataclass(frozen=True, slots=True)
class LearnRequest:
    """A coop that wants to learn one topic, travelling at most ``max_distance_m``."""

    id: str
    learner: str
    topic: str
    lat_e5: int
    lon_e5: int
    max_distance_m: int = 100_000


@dataclass(frozen=True)
class KnowhowProblem:
    """One season's know-how round."""

    requests: tuple[LearnRequest, ...]
    offers: tuple[TeachOffer, ...]
    road_factor_bps: int = 13_000


@dataclass(frozen=True, slots=True)
class Mentorship:
    """One learner placed with one mentor for one topic."""

    request_id: str
    offer_id: str
    learner: str
    mentor: str
    topic: str
    distance_m: int


@dataclass(frozen=True, slots=True)
class RequestExplanation:
    """Why a request ended as it did; ``reason`` is a stable code of :mod:`reasons`."""

    request_id: str
    learner: str
    matched: bool
    offer_id: str | None
    reason: str


@dataclass(frozen=True)
class KnowhowResult:
    """Placements (sorted by request id), explanations and the objective terms."""

    status: SolveStatus
    mentorships: tuple[Mentorship, ...]
    explanations: tuple[RequestExplanation, ...]
    matched: int
    """Requests placed: the first objective (as many as possible)."""
    distance_m: int
    """Total distance of the placements: the second objective (least, given the first)."""
    solver: str
    notes: tuple[str, ...] = field(default=())
