"""``coopmatch match knowhow REQUESTS_OFFERS.json``: learners to mentors (แลกเปลี่ยนความรู้).

Places coops that want to learn a topic with coops and learning centres that teach it,
most placements first and then least travel, within each mentor's capacity per season.
Bad input exits with code 2, names the field and writes nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from api.cli.common import console, dumps_canonical, parse_model, run_domain, write_atomic
from api.schemas.knowhow import KnowhowIn, to_problem, to_public
from matcher.knowhow import reasons
from matcher.knowhow.solver import solve_knowhow
from matcher.knowhow.topics import TOPICS


def register(match_app: typer.Typer) -> None:
    """Add the ``knowhow`` command to the ``match`` group."""
    match_app.command("knowhow", help="จับคู่ผู้เรียนกับผู้สอน / know-how matching.")(knowhow)


def knowhow(
    requests_offers: Annotated[Path, typer.Argument(help="REQUESTS_OFFERS.json")],
    out: Annotated[
        Path | None, typer.Option("--out", help="RESULT.json to write (canonical JSON)")
    ] = None,
) -> None:
    """Match the learners of REQUESTS_OFFERS.json with mentors."""
    data = parse_model(KnowhowIn, requests_offers)
    problem = run_domain(requests_offers, lambda: to_problem(data))
    result = run_domain(requests_offers, lambda: solve_knowhow(problem))
    table = Table(title="ผู้เรียนและผู้สอน / Learners and mentors")
    for head in (
        "คำขอ / Request",
        "ผู้เรียน / Learner",
        "หัวข้อ / Topic",
        "ผู้สอน / Mentor",
        "กม. / km",
        "เหตุผล / Reason",
    ):
        table.add_column(head)
    ships = {m.request_id: m for m in result.mentorships}
    topic = {r.id: r.topic for r in problem.requests}
    for e in result.explanations:
        m = ships.get(e.request_id)
        th, en = TOPICS[topic[e.request_id]]
        table.add_row(
            e.request_id,
            e.learner,
            f"{th} / {en}",
            m.mentor if m else "-",
            f"{m.distance_m / 1000:.1f}" if m else "-",
            f"{reasons.TEXT[e.reason][0]} / {reasons.TEXT[e.reason][1]}",
        )
    console.print(table)
    console.print(
        f"สถานะ / status: {result.status.value} · จับคู่ได้ / placed {result.matched:,}"
        f" of {len(problem.requests):,} · ระยะทางรวม / total travel"
        f" {result.distance_m / 1000:,.1f} km",
        highlight=False,
    )
    if out is not None:
        write_atomic(out, dumps_canonical(to_public(result).model_dump(mode="json")))
        console.print(f"บันทึกผลแล้ว / written: {out}", highlight=False)
