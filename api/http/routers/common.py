"""What every router shares: the idempotency dependency, the response helper and the
documented problem responses."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.responses import Response

from api.http.deps import Caller
from api.http.errors import PROBLEM
from api.http.idempotency import Stored, request_key

IdempotencyHeader = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        description="Unique per change (e.g. a UUID); replays return the stored response.",
        examples=["3b1f0a4e-8c1d-4c55-9a57-1f2e6a0b9d11"],
    ),
]
"""The documented header (read by :func:`api.http.idempotency.request_key`)."""


async def idempotency(
    request: Request, who: Caller, idempotency_key: IdempotencyHeader = None
) -> tuple[str, str]:
    """(key, request hash) of this state-changing request."""
    return await request_key(request, who.principal)


Idem = Annotated[tuple[str, str], Depends(idempotency)]


def respond(result: Stored) -> Response:
    """The stored or fresh response as the text stored under the key, byte for byte
    (:attr:`api.http.idempotency.Stored.text`); replays are marked
    ``Idempotent-Replayed: true``."""
    headers = {"Idempotent-Replayed": "true"} if result.replayed else None
    return Response(result.text.encode(), result.status, headers, "application/json")


def _problem(status: int, code: str, title: str, detail: str) -> dict[str, Any]:
    return {
        "description": title,
        "content": {
            PROBLEM: {
                "schema": {"$ref": "#/components/schemas/Problem"},
                "example": {
                    "type": f"https://coopmatch.example/problems/{code}",
                    "title": title,
                    "status": status,
                    "detail": detail,
                    "instance": "/v1/…",
                    "code": code,
                    "request_id": "0f6c2a1e9b7d4c3a",
                },
            }
        },
    }


READ_ERRORS: dict[int | str, dict[str, Any]] = {
    401: _problem(401, "unauthorized", "Missing or invalid API key", "unknown or revoked API key"),
    404: _problem(404, "not_found", "Not found", "the object does not exist"),
    422: _problem(422, "validation", "The request is not valid", "limit: must be ≤ 100"),
    429: _problem(429, "rate_limited", "Too many requests", "rate limit exceeded"),
}
ADMIN_ONLY: dict[int | str, dict[str, Any]] = {
    403: _problem(403, "forbidden_role", "This key's role may not do this", "needs an admin key"),
}
WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    **READ_ERRORS,
    400: _problem(400, "idempotency_required", "Idempotency-Key header is required", "send one"),
    409: _problem(409, "idempotency_in_flight", "Still running", "Idempotency-Key is in flight"),
    413: _problem(413, "too_large", "Request body too large", "at most 1048576 bytes"),
    422: _problem(
        422, "validation", "The request is not valid", "body.amount: not a decimal string"
    ),
}
