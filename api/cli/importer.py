"""``coopmatch import members|orders|scenario FILE``: whole-file imports; members and orders
are idempotent by file hash, a scenario by content (an unchanged policy is not stored again)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from api.cli.common import console
from api.cli.db import open_engine, service_errors

ActorOption = Annotated[str | None, typer.Option("--as", help="who imports (COOPMATCH_ACTOR)")]


def _run_import(file: Path, actor: str | None, service: Callable[..., Any], counts: str) -> None:
    """Run one whole-file import and print its outcome; ``counts`` formats the new rows."""
    with service_errors(str(file)):
        out = service(open_engine(), file, actor=actor or "import")
    if out.already_imported:
        console.print(f"ไฟล์นี้นำเข้าแล้ว / already imported (sha256 {out.file_hash[:12]})")
    else:
        shown = counts.format(out=out)
        console.print(f"นำเข้าแล้ว / imported: {shown} (sha256 {out.file_hash[:12]})")


def register(app: typer.Typer) -> None:
    """Add the ``import`` group to ``app``."""
    import_app = typer.Typer(help="Import files / นำเข้าข้อมูล", no_args_is_help=True)

    @import_app.command("members")
    def members(
        file: Annotated[Path, typer.Argument(help="members .csv (UTF-8 or cp874) or .xlsx")],
        actor: ActorOption = None,
    ) -> None:
        """Import networks, coops and farmer groups (นำเข้าสมาชิกและเครือข่าย)."""
        from api.services.members import import_members

        _run_import(file, actor, import_members, "{out.networks} networks, {out.coops} coops")

    @import_app.command("orders")
    def orders(
        file: Annotated[Path, typer.Argument(help="orders .csv (UTF-8 or cp874) or .xlsx")],
        actor: ActorOption = None,
    ) -> None:
        """Import liquidity offers and needs, stock lots, purchase orders and debts
        (obligations) (นำเข้าคำสั่ง)."""
        from api.services.order_import import import_orders

        _run_import(
            file,
            actor,
            import_orders,
            "{out.offers} offers, {out.needs} needs, {out.lots} stock lots, "
            "{out.purchase_orders} purchase orders, {out.obligations} debts; "
            "{out.amended} amended, {out.unchanged} unchanged",
        )

    @import_app.command("scenario")
    def scenario(
        file: Annotated[Path, typer.Argument(help="scenario .yaml (scenarios/*.yaml)")],
        actor: ActorOption = None,
        policy_name: Annotated[
            str | None,
            typer.Option(
                "--policy",
                help="also store this simulator policy's fairness, transport rate and joint "
                "fund on the root network",
            ),
        ] = None,
    ) -> None:
        """Import a scenario's networks, coops and network policies (joint fund,
        processors, transport per product) (นำเข้าเครือข่ายและนโยบายจากไฟล์สถานการณ์)."""
        from api.services.scenario_import import import_scenario

        with service_errors(str(file)):
            out = import_scenario(
                open_engine(), file, actor=actor or "import", policy_name=policy_name
            )
        shown = ", ".join(f"{k} v{v}" for k, v in sorted(out.policies.items())) or "-"
        console.print(
            f"นำเข้าแล้ว / imported {out.scenario_id}: {out.networks} networks, "
            f"{out.coops} coops; policies {shown} ({out.new_versions} new); "
            f"{out.postings} know-how postings"
        )

    app.add_typer(import_app, name="import")
