"""``coopmatch policy show|set --network ID``: the network's stored round policy.

``set`` takes a JSON file with the fields to store (the others take their defaults) and
appends a new version (audited); only the network's coordinator (or an ancestor's) may.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from api.cli.common import console, dumps_canonical, read_json
from api.cli.db import actor_or_fail, open_engine, service_errors

NetworkOpt = Annotated[str, typer.Option("--network", help="network id (รหัสเครือข่าย)")]
ActorOpt = Annotated[
    str | None, typer.Option("--as", help="coordinator principal (COOPMATCH_ACTOR)")
]


def policy_show(network: NetworkOpt, actor: ActorOpt = None) -> None:
    """Print the policy a round of the network takes now, as JSON (นโยบายเครือข่าย)."""
    from api.services.round.policy import policy_json, show_policy
    from api.services.round.service import authorize

    who = actor_or_fail(actor)
    engine = open_engine()
    with service_errors(f"policy {network}"):
        authorize(engine, who, network)
        console.print_json(dumps_canonical(policy_json(show_policy(engine, network))))


def policy_set(
    network: NetworkOpt,
    file: Annotated[Path, typer.Argument(help="policy JSON file (ไฟล์นโยบาย)")],
    actor: ActorOpt = None,
) -> None:
    """Store a new version of the network's policy from a JSON file (ตั้งนโยบายเครือข่าย)."""
    from api.services.round.policy import policy_json, set_policy
    from api.services.round.service import authorize

    who = actor_or_fail(actor)
    data = read_json(file)
    engine = open_engine()
    with service_errors(f"policy {network} ({file})"):
        authorize(engine, who, network)
        stored = set_policy(engine, network, data, actor=who)
    console.print_json(dumps_canonical(policy_json(stored)))


def register(app: typer.Typer) -> None:
    """Add the ``policy`` group to ``app``."""
    group = typer.Typer(help="Network policy / นโยบายเครือข่าย", no_args_is_help=True)
    group.command("show")(policy_show)
    group.command("set")(policy_set)
    app.add_typer(group, name="policy")
