"""The coordinator's web pages (Thai first, English second), served by the same FastAPI app
as ``/v1``: server-rendered Jinja2 templates with HTMX (vendored under ``static/``).

:func:`mount_web` is the one call :func:`api.http.app.create_app` makes.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from api.web.core import WebState
from api.web.security import Signer, new_secret

STATIC = Path(__file__).resolve().parent / "static"


def mount_web(app: FastAPI, secret: bytes | None = None) -> None:
    """Add the web pages and their static files to ``app``.

    Args:
        app: the app built by ``create_app`` (its ``state.ctx`` is already set).
        secret: the key that signs form tokens; ``web_secret`` from the settings when
            present, else random per app (open forms are refused after a restart).

    Raises:
        WeakSecretError: the secret is shorter than 32 bytes (start-up is refused).
    """
    from api.web import (
        account_pages,
        debt_pages,
        decline_pages,
        job_pages,
        knowhow_pages,
        letter_pages,
        member_pages,
        missing_pages,
        order_pages,
        pages,
        policy_pages,
        posting_pages,
        proposal_pages,
        purchase_pages,
        round_pages,
        scenario_pages,
    )

    configured = app.state.ctx.settings.web_secret
    key = secret if secret is not None else configured.encode() if configured else new_secret()
    app.state.web = WebState(Signer(key))
    app.include_router(pages.router)
    app.include_router(round_pages.router)
    app.include_router(scenario_pages.router)
    app.include_router(member_pages.router)
    app.include_router(proposal_pages.router)
    app.include_router(order_pages.router)
    app.include_router(letter_pages.router)
    app.include_router(policy_pages.router)
    app.include_router(debt_pages.router)
    app.include_router(decline_pages.router)
    app.include_router(purchase_pages.router)
    app.include_router(purchase_pages.network_router)
    app.include_router(job_pages.router)
    app.include_router(account_pages.router)
    app.include_router(posting_pages.router)  # before knowhow_pages: /knowhow/new
    app.include_router(posting_pages.network_router)
    app.include_router(knowhow_pages.router)
    app.mount("/web/static", StaticFiles(directory=str(STATIC)), name="web-static")
    app.include_router(missing_pages.router)  # last: any other /web address
