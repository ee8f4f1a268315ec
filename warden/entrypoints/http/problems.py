"""Errors as Problem Details (RFC 9457): `type`, `title`, `status`, `detail` and `errors` naming each field."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException as StarletteHTTPException

from warden.entrypoints.http import problem_texts as texts
from warden.entrypoints.http.problem_texts import EDGE, lang_of
from warden.kernel.error_texts import field_message
from warden.kernel.errors import (
    Conflict,
    DeliveryFailed,
    Forbidden,
    IdempotencyKeyReused,
    InvalidInput,
    NotFound,
    Throttled,
    WardenError,
)
from warden.kernel.events import EVENT_TYPES, FieldError
from warden.kernel.i18n import Lang, Text

PROBLEM = "application/problem+json"
INVALID_INPUT = "https://warden.dev/problems/invalid-input"
UNAUTHORIZED = "https://warden.dev/problems/unauthorized"
MALFORMED_JSON = "https://warden.dev/problems/malformed-json"
SERVICE_UNAVAILABLE = "https://warden.dev/problems/service-unavailable"
DATABASE_RETRY_AFTER = 5
"""Seconds a client waits before retrying when the database cannot be reached (a restart or failover takes a few)."""
MAX_ERRORS = 100
"""At most this many `errors` in one problem; `errors_omitted` counts the rest (a body of 300,000 bad ids gets a
short answer, not a long one)."""
log = logging.getLogger("warden.http")


class ProblemField(BaseModel):
    field: str = Field(description="The field, in words a user understands (`body.statement`, `If-Match`, `code` …)")
    message: str


class Problem(BaseModel):
    """Every error the API sends (RFC 9457 Problem Details, `application/problem+json`)."""

    model_config = ConfigDict(extra="allow")
    type: str = Field(description="A URI naming the kind of problem (`https://warden.dev/problems/…`)")
    title: str
    status: int
    detail: str | None = None
    errors: list[ProblemField] | None = Field(None, description="422: each field and what is wrong with it")
    errors_omitted: int | None = Field(None, description="How many further `errors` were left out")


def _problem_example(status: int, type_: str, title: str, detail: str, **extra: Any) -> dict[str, Any]:
    return {
        "description": f"{title} (Problem Details)",
        "content": {
            PROBLEM: {
                "schema": {"$ref": "#/components/schemas/Problem"},
                "example": {"type": type_, "title": title, "status": status, "detail": detail, **extra},
            }
        },
    }


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: _problem_example(401, UNAUTHORIZED, "Unauthorized", "no bearer token, or one unknown, expired or revoked"),
    403: _problem_example(
        403, "https://warden.dev/problems/forbidden", "Forbidden", "this token does not cover that account"
    ),
    404: _problem_example(
        404, "https://warden.dev/problems/not-found", "Not found", "no appeal 'apl_0123456789abcdef'"
    ),
    409: _problem_example(
        409, "https://warden.dev/problems/conflict", "Conflict", "the appeal changed since you read it (version 3)"
    ),
    422: _problem_example(
        422,
        INVALID_INPUT,
        "Invalid input",
        "1 problem(s) in the request; nothing was stored",
        errors=[{"field": "statement", "message": "at least 1 character"}],
    ),
    429: _problem_example(
        429,
        "https://warden.dev/problems/too-many-attempts",
        "Too many attempts",
        "too many requests from this token; try again in 30 s",
    ),
    503: _problem_example(
        503,
        SERVICE_UNAVAILABLE,
        "Service unavailable",
        "the database cannot be reached right now; nothing was stored; retry after 5 s",
    ),
}
"""The errors every `/v1` route may answer, as the Problem Details actually sent (`create_app` gives them to each
`/v1` router; a route's own `responses=` for a status wins, e.g. unblocking's 429 with `retry_after`)."""


def problem_components() -> dict[str, Any]:
    """The `Problem` schema (and what it names) for `components.schemas` of `/openapi.json`."""
    schema = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    defs = schema.pop("$defs", {})
    return {"Problem": schema, **defs}


def problem_content(schema: dict[str, Any]) -> None:
    """Every 4xx/5xx answer of a `/v1` route is sent as `application/problem+json`: say so in `schema` (a route's own
    error model, e.g. `RateLimited`, moves there from `application/json`; one without a body gets `Problem`)."""
    for path, ops in schema.get("paths", {}).items():
        if not path.startswith("/v1/"):
            continue
        for op in ops.values():
            for status, resp in op.get("responses", {}).items():
                if status[:1] not in ("4", "5"):
                    continue
                content = resp.setdefault("content", {})
                if "application/json" in content:
                    content.setdefault(PROBLEM, content.pop("application/json"))
                content.setdefault(PROBLEM, {"schema": {"$ref": "#/components/schemas/Problem"}})


class Unauthorized(WardenError):
    """No bearer token, or one unknown or revoked (the edge's own error: the services never authenticate)."""


class MalformedJSON(WardenError):
    """A request body that is not JSON at all: `errors` say where it broke; the sentence is `EDGE["malformed_json"]`,
    in the request's language."""

    def __init__(self, errors: list[FieldError] | None = None) -> None:
        super().__init__(EDGE["malformed_json"].en, errors, text=EDGE["malformed_json"])


PROBLEMS: dict[type[WardenError], tuple[int, str, str]] = {
    IdempotencyKeyReused: (
        409,
        "https://warden.dev/problems/idempotency-key-reused",
        "Idempotency-Key reused with a different request",
    ),
    Conflict: (409, "https://warden.dev/problems/conflict", "Conflict"),
    InvalidInput: (422, INVALID_INPUT, "Invalid input"),
    NotFound: (404, "https://warden.dev/problems/not-found", "Not found"),
    Forbidden: (403, "https://warden.dev/problems/forbidden", "Forbidden"),
    Throttled: (429, "https://warden.dev/problems/too-many-attempts", "Too many attempts"),
    DeliveryFailed: (502, "https://warden.dev/problems/delivery-failed", "Delivery failed"),
    Unauthorized: (401, UNAUTHORIZED, "Unauthorized"),
    MalformedJSON: (400, MALFORMED_JSON, "Malformed JSON"),
    WardenError: (400, "https://warden.dev/problems/bad-request", "Bad request"),
}
"""Each error class of the kernel → (status, Problem Details type, title); a subclass takes its nearest entry."""


def problem_of(exc: WardenError) -> tuple[int, str, str]:
    for cls in type(exc).__mro__:
        if cls in PROBLEMS:
            return PROBLEMS[cls]
    return PROBLEMS[WardenError]


PROBLEM_BASE = "https://warden.dev/problems/"


def type_of(status: int) -> str:
    """The Problem Details type of an answer no kernel error names (routing's 404 and 405, the metrics page's 403):
    warden's own, from the status's phrase (`405` → `…/problems/method-not-allowed`), never `about:blank`, so a
    client tells every refusal by one scheme. 403 and 404 give the same types as `Forbidden` and `NotFound`."""
    phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "error"
    return PROBLEM_BASE + phrase.lower().replace(" ", "-").replace("'", "")


def problem(
    status: int,
    title: str,
    detail: str | Text,
    type_: str | None = None,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
    extensions: dict[str, Any] | None = None,
    *,
    lang: Lang,
    params: Mapping[str, Any] | None = None,
) -> JSONResponse:
    """A Problem Details response in the request's language `lang` (`problem_texts.lang_of`): its `title`, and its
    `detail` — a `Text` rendered with `params`, or an English sentence read by `problem_texts.detail`. `errors` name
    each field (`{field, message}`), at most `MAX_ERRORS` of them; `extensions` are further members (RFC 9457 §3.2:
    a 429's `limit` and `retry_after`); `type_` defaults to `type_of(status)`."""
    said = detail.render(lang, **(params or {})) if isinstance(detail, Text) else texts.detail(status, detail, lang)
    body: dict[str, Any] = {
        "type": type_ or type_of(status),
        "title": texts.title(title, lang),
        "status": status,
        "detail": said,
        **(extensions or {}),
    }
    if errors:
        body["errors"] = [
            {**e, "message": field_message(e["message"], lang)} if "message" in e else e for e in errors[:MAX_ERRORS]
        ]
        if len(errors) > MAX_ERRORS:
            body["errors_omitted"] = len(errors) - MAX_ERRORS
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def database_away(exc: BaseException, scope: Mapping[str, Any]) -> JSONResponse | None:
    """The 503 for a database that cannot be reached or is busy (a restart, a failover, SQLite's writer lock held
    too long): `Retry-After`, in the request's language; nothing was stored, since no transaction committed. None
    for any other error, a SQLite schema error (`no such table …`) among them: no retry mends those (a 500). Used
    by the routes' handler and by the edge (`guard`), which reads tokens before any route runs."""
    if not isinstance(exc, sa_exc.OperationalError | sa_exc.InterfaceError):
        return None
    if str(getattr(exc, "orig", "")).startswith("no such "):
        return None
    log.warning("database unavailable on %s %s: %s", scope.get("method"), scope.get("path"), type(exc).__name__)
    return problem(
        503,
        "Service unavailable",
        EDGE["database_unavailable"],
        SERVICE_UNAVAILABLE,
        headers={"Retry-After": str(DATABASE_RETRY_AFTER)},
        lang=lang_of(scope),
        params={"retry_after": DATABASE_RETRY_AFTER},
    )


def _line_column(doc: Any, pos: Any) -> str:
    """` at line L column C` of character `pos` in the JSON text `doc`, or "" when either is unknown."""
    if not isinstance(doc, str | bytes) or not isinstance(pos, int):
        return ""
    text = doc if isinstance(doc, str) else doc.decode("utf-8", "replace")
    line = text.count("\n", 0, pos) + 1
    return f" at line {line} column {pos - (text.rfind(chr(10), 0, pos) + 1) + 1} (character {pos})"


def _field(loc: tuple[Any, ...]) -> str:
    parts = [p for p in loc if p not in ("body", "query", "path", "header") and p not in EVENT_TYPES]
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "(body)"


def _allowed(request: Request) -> str:
    """Every method some route takes at this path (Starlette's own `Allow` names only the first route's)."""
    methods: set[str] = set()
    for rc in iter_route_contexts(request.app.router.routes):  # as mounted (an included router's prefix too)
        regex, allowed = getattr(rc, "path_regex", None), getattr(rc, "methods", None)
        if regex is not None and allowed and regex.match(request.url.path):
            methods |= set(allowed)
    return ", ".join(sorted(methods))


def install(app: FastAPI) -> None:
    @app.exception_handler(WardenError)
    async def _warden(request: Request, exc: WardenError) -> JSONResponse:
        status, type_, title = problem_of(exc)
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        if isinstance(exc, Throttled):
            headers = {"Retry-After": str(exc.retry_after)}
        errors = [e.model_dump() for e in exc.errors] or None
        detail = exc.text if exc.text is not None else exc.detail
        lang = lang_of(request.scope)
        return problem(
            status, title, detail, type_, errors, headers, exc.extensions or None, lang=lang, params=exc.params
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = []
        malformed = False
        for err in exc.errors():
            if err.get("type") == "json_invalid":
                malformed = True
                where = _line_column(exc.body, err["loc"][-1] if err.get("loc") else None)
                why = err.get("ctx", {}).get("error", err["msg"])
                errors.append({"field": "(body)", "message": f"malformed JSON{where}: {why}"})
                continue
            if err.get("type") == "value_error" and "error" in err.get("ctx", {}):
                errors.append({"field": _field(tuple(err["loc"])), "message": str(err["ctx"]["error"])})
                continue
            msg = err["msg"]
            if err.get("type") == "extra_forbidden":
                msg = "unknown field"
            elif err.get("type") == "union_tag_invalid":
                msg = f"unknown event type; expected one of: {', '.join(EVENT_TYPES)}"
            elif err.get("type") == "union_tag_not_found":
                msg = f"missing 'type'; expected one of: {', '.join(EVENT_TYPES)}"
            errors.append({"field": _field(tuple(err["loc"])), "message": msg})
        lang = lang_of(request.scope)
        if malformed:
            return problem(400, "Malformed JSON", EDGE["malformed_json"], MALFORMED_JSON, errors, lang=lang)
        return problem(
            422,
            "Invalid input",
            EDGE["invalid_request"],
            INVALID_INPUT,
            errors,
            lang=lang,
            params={"count": len(errors)},
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        """Routing's own answers (404, 405 with its `Allow` header) as Problem Details, headers kept."""
        title = HTTPStatus(exc.status_code).phrase if exc.status_code in HTTPStatus._value2member_map_ else "Error"
        detail: str | Text = str(exc.detail)
        headers, params = dict(exc.headers or {}), {"path": request.url.path}
        if exc.status_code == 405:
            headers["Allow"] = _allowed(request) or headers.get("Allow", "")
            detail, params = EDGE["method_not_allowed"], {"allow": headers["Allow"]}
        elif exc.status_code == 404 and detail == "Not Found":  # routing's: no route takes the path
            detail = EDGE["no_route"]
        lang = lang_of(request.scope)
        if exc.status_code == 400 and detail == "There was an error parsing the body":  # FastAPI's: not UTF-8
            errors = [{"field": "(body)", "message": "not text in UTF-8, so not JSON"}]
            return problem(400, "Malformed JSON", EDGE["malformed_json"], MALFORMED_JSON, errors, lang=lang)
        return problem(exc.status_code, title, detail, headers=headers or None, lang=lang, params=params)

    @app.exception_handler(sa_exc.OperationalError)
    @app.exception_handler(sa_exc.InterfaceError)
    async def _database_away(request: Request, exc: Exception) -> JSONResponse:
        away = database_away(exc, request.scope)
        return away if away is not None else await _server_error(request, exc)

    @app.exception_handler(Exception)
    async def _server_error(request: Request, exc: Exception) -> JSONResponse:
        """Anything unforeseen: a 500 in Problem Details, saying nothing of the internals (the log has them)."""
        log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        return problem(
            500,
            "Internal Server Error",
            EDGE["internal"],
            "https://warden.dev/problems/internal-error",
            lang=lang_of(request.scope),
        )
