"""Service errors: a stable code plus a bilingual message; the edges map them (CLI exit 2)."""

from __future__ import annotations


class ServiceError(Exception):
    """A request the service refuses; nothing was changed."""

    code = "invalid"

    def __init__(self, message_en: str, message_th: str = "", lines: list[str] | None = None):
        self.message_en = message_en
        self.message_th = message_th
        self.lines = list(lines or [])
        super().__init__(message_en)

    def __str__(self) -> str:
        return f"{self.message_th} / {self.message_en}" if self.message_th else self.message_en


class NotFoundError(ServiceError):
    code = "not_found"


class ForbiddenError(ServiceError):
    code = "forbidden"


class InvalidStateError(ServiceError):
    code = "invalid_state"


class ConflictError(ServiceError):
    code = "conflict"


class BadFileError(ServiceError):
    code = "bad_file"
