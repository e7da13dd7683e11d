"""The letters of a round as PDF: every kind is written, says what it must (the network's
name, Buddhist-Era dates, amounts in figures and in Thai words, signature lines), embeds the
packaged Thai font, renders to PNG with poppler, and is byte-identical when written again.
Amounts in words are checked against PyThaiNLP's own ``bahttext`` (its float path) as the
oracle."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from dbseed import COMBINED_DAY, COORDINATOR, seed_combined, seed_lamphun
from hypothesis import given
from hypothesis import strategies as st
from pythainlp.util import bahttext
from sqlalchemy import Engine
from typer.testing import CliRunner

from api.papers.letters import round_letters
from api.papers.pdf import ZWSP, breakable
from api.papers.sources import load_round_papers
from api.papers.thai import baht_words, thai_date
from api.services.proposals import accept_proposal
from api.services.round.service import RoundParams, run_round
from matcher.money import format_baht

POPPLER = shutil.which("pdftoppm") is not None and shutil.which("pdftotext") is not None
needs_poppler = pytest.mark.skipif(not POPPLER, reason="poppler-utils (pdftoppm) not installed")


@given(st.integers(min_value=0, max_value=10_000_000_000_000))
def test_baht_words_agree_with_pythainlp_bahttext(satang: int) -> None:
    assert baht_words(satang) == bahttext(satang / 100) or satang < 100


def test_thai_dates_and_word_breaks() -> None:
    assert thai_date(date(2027, 2, 19)) == "19 กุมภาพันธ์ พ.ศ. 2570"
    broken = breakable("สหกรณ์การเกษตรป่าซาง จำกัด 1,650,000.00 บาท")
    assert broken.replace(ZWSP, "") == "สหกรณ์การเกษตรป่าซาง จำกัด 1,650,000.00 บาท"
    assert "1,650,000.00" in broken and ZWSP in broken  # never inside a number


@pytest.fixture
def papers_db(db: Engine, clock) -> tuple[Engine, int]:  # type: ignore[no-untyped-def]
    """The combined Lamphun round, with one instalment loan accepted by both sides."""
    seed_lamphun(db)
    seed_combined(db)
    params = RoundParams(credit_buyers=("C1",), sale_credit_days=30)
    out = run_round(db, network_id="LPN", business_date=COMBINED_DAY, actor=COORDINATOR,
                    clock=clock, params=params)  # fmt: skip
    papers = load_round_papers(db, out.round_id)
    loan = next(x for x in papers.loans if x.repayment == "equal")
    for coop in (loan.lender.id, loan.borrower.id):
        accept_proposal(db, loan.proposal_id, coop, clock=clock)
    return db, out.round_id


def _text(pdf: Path) -> str:
    out = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True)
    return "".join(out.stdout.decode("utf-8").replace(ZWSP, "").split())


@needs_poppler
def test_every_letter_of_a_round(papers_db: tuple[Engine, int], tmp_path: Path) -> None:
    engine, round_id = papers_db
    papers = load_round_papers(engine, round_id)
    letters = round_letters(papers)
    kinds = {name.rsplit("-", 1)[0] for name in letters}
    assert {"round", "loan-proposal", "loan-commitment", "sale", "setoff"} <= kinds
    assert round_letters(load_round_papers(engine, round_id)) == letters  # same bytes again
    committed = next(x for x in papers.loans if x.commitment_id is not None)
    assert len(committed.schedule) > 1
    for name, data in letters.items():
        path = tmp_path / name
        path.write_bytes(data)
        text = _text(path)
        assert "".join(papers.network_name.split()) in text, name
        assert "พ.ศ.2569" in text and "ลงชื่อ" in text, name
        fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True)
        assert b"Sarabun" in fonts.stdout and b" yes yes " in fonts.stdout  # embedded subset
    commitment = _text(tmp_path / f"loan-commitment-{committed.commitment_id}.pdf")
    assert baht_words(committed.amount_satang) in commitment
    assert format_baht(committed.interest_satang) in commitment
    for due in committed.schedule:
        assert "".join(thai_date(due.due_date).split()) in commitment


@needs_poppler
def test_letters_render_to_png(papers_db: tuple[Engine, int], tmp_path: Path) -> None:
    """poppler draws every page; the PNGs are kept in test-artifacts/letters to look at."""
    engine, round_id = papers_db
    keep = Path("test-artifacts/letters")
    keep.mkdir(parents=True, exist_ok=True)
    for name, data in round_letters(load_round_papers(engine, round_id)).items():
        pdf = tmp_path / name
        pdf.write_bytes(data)
        stem = keep / pdf.stem
        subprocess.run(["pdftoppm", "-r", "60", "-png", str(pdf), str(stem)], check=True)
        pages = sorted(keep.glob(f"{pdf.stem}-*.png"))
        assert pages and all(p.stat().st_size > 5_000 for p in pages), name


def test_cli_writes_the_letters(
    papers_db: tuple[Engine, int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from api.cli.main import app

    engine, round_id = papers_db
    monkeypatch.setattr("api.cli.letters.open_engine", lambda: engine)
    res = CliRunner().invoke(app, ["letters", "round", str(round_id), "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "round-summary.pdf").read_bytes().startswith(b"%PDF")
    missing = CliRunner().invoke(app, ["letters", "round", "999", "--out", str(tmp_path)])
    assert missing.exit_code == 2 and "Traceback" not in missing.output
