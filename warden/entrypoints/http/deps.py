"""FastAPI dependencies: the application, the caller (bearer token), the language of human texts."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Query, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from warden.app import App
from warden.enforcement.texts import Lang
from warden.entrypoints.http.problem_texts import lang_of
from warden.entrypoints.http.problems import Unauthorized
from warden.kernel.access import Principal, Role
from warden.kernel.errors import Forbidden


def get_warden(request: Request) -> App:
    """The application, with a policy version promoted by another process put in force first (issue 18)."""
    app: App = request.app.state.warden
    app.refresh_policy()
    return app


_bearer = HTTPBearer(auto_error=False, description="A token from `warden token create`.")


def get_principal(
    request: Request,
    warden: Annotated[App, Depends(get_warden)],
    creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The caller. The edge guard (`guard.EdgeGuard`) has already checked the token before the body was read and
    left the principal in the request's state; without the guard (a bare router in a test), it is checked here."""
    checked = getattr(request.state, "principal", None)
    if isinstance(checked, Principal):
        return checked
    if creds is None:
        raise Unauthorized("send 'Authorization: Bearer <token>'; create one with `warden token create`")
    found = warden.tokens.check(creds.credentials)
    if isinstance(found, str):  # unknown, revoked, expired, or its person disabled: the sentence says which
        raise Unauthorized(found)
    return found


def get_lang(
    request: Request,
    lang: Annotated[Lang | None, Query(description="Language of human texts: zh (default) or en.")] = None,
) -> Lang:
    """`?lang=zh|en` (another value is a 422 naming `lang`), else `Accept-Language` (`problem_texts.lang_of`)."""
    return lang or lang_of(request.scope)


WardenDep = Annotated[App, Depends(get_warden)]
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
