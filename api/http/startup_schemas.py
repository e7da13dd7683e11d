"""``/v1`` schemas of start-up capital (ทุนเริ่มต้นธุรกิจ): the need a coop posts and the
answer. Money is a decimal baht string; the policy's limits are checked by the service
(:mod:`api.services.startup_capital`), naming the field in Thai and English."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field, model_validator

from api.http.order_schemas import OrderAmount
from api.http.schemas import Public
from api.schemas.common import Days, Identifier, RateBps, StrictModel


class StartupNeedCreate(StrictModel):
    """Long-term start-up capital the caller's coop asks of its network's joint fund for a
    business it starts (ขอทุนเริ่มต้นธุรกิจจากกองทุนร่วม)."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        str_strip_whitespace=True,
        json_schema_extra={
            "examples": [
                {
                    "business": "fuel_station",
                    "amount": "1500000.00",
                    "max_rate_bps": 250,
                    "term_days": 1826,
                    "repayment": "equal",
                    "instalments": 60,
                }
            ]
        },
    )
    business: Identifier
    """The business the coop starts (``fuel_station`` …; the policy lists which qualify)."""
    amount: OrderAmount
    max_rate_bps: RateBps
    term_days: Days
    urgency: Annotated[int, Field(strict=True, ge=1, le=5)] = 1
    repayment: Literal["bullet", "equal"] = "equal"
    instalments: Annotated[int, Field(strict=True, ge=1, le=36_500)] = 1

    @model_validator(mode="after")
    def _consistent(self) -> StartupNeedCreate:
        if self.instalments > self.term_days:
            raise ValueError("instalments must not exceed term_days (จำนวนงวดเกินจำนวนวัน)")
        if self.repayment == "bullet" and self.instalments != 1:
            raise ValueError("a bullet loan has exactly 1 instalment (ชำระครั้งเดียวมีงวดเดียว)")
        return self


class PostedStartupNeed(Public):
    """The stored start-up capital need."""

    model_config = ConfigDict(
        frozen=True,
        json_schema_extra={
            "examples": [
                {"id": "sun_3b1f0a4e8c1d4c559a571f2e", "kind": "liquidity_need",
                 "business": "fuel_station"}
            ]
        },
    )  # fmt: skip
    id: str
    kind: str
    business: str
