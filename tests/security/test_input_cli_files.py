"""Every CLI command that reads a file, fed malformed files: exit code 2, a message, and no
traceback (issue 18, finding 5: ``coopmatch import members`` with ``²`` in an integer cell
printed a traceback and exited 1).

The commands are found by walking the Typer application, so a new command that takes a
file is either listed in :data:`CASES` or fails :func:`test_every_file_command_is_covered`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import typer.main
from typer.testing import CliRunner

from api.cli.main import app
from api.db.migrate import upgrade
from api.settings import Settings, create_engine_from

HUGE = "9" * 5000
JSON_FILES: dict[str, bytes] = {
    "not-utf8.json": b"\xff\xfe\x00\x81garbage",
    "not-json.json": b"{business_date: ",
    "a-list.json": b"[1, 2, 3]",
    "odd-digits.json": '{"business_date": "²", "coops": [{"id": "²"}]}'.encode(),
    "huge-number.json": ('{"business_date": ' + HUGE + "}").encode(),
    "deep.json": b"[" * 200_000 + b"]" * 200_000,
    "empty.json": b"",
}
YAML_FILES: dict[str, bytes] = {
    "not-utf8.yaml": b"\xff\xfe\x00\x81garbage",
    "not-yaml.yaml": b"name: [unclosed\n  - {",
    "a-list.yaml": b"- 1\n- 2\n",
    "odd-digits.yaml": "name_th: x\nseason_days: ²\n".encode(),
    "huge-number.yaml": ("season_days: " + HUGE + "\n").encode(),
    "deep.yaml": b"[" * 50_000 + b"]" * 50_000,
    "empty.yaml": b"",
}
MEMBERS_HEADER = (
    "type,id,name_th,name_en,kind,level,parent_id,network_id,province_code,district_code,"
    "coordinator,posted_rate_bps,may_lend,may_borrow,borrowing_limit,outstanding,liquid_funds,"
    "reserve,max_lenders_per_need\n"
)
ORDERS_HEADER = "side,id,coop_id,amount,rate_bps,term_days,urgency,instalments\n"
TABLE_FILES: dict[str, dict[str, bytes]] = {
    "members": {
        "odd-digits.csv": (
            MEMBERS_HEADER
            + "network,N1,เครือข่าย,Net,,province,,,51,,office,²,,,,,,,\n"
            + "coop,C1,สหกรณ์,Coop,savings,,,N1,51,5101,,,yes,yes,,,,,²\n"
        ).encode(),
        "huge-number.csv": (
            MEMBERS_HEADER + f"network,N1,เครือข่าย,Net,,province,,,51,,office,{HUGE},,,,,,,\n"
        ).encode(),
    },
    "orders": {
        "odd-digits.csv": (ORDERS_HEADER + "offer,O1,C1,100.00,²,30,,\n").encode(),
        "huge-number.csv": (ORDERS_HEADER + f"need,N1,C1,100.00,300,{HUGE},1,1\n").encode(),
    },
}
COMMON_TABLE_FILES: dict[str, bytes] = {
    "not-text.csv": b"\xff\xfe\x00\x81\x90\x00",
    "broken.xlsx": b"PK\x03\x04 not really a workbook",
    "wrong-kind.txt": b"hello",
    "empty.csv": b"",
}


def _json_command(*argv: str) -> Callable[[Path], list[str]]:
    return lambda path: [*argv, str(path)]


CASES: dict[str, tuple[Callable[[Path], list[str]], dict[str, bytes]]] = {
    "match liquidity": (_json_command("match", "liquidity"), JSON_FILES),
    "match produce": (_json_command("match", "produce"), JSON_FILES),
    "match setoff": (_json_command("match", "setoff"), JSON_FILES),
    "round solve": (_json_command("round"), JSON_FILES),  # `coopmatch round FILE`
    "match purchase": (_json_command("match", "purchase"), JSON_FILES),
    "match knowhow": (_json_command("match", "knowhow"), JSON_FILES),
    "policy set": (
        lambda p: ["policy", "set", "--network", "N1", str(p), "--as", "office"],
        JSON_FILES,
    ),
    "plan funding": (
        lambda p: ["plan", "funding", str(p), "--runs", "2", "--executor", "serial"],
        YAML_FILES,
    ),
    "stress": (lambda p: ["stress", str(p)], YAML_FILES),
    "simulate": (lambda p: ["simulate", str(p), "--runs", "1", "--executor", "serial"], YAML_FILES),
    "season replay": (
        lambda p: ["season", "replay", str(p), "--db", f"sqlite:///{p.parent / 'r.sqlite3'}"],
        YAML_FILES,
    ),
    "import scenario": (_json_command("import", "scenario"), YAML_FILES),
    "import members": (
        _json_command("import", "members"),
        {**TABLE_FILES["members"], **COMMON_TABLE_FILES},
    ),
    "import orders": (
        _json_command("import", "orders"),
        {**TABLE_FILES["orders"], **COMMON_TABLE_FILES},
    ),
}


def _file_commands(group: Any, prefix: str = "") -> set[str]:
    """The full names of the commands with a file (``Path``) argument."""
    found: set[str] = set()
    for name, command in group.commands.items():
        full = f"{prefix}{name}"
        if hasattr(command, "commands"):
            found |= _file_commands(command, full + " ")
        elif any(
            p.param_type_name == "argument" and p.type_descriptor.annotation is Path
            for p in command.params
        ):
            found.add(full)
    return found


def test_every_file_command_is_covered() -> None:
    assert _file_commands(typer.main.get_command(app)) == set(CASES)


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    engine = create_engine_from(Settings(database_url=url))
    upgrade(engine)
    engine.dispose()
    monkeypatch.setenv("COOPMATCH_DATABASE_URL", url)
    monkeypatch.setenv("COOPMATCH_ACTOR", "tester")
    return tmp_path


def _bad_inputs(tmp_path: Path, files: dict[str, bytes]) -> list[Path]:
    paths = [tmp_path / "no-such-file.json", tmp_path]  # missing, and a folder
    for name, raw in files.items():
        path = tmp_path / "in" / name
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(raw)
        paths.append(path)
    return paths


@pytest.mark.parametrize("command", sorted(CASES))
def test_a_malformed_file_exits_2_without_a_traceback(command: str, database: Path) -> None:
    argv_of, files = CASES[command]
    runner = CliRunner()
    for path in _bad_inputs(database, files):
        result = runner.invoke(app, argv_of(path))
        shown = f"{command} {path.name}: exit {result.exit_code}\n{result.output}"
        assert result.exit_code == 2, shown
        assert isinstance(result.exception, SystemExit), f"{shown}\n{result.exception!r}"
        assert "Traceback" not in result.output, shown
