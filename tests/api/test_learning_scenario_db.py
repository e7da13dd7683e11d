"""The Lamphun learning-centre scenario on the database, end to end from the CLI: ``import
scenario`` stores its networks, coops (at their real district points), the coordinator and
the know-how postings once; ``round run --kind knowhow`` places the learners as the
file-mode matcher does on the same postings (``scenarios/examples/lamphun-knowhow.json``),
answered by the network policy's proposal lifetime; a bad posting in the file names its
field and stores nothing (SQLite)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import typer
from sqlalchemy import create_engine, func, select
from sqlmodel import Session
from typer.testing import CliRunner

from api.cli import db, importer, round_file
from api.db.tables import CoopRow, CoordinatorRow
from api.db.tables_knowhow import KnowhowPostingRow, KnowhowProposalRow
from api.schemas.knowhow import KnowhowIn, to_problem
from api.services.clock import as_utc
from matcher.knowhow.solver import solve_knowhow

EXAMPLES = Path(__file__).resolve().parents[2] / "scenarios" / "examples"
SCENARIO = EXAMPLES / "lamphun-learning-centres.yaml"
AS = ("--as", "lpn-learning-office")


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'cm.sqlite3'}"
    monkeypatch.setenv("COOPMATCH_DATABASE_URL", url)
    app = typer.Typer(pretty_exceptions_enable=False)
    for module in (db, importer, round_file):
        module.register(app)
    runner = CliRunner()

    def run(*args: str) -> tuple[int, str]:
        res = runner.invoke(app, list(args))
        return res.exit_code, " ".join(res.output.split())

    assert run("db", "upgrade")[0] == 0
    run.engine = create_engine(url)  # type: ignore[attr-defined]
    return run


def _file_mode() -> tuple[int, int]:
    """Learners placed and their total distance, by the matcher on the file-mode example."""
    doc = json.loads((EXAMPLES / "lamphun-knowhow.json").read_text(encoding="utf-8"))
    result = solve_knowhow(to_problem(KnowhowIn.model_validate(doc)))
    return result.matched, result.distance_m


def test_the_learning_centres_run_a_know_how_round_from_the_cli(cli) -> None:  # type: ignore[no-untyped-def]
    code, out = cli("import", "scenario", str(SCENARIO))
    assert code == 0 and "4 networks, 15 coops" in out and "25 know-how postings" in out, out
    code, out = cli("import", "scenario", str(SCENARIO))  # again: nothing new
    assert code == 0 and "(0 new)" in out and "0 know-how postings" in out, out
    with Session(cli.engine) as s:
        assert s.scalar(select(func.count()).select_from(KnowhowPostingRow)) == 25
        li = s.get(CoopRow, "aglc-li")
        assert li is not None and li.district_code == "5104" and "ศพก." in li.name_th
        assert s.get(CoordinatorRow, ("lpn-learning", "lpn-learning-office")) is not None
        where = s.execute(
            select(KnowhowPostingRow).where(KnowhowPostingRow.coop_id == "aglc-li")
        ).scalar_one()
        assert (where.lat_e5, where.lon_e5) == (1_778_798, 9_888_449)  # Li district's point

    run = ("round", "run", "--network", "lpn-learning", "--kind", "knowhow", *AS, "--force")
    code, out = cli(*run, "--date", "2026-11-23")
    matched, distance = _file_mode()
    assert code == 0 and f"{matched}/14 learners placed" in out, out
    assert 0 < matched < 14  # rice milling has no mentor in the province
    with Session(cli.engine) as s:
        rows = s.execute(select(KnowhowProposalRow)).scalars().all()
        assert len(rows) == matched and sum(p.distance_m for p in rows) == distance
        # The policy's lifetime: Monday 23 Nov + 5 business days = Monday 30 Nov, Bangkok.
        assert {as_utc(p.expires_at) for p in rows} == {datetime(2026, 11, 30, 16, 59, 59,
                                                                  tzinfo=UTC)}  # fmt: skip
        assert all(p.network_id == "lpn-learning" for p in rows)
    code, out = cli(*run, "--date", "2026-11-23")
    assert code == 0 and "(เดิม / existing)" in out  # the stored round, not a second one
    code, out = cli("round", "run", "--network", "lpn-learning", "--kind", "knowhow",
                    "--as", "someone-else", "--date", "2026-11-23", "--force")  # fmt: skip
    assert code != 0 and "Traceback" not in out


def test_a_bad_posting_in_the_file_names_its_field_and_stores_nothing(  # type: ignore[no-untyped-def]
    cli, tmp_path: Path
) -> None:
    text = SCENARIO.read_text(encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace("{coop: agr-banhong, topic: rice_milling}",
                                "{coop: agr-nowhere, topic: astrology}"),
                   encoding="utf-8")  # fmt: skip
    code, out = cli("import", "scenario", str(bad))
    assert code == 2 and "knowhow.learn[13].coop" in out and "knowhow.learn[13].topic" in out, out
    with Session(cli.engine) as s:
        assert s.scalar(select(func.count()).select_from(KnowhowPostingRow)) == 0
        assert s.scalar(select(func.count()).select_from(CoopRow)) == 0
