"""The way in for a newcomer: a database never migrated says to run ``coopmatch db upgrade``
(exit 2, no traceback), ``serve`` refuses it the same way, and ``serve`` prints its address."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli.main import app
from api.cli.serve import address_banner


@pytest.mark.parametrize(
    "args",
    [
        ["round", "run", "--network", "LPN-FIN", "--date", "2026-11-21", "--as", "office"],
        ["export", "round", "1", "--csv"],
        ["audit", "verify"],
        ["keys", "issue", "--coop", "C1"],
        ["serve"],
    ],
)
def test_a_database_without_schema_says_to_upgrade(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    monkeypatch.setenv("COOPMATCH_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    monkeypatch.setenv("COOPMATCH_ROUND_DATE_WINDOW_DAYS", "36500")
    monkeypatch.chdir(tmp_path)
    res = CliRunner().invoke(app, args)
    out = " ".join(res.output.split())
    assert res.exit_code == 2, out
    assert "coopmatch db upgrade" in out and "Traceback" not in out
    if args == ["serve"]:
        assert not (tmp_path / "empty.sqlite3").exists()  # serve creates no empty database


def test_serve_prints_where_to_go() -> None:
    banner = address_banner("127.0.0.1", 8123)
    assert "http://127.0.0.1:8123/web/login" in banner
    assert "http://127.0.0.1:8123/docs" in banner
    assert "http://127.0.0.1:8000/web/login" in address_banner("0.0.0.0", 8000)
    assert "http://[::1]:8000/web/login" in address_banner("::1", 8000)
