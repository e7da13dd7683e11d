"""The API's own documentation pages, ``/docs`` (Swagger UI) and ``/redoc`` (ReDoc), served
from files shipped in the package, so they work on a network with no internet.

The files under ``static/`` come unchanged from the npm packages ``swagger-ui-dist`` 5.35.0
(Apache-2.0, ``swagger-ui.LICENSE.txt``) and ``redoc`` 2.5.4 (MIT, ``redoc.LICENSE.txt``),
with the licence notices of their bundled code beside them.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

STATIC = Path(__file__).resolve().parent / "static"
PREFIX = "/api-docs-static"


def install_docs(app: FastAPI) -> None:
    """Serve ``/docs`` and ``/redoc`` for ``app``'s OpenAPI document from packaged assets
    (create the app with ``docs_url=None, redoc_url=None``)."""
    title = f"{app.title} — เอกสาร API / API docs"
    openapi_url = app.openapi_url or "/openapi.json"

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return _with_thai_font(
            get_swagger_ui_html(
                openapi_url=openapi_url,
                title=title,
                swagger_js_url=f"{PREFIX}/swagger-ui-bundle.js",
                swagger_css_url=f"{PREFIX}/swagger-ui.css",
                swagger_favicon_url=f"{PREFIX}/favicon-32x32.png",
            )
        )

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return _with_thai_font(
            get_redoc_html(
                openapi_url=openapi_url,
                title=title,
                redoc_js_url=f"{PREFIX}/redoc.standalone.js",
                redoc_favicon_url=f"{PREFIX}/favicon-32x32.png",
                with_google_fonts=False,
            )
        )

    app.mount(PREFIX, StaticFiles(directory=str(STATIC)), name="api-docs-static")


def _with_thai_font(page: HTMLResponse) -> HTMLResponse:
    """The page with ``static/thai.css`` linked, so Thai in the descriptions is drawn with the
    packaged Sarabun on a machine without Thai fonts."""
    link = f'<link rel="stylesheet" href="{PREFIX}/thai.css">'
    html = bytes(page.body).decode("utf-8").replace("</head>", f"{link}</head>", 1)
    return HTMLResponse(html)
