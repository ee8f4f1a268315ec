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


class IdempotencyKeyReused(Conflict):
    """An `Idempotency-Key` sent again with a different request (issue 10, item 8).

    A replay with identical content is answered from the store; different content under a key already used is
    refused with 409 and nothing is stored. The problem names the key (`errors[0].field` is `Idempotency-Key`).
    """

    type = "https://warden.dev/problems/idempotency-key-reused"
    title = "Idempotency-Key reused with a different request"

    def __init__(self, key: str, differs: list[str]) -> None:
        """`differs` names the request fields whose values differ from the first request under `key`."""
        what = ", ".join(differs) or "the request"
        super().__init__(
            f"Idempotency-Key {key!r} was already used for a different request ({what} differ); "
            "send the same request to replay it, or use a new key; nothing was stored",
            [FieldError(field="Idempotency-Key", message=f"already used with different {what}")]
            + [FieldError(field=f, message="differs from the first request under this key") for f in differs],
        )
        self.key = key
