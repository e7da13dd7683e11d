"""Table model of start-up capital (ทุนเริ่มต้นธุรกิจ): which liquidity needs ask for it.

A start-up capital need is an ordinary ``liquidity_need`` order (``orders`` plus
``liquidity_need``: amount, highest rate, term, repayment) with one ``startup_need`` row
naming the business the coop is starting (``fuel_station`` …). The daily round leaves it
out; only the start-up capital round (:mod:`api.services.startup_capital`) proposes a loan
to it, from the network's joint fund, under the fund's network policy.
"""

from __future__ import annotations

from sqlmodel import Field, SQLModel


class StartupNeedRow(SQLModel, table=True):
    """The start-up flag of a liquidity need."""

    __tablename__ = "startup_need"

    order_id: str = Field(primary_key=True, foreign_key="orders.id", max_length=64)
    business: str = Field(max_length=64)
