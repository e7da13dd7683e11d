"""Security headers on every response: a Content-Security-Policy, no framing, no sniffing.

A response that sets its own policy keeps it (the web pages set :data:`PAGE_CSP` when they
render); every other one gets the policy of its path: the API documentation may load
Swagger UI and ReDoc from their CDN, a web page only this app's own files, and everything
else (JSON, ``/metrics``, downloads) nothing at all.
"""

from __future__ import annotations

PAGE_CSP = (
    "default-src 'self'; script-src 'self'; img-src 'self' data:; "
    "style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; form-action 'self'; "
    "base-uri 'none'; object-src 'none'"
)
"""Pages load only this app's own script (the vendored htmx) and cannot be framed. Inline
styles stay allowed: htmx adds its indicator style at run time."""
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; "
    "font-src 'self' https://fonts.gstatic.com; img-src 'self' data: https://fastapi.tiangolo.com "
    "https://cdn.redoc.ly; worker-src 'self' blob:; frame-ancestors 'none'; base-uri 'none'; "
    "object-src 'none'"
)
"""FastAPI's documentation pages: its inline bootstrap script and the CDN's bundles."""
API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"
"""Data is never a document: nothing may load, nothing may frame it."""
DOCS_PATHS = ("/docs", "/redoc")

_CSP = b"content-security-policy"
_COMMON = [(b"x-frame-options", b"DENY"), (b"x-content-type-options", b"nosniff")]
_BY_KIND = {
    kind: [(_CSP, csp.encode()), *_COMMON]
    for kind, csp in (("page", PAGE_CSP), ("docs", DOCS_CSP), ("api", API_CSP))
}


def with_security_headers(
    path: str, headers: list[tuple[bytes, bytes]]
) -> list[tuple[bytes, bytes]]:
    """``headers`` plus the security headers of ``path`` it does not already have."""
    kind = "docs" if path.startswith(DOCS_PATHS) else "page" if path.startswith("/web") else "api"
    have = {name.lower() for name, _ in headers}
    return [*headers, *(h for h in _BY_KIND[kind] if h[0] not in have)]
