"""FastAPI dependencies: the application, the caller (bearer token), the language of human texts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar
from urllib.parse import quote

from fastapi import Depends, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from warden.app import App
from warden.enforcement.texts import Lang
from warden.entrypoints.http.problem_texts import lang_of as lang_of  # re-exported: routes read the language here
from warden.entrypoints.http.problems import Unauthorized
from warden.kernel.access import Principal, Role
from warden.kernel.errors import Forbidden


def get_warden(request: Request) -> App:
    """The application, with a policy version promoted by another process put in force first (issue 18). A
    blocking read: FastAPI runs it in the thread pool."""
    app: App = request.app.state.warden
    app.refresh_policy()
    return app


async def get_app(request: Request) -> App:
    """The application as it stands, with no read: for a route whose use case puts the policy in force itself,
    in its own transaction (ingest refreshes it before deciding, `pipeline.ingest`), and for `get_principal`. Async,
    so it costs no trip to the thread pool (issue 16: one decision's latency)."""
    app: App = request.app.state.warden
    return app


_bearer = HTTPBearer(auto_error=False, description="A token from `warden token create`.")


async def get_principal(
    request: Request,
    warden: Annotated[App, Depends(get_app)],
    creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The caller. The edge guard (`guard.EdgeGuard`) has already checked the token before the body was read and
    left the principal in the request's state; without the guard (a bare router in a test), it is checked here (in
    the thread pool: a read)."""
    checked = getattr(request.state, "principal", None)
    if isinstance(checked, Principal):
        return checked
    if creds is None:
        raise Unauthorized("send 'Authorization: Bearer <token>'; create one with `warden token create`")
    found = await run_in_threadpool(warden.tokens.check, creds.credentials)
    if isinstance(found, str):  # unknown, revoked, expired, or its person disabled: the sentence says which
        raise Unauthorized(found)
    return found


F = TypeVar("F", bound=Callable[..., Any])


def needs_caller(endpoint: F) -> F:
    """Mark a route that takes its caller with `principal_of` instead of `PrincipalDep`: the edge guard checks its
    token (and the caller's rate limits) before the body is read, as for a route with `PrincipalDep`
    (`guard.EdgeGuard`)."""
    endpoint.__dict__["warden_needs_caller"] = True
    return endpoint


async def principal_of(request: Request) -> Principal:
    """`get_principal` as a plain call, for a hot route that takes no dependencies (each costs FastAPI's dependency
    solving on the event loop: `POST /v1/events`, issue 16): the principal the edge guard left, else the bearer
    token checked here (in the thread pool), with `HTTPBearer`'s reading of the header."""
    checked = getattr(request.state, "principal", None)
    if isinstance(checked, Principal):
        return checked
    scheme, _, secret = request.headers.get("authorization", "").partition(" ")
    creds = HTTPAuthorizationCredentials(scheme=scheme, credentials=secret) if scheme.lower() == "bearer" else None
    return await get_principal(request, request.app.state.warden, creds if creds and secret else None)


async def get_lang(
    request: Request,
    lang: Annotated[Lang | None, Query(description="Language of human texts: zh (default) or en.")] = None,
) -> Lang:
    """`?lang=zh|en` (another value is a 422 naming `lang`), else `Accept-Language` (`problem_texts.lang_of`)."""
    return lang or lang_of(request.scope)


WardenDep = Annotated[App, Depends(get_warden)]
AppDep = Annotated[App, Depends(get_app)]
"""The application without the policy refresh of `WardenDep` (see `get_app`)."""
PrincipalDep = Annotated[Principal, Depends(get_principal)]
LangDep = Annotated[Lang, Depends(get_lang)]


def require(principal: Principal, *roles: Role) -> None:
    if principal.role not in roles:
        raise Forbidden(f"this needs one of the roles: {', '.join(r.value for r in roles)}")


def attachment(data: bytes, media_type: str, filename: str, sha256: str) -> Response:
    """An uploaded file served back (appeal documents, case evidence): always an attachment, never sniffed or
    rendered inline, not cached, with its SHA-256."""
    return Response(
        data,
        media_type=media_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}",
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Digest": f"sha-256={sha256}",
        },
    )
