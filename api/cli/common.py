"""Helpers every CLI command shares: strict JSON loading, error reporting, atomic output.

Bad input never shows a traceback: the message names the file and the field, the exit code
is 2 and no output file is written.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import typer
from pydantic import BaseModel, ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

from api.files import write_bytes_atomic
from matcher.errors import InputError

EXIT_BAD_INPUT = 2
console = Console(width=None if Console().is_terminal else 140)
err_console = Console(stderr=True, width=None if Console(stderr=True).is_terminal else 140)

M = TypeVar("M", bound=BaseModel)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def fail(title: str, lines: list[str]) -> NoReturn:
    """Print a bilingual error block and exit with code 2."""
    err_console.print(f"[bold red]ข้อมูลไม่ถูกต้อง / Invalid input:[/] {title}")
    for line in lines:
        err_console.print(f"  • {line}", markup=False, highlight=False)
    raise typer.Exit(EXIT_BAD_INPUT)


def read_json(path: Path) -> Any:
    """Read a JSON file; NaN, Infinity, duplicate keys, numbers past Python's digit limit and
    nesting past its recursion limit are errors (exit 2), never a traceback."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        fail(str(path), [f"cannot read the file: {exc.strerror}"])

    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in pairs:
            if key in out:
                raise ValueError(f"duplicate key {key!r}")
            out[key] = value
        return out

    try:
        return json.loads(
            raw.decode("utf-8-sig"),
            parse_constant=_reject_constant,
            object_pairs_hook=no_duplicates,
        )
    except UnicodeDecodeError:
        fail(str(path), ["the file is not UTF-8 text"])
    except ValueError as exc:
        fail(str(path), [f"not valid JSON: {exc}"])
    except RecursionError:
        fail(str(path), ["not valid JSON: nested too deeply (ซ้อนกันลึกเกินไป)"])


def format_loc(loc: tuple[int | str, ...]) -> str:
    """Pydantic error location → ``needs[3].amount`` style field path."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(document)"


def parse_model(model: type[M], path: Path) -> M:
    """Load ``path`` and validate it as ``model``; exit 2 naming every bad field."""
    data = read_json(path)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        fail(
            str(path),
            [f"{format_loc(e['loc'])}: {e['msg']}" for e in exc.errors(include_url=False)],
        )


T = TypeVar("T")


def run_domain(path: Path, func: Callable[[], T]) -> T:
    """Run ``func``; a domain :class:`InputError` becomes an exit-2 report naming fields."""
    try:
        return func()
    except InputError as exc:
        fail(str(path), [str(issue) for issue in exc.issues])


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) atomically; an unwritable path is an exit-2 error, not a trace."""
    try:
        write_bytes_atomic(path, text.encode("utf-8"))
    except OSError as exc:
        fail(str(path), [f"cannot write the file (เขียนไฟล์ไม่ได้): {exc.strerror or exc}"])


def dumps_canonical(data: Any) -> str:
    """Deterministic JSON text: sorted keys, UTF-8, two-space indent, newline at the end."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True, indent=2) + "\n"


def progress_bar() -> Progress:
    """The bar long commands show while they work (it disappears when done)."""
    return Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )
