"""``coopmatch import members|orders FILE``: whole-file imports, idempotent by file hash."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from api.cli.common import console
from api.cli.db import open_engine, service_errors


def register(app: typer.Typer) -> None:
    """Add the ``import`` group to ``app``."""
    import_app = typer.Typer(help="Import files / นำเข้าข้อมูล", no_args_is_help=True)

    @import_app.command("members")
    def members(
        file: Annotated[Path, typer.Argument(help="members .csv (UTF-8 or cp874) or .xlsx")],
        actor: Annotated[
            str | None, typer.Option("--as", help="who imports (COOPMATCH_ACTOR)")
        ] = None,
    ) -> None:
        """Import networks, coops and farmer groups (นำเข้าสมาชิกและเครือข่าย)."""
        from api.services.members import import_members

        who = actor or "import"
        with service_errors(str(file)):
            out = import_members(open_engine(), file, actor=who)
        if out.already_imported:
            console.print(f"ไฟล์นี้นำเข้าแล้ว / already imported (sha256 {out.file_hash[:12]})")
        else:
            console.print(
                f"นำเข้าแล้ว / imported: {out.networks} networks, {out.coops} coops "
                f"(sha256 {out.file_hash[:12]})"
            )

    @import_app.command("orders")
    def orders(
        file: Annotated[Path, typer.Argument(help="orders .csv (UTF-8 or cp874) or .xlsx")],
        actor: Annotated[
            str | None, typer.Option("--as", help="who imports (COOPMATCH_ACTOR)")
        ] = None,
    ) -> None:
        """Import liquidity offers and needs, stock lots and purchase orders (นำเข้าคำสั่ง)."""
        from api.services.orders import import_orders

        who = actor or "import"
        with service_errors(str(file)):
            out = import_orders(open_engine(), file, actor=who)
        if out.already_imported:
            console.print(f"ไฟล์นี้นำเข้าแล้ว / already imported (sha256 {out.file_hash[:12]})")
        else:
            console.print(
                f"นำเข้าแล้ว / imported: {out.offers} offers, {out.needs} needs, "
                f"{out.lots} stock lots, {out.purchase_orders} purchase orders "
                f"(sha256 {out.file_hash[:12]})"
            )

    app.add_typer(import_app, name="import")
