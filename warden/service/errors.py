"""Errors the use cases raise; the HTTP layer turns them into Problem Details, the CLI into messages."""

from __future__ import annotations

from warden.domain.events import FieldError


class WardenError(Exception):
    status = 400
    type = "about:blank"
    title = "Bad request"

    def __init__(self, detail: str, errors: list[FieldError] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []


class InvalidInput(WardenError):
    status = 422
    type = "https://warden.dev/problems/invalid-input"
    title = "Invalid input"


class NotFound(WardenError):
    status = 404
    type = "https://warden.dev/problems/not-found"
    title = "Not found"


class Forbidden(WardenError):
    status = 403
    type = "https://warden.dev/problems/forbidden"
    title = "Forbidden"


class Conflict(WardenError):
    status = 409
    type = "https://warden.dev/problems/conflict"
    title = "Conflict"
