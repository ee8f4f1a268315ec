"""Errors as Problem Details (RFC 9457): `type`, `title`, `status`, `detail` and `errors` naming each field."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from warden.kernel.errors import (
    Conflict,
    DeliveryFailed,
    Forbidden,
    IdempotencyKeyReused,
    InvalidInput,
    NotFound,
    WardenError,
)
from warden.kernel.events import EVENT_TYPES

PROBLEM = "application/problem+json"


class Unauthorized(WardenError):
    """No bearer token, or one unknown or revoked (the edge's own error: the services never authenticate)."""


class MalformedJSON(WardenError):
    """A request body that is not JSON at all."""


PROBLEMS: dict[type[WardenError], tuple[int, str, str]] = {
    IdempotencyKeyReused: (
        409,
        "https://warden.dev/problems/idempotency-key-reused",
        "Idempotency-Key reused with a different request",
    ),
    Conflict: (409, "https://warden.dev/problems/conflict", "Conflict"),
    InvalidInput: (422, "https://warden.dev/problems/invalid-input", "Invalid input"),
    NotFound: (404, "https://warden.dev/problems/not-found", "Not found"),
    Forbidden: (403, "https://warden.dev/problems/forbidden", "Forbidden"),
    DeliveryFailed: (502, "https://warden.dev/problems/delivery-failed", "Delivery failed"),
    Unauthorized: (401, "https://warden.dev/problems/unauthorized", "Unauthorized"),
    MalformedJSON: (400, "https://warden.dev/problems/malformed-json", "Malformed JSON"),
    WardenError: (400, "about:blank", "Bad request"),
}
"""Each error class of the kernel → (status, Problem Details type, title); a subclass takes its nearest entry."""


def problem_of(exc: WardenError) -> tuple[int, str, str]:
    for cls in type(exc).__mro__:
        if cls in PROBLEMS:
            return PROBLEMS[cls]
    return PROBLEMS[WardenError]


def problem(
    status: int, title: str, detail: str, type_: str = "about:blank", errors: list[dict[str, str]] | None = None
) -> JSONResponse:
    body: dict[str, Any] = {"type": type_, "title": title, "status": status, "detail": detail}
    if errors:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=PROBLEM)


def _field(loc: tuple[Any, ...]) -> str:
    parts = [p for p in loc if p not in ("body", "query", "path", "header") and p not in EVENT_TYPES]
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "(body)"


def install(app: FastAPI) -> None:
    @app.exception_handler(WardenError)
    async def _warden(_: Request, exc: WardenError) -> JSONResponse:
        status, type_, title = problem_of(exc)
        return problem(status, title, exc.detail, type_, [e.model_dump() for e in exc.errors] or None)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = []
        malformed = False
        for err in exc.errors():
            if err.get("type") == "json_invalid":
                malformed = True
                errors.append(
                    {"field": "(body)", "message": f"malformed JSON: {err.get('ctx', {}).get('error', err['msg'])}"}
                )
                continue
            msg = err["msg"]
            if err.get("type") == "extra_forbidden":
                msg = "unknown field"
            elif err.get("type") == "union_tag_invalid":
                msg = f"unknown event type; expected one of: {', '.join(EVENT_TYPES)}"
            elif err.get("type") == "union_tag_not_found":
                msg = f"missing 'type'; expected one of: {', '.join(EVENT_TYPES)}"
            errors.append({"field": _field(tuple(err["loc"])), "message": msg})
        if malformed:
            return problem(
                400,
                "Malformed JSON",
                "the request body is not valid JSON; nothing was stored",
                "https://warden.dev/problems/malformed-json",
                errors,
            )
        return problem(
            422,
            "Invalid input",
            f"{len(errors)} problem(s) in the request; nothing was stored",
            "https://warden.dev/problems/invalid-input",
            errors,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return problem(exc.status_code, str(exc.detail), str(exc.detail))
