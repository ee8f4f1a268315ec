"""Errors the use cases raise. They say what went wrong, not how an edge answers it: the HTTP edge maps each
class to a status and Problem Details type (`warden.entrypoints.http.problems.PROBLEMS`), the CLI to a message."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from warden.kernel.error_texts import read_detail
from warden.kernel.events import FieldError
from warden.kernel.i18n import Lang, Text


class WardenError(Exception):
    """`detail`: what went wrong, in English (logs, the CLI). `text` (with `params`): the same sentence in zh and en,
    which every edge renders in its reader's language (without one, `detail` is read by
    `warden.kernel.error_texts`: `said(lang)`)."""

    def __init__(
        self,
        detail: str,
        errors: list[FieldError] | None = None,
        *,
        text: Text | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []
        self.text = text
        self.params: dict[str, Any] = dict(params or {})
        self.extensions: dict[str, Any] = {}
        """Further members of the answer (Problem Details extensions: a refused application's `state` …)."""

    def said(self, lang: Lang) -> str:
        """The sentence in `lang`: its `text` rendered with `params`; else `detail`, in zh as
        `warden.kernel.error_texts.DETAILS` reads it (the English as it is when no pattern does)."""
        if self.text is not None:
            return self.text.render(lang, **self.params)
        if lang == "en":
            return self.detail
        return read_detail(self.detail) or self.detail


class InvalidInput(WardenError):
    pass


class NotFound(WardenError):
    pass


class Forbidden(WardenError):
    pass


class Conflict(WardenError):
    pass


class IdempotencyKeyReused(Conflict):
    """An `Idempotency-Key` sent again with a different request (issue 10, item 8).

    A replay with identical content is answered from the store; different content under a key already used is
    refused with 409 and nothing is stored. The problem names the key (`errors[0].field` is `Idempotency-Key`).
    """

    def __init__(self, key: str, differs: list[str]) -> None:
        """`differs` names the request fields whose values differ from the first request under `key`."""
        what = ", ".join(differs) or "the request"
        verb = "differs" if len(differs) <= 1 else "differ"
        super().__init__(
            f"Idempotency-Key {key!r} was already used for a different request ({what} {verb}); "
            "send the same request to replay it, or use a new key; nothing was stored",
            [FieldError(field="Idempotency-Key", message=f"already used with different {what}")]
            + [FieldError(field=f, message="differs from the first request under this key") for f in differs],
        )
        self.key = key


class DeliveryFailed(WardenError):
    """A message could not be handed to its gateway (a one-time code's SMS)."""


class Throttled(WardenError):
    """Too many attempts of something worth guessing (a one-time code's checks on one phone number): refused until
    `retry_after` seconds from now (≥ 1). The HTTP edge answers 429 with `Retry-After`."""

    def __init__(self, detail: str, retry_after: int, errors: list[FieldError] | None = None) -> None:
        super().__init__(detail, errors)
        self.retry_after = max(1, int(retry_after))
        self.extensions["retry_after"] = self.retry_after
