"""The edge's guard, in front of every route: authenticate before reading a body, cap every body, refuse control
characters. One ASGI middleware (`EdgeGuard`, installed by `create_app`), generic over the route table.

For each HTTP request, in this order:

0. **Which route.** A request no route takes (404, 405) goes straight to the app, which answers without reading
   the body.
1. **Who is calling.** If the route needs a caller (its dependencies include `deps.get_principal`), the bearer
   token is checked from the headers alone: none, or an unknown, revoked or expired one (or one whose person is
   disabled), is a 401 saying which, and the body is never read. The checks of requests that arrive while others
   are being checked are done together in one trip to a worker thread (`gather.Gather`), one read per distinct
   token, begun after all of them arrived (so a revocation still holds from the next request on). The principal
   is kept in the request's state, so `get_principal` does not look it up a second time.
   **How often** (`throttle.Throttle`): failed authentications are budgeted per client address (a valid token is
   checked first and never refused by that budget: behind a NAT, one guesser must not lock out everyone), and a caller's
   requests per principal (its route's own budget, its writes); a request over a budget is a 429 with
   `Retry-After`, before the body is read.
2. **Path and query.** A control character in the path or in a query parameter (`?status=%00`) is a 422 naming
   the parameter (the rule of `warden.kernel.inputs`).
3. **How big.** A body over the limit is a 413 naming the limit: at once when `Content-Length` says so (nothing
   is read), otherwise as soon as the bytes counted while they stream in pass it (reading stops there). The limit
   is `Limits.upload_bytes` for `multipart/form-data` (file uploads) and `Limits.body_bytes` for any other body.
4. **What the JSON says.** A control character in any string of a JSON body, keys included, is a 422 naming the
   field (`events[3].greeting`, `departments.sales[0]`). JSON can only carry one escaped (`\\u0000`, `\\b`, `\\f`)
   or as a raw DEL, so one scan of the raw bytes finds candidates and only then is the body parsed to name them.

Then the route runs on the buffered body. Responses are Problem Details like every other error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import orjson
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from limits.errors import StorageError
from sqlalchemy import exc as sa_exc
from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from warden.enforcement.tokens import Tokens
from warden.entrypoints.http.deps import get_principal
from warden.entrypoints.http.gather import Gather
from warden.entrypoints.http.problem_texts import EDGE, lang_of
from warden.entrypoints.http.problems import INVALID_INPUT, UNAUTHORIZED, database_away, problem
from warden.entrypoints.http.throttle import Refusal, Throttle, unavailable
from warden.kernel.access import Principal
from warden.kernel.i18n import Lang, Text
from warden.kernel.inputs import CONTROL_MESSAGE, control_in, first_control
from warden.settings import Settings

MiB = 1024 * 1024

# an escaped C0 control other than tab (\u0009), newline (\u000a) and carriage return (\u000d), \b, \f, or a raw DEL:
# a superset is fine (an escaped backslash before `b`), it only decides whether the body is parsed and walked
_CANDIDATE = re.compile(rb"\\u00(?:0[0-8bBcCeEfF]|1[0-9a-fA-F])|\\u007[fF]|\\[bf]|\x7f")


@dataclass(frozen=True)
class Limits:
    """The most bytes of a request body the server reads (`WARDEN_HTTP_MAX_BODY_BYTES`,
    `WARDEN_HTTP_MAX_UPLOAD_BYTES`)."""

    body_bytes: int = 8 * MiB
    upload_bytes: int = 16 * MiB

    @classmethod
    def of(cls, settings: Settings) -> Limits:
        return cls(settings.http_max_body_bytes, settings.http_max_upload_bytes)


class _Refused(Exception):
    def __init__(self, response: JSONResponse) -> None:
        self.response = response


def _control(field: str, char: str, lang: Lang) -> _Refused:
    """A control character `char` (`U+0000`) in `field`: a 422 naming it."""
    message = CONTROL_MESSAGE.format(char)
    return _Refused(
        problem(
            422,
            "Invalid input",
            EDGE["control"],
            INVALID_INPUT,
            [_err(field, message)],
            lang=lang,
            params={"field": field, "char": char},
        )
    )


def _err(field: str, message: str) -> dict[str, str]:
    return {"field": field, "message": message}


_UNSEEN = object()


def _needs_caller(route: APIRoute) -> bool:
    def walk(dependant: Any) -> bool:
        return any(d.call is get_principal or walk(d) for d in dependant.dependencies)

    return bool(getattr(route.endpoint, "warden_needs_caller", False)) or walk(route.dependant)


@dataclass(frozen=True)
class _Admission:
    """What `EdgeGuard._admit` needs of one request."""

    tokens: Tokens
    secret: str
    address: str
    method: str
    template: str


class EdgeGuard:
    """The middleware (see the module docstring). `limits` caps the bodies; `throttle` keeps the rate limits."""

    def __init__(self, app: ASGIApp, limits: Limits, throttle: Throttle) -> None:
        self.app = app
        self.limits = limits
        self.throttle = throttle
        self._routes: list[tuple[re.Pattern[str], frozenset[str], bool, str]] | None = None
        # (method, path) → what `_route` found, for routes without path parameters (`POST /v1/events`): the regexes
        # of every route are not tried again on each request
        self._seen: dict[tuple[str, str], tuple[bool, str, re.Pattern[str]] | None] = {}
        self._admissions: Gather[_Admission, tuple[Principal | Refusal | None, str]] = Gather(self._admit)

    def _admit(self, group: list[_Admission]) -> list[tuple[Principal | Refusal | None, str] | Exception]:
        """Each request of `group` in arrival order: its token looked up (one read per distinct secret: the group
        arrived before the read began, so a revocation committed before any of them arrived is seen) under the
        address's budget of failed authentications, then its principal's budgets. Its principal, a refusal, or
        None with why the token is refused."""
        seen: dict[str, Principal | str] = {}
        out: list[tuple[Principal | Refusal | None, str] | Exception] = []
        for a in group:
            why: list[str] = []

            def check(a: _Admission = a, why: list[str] = why) -> Principal | None:
                found = seen.get(a.secret)
                if found is None:
                    found = seen[a.secret] = a.tokens.check(a.secret)
                if isinstance(found, str):  # unknown, revoked, expired, or its person disabled: the sentence says
                    why.append(found)
                    return None
                return found

            try:
                got = self.throttle.authenticate(a.address, check, a.tokens.plausible(a.secret))
                if isinstance(got, Principal):
                    got = self.throttle.request(got, a.method, a.template) or got
                out.append((got, why[0] if why else ""))
            except Exception as exc:  # the budgets' store (StorageError) or the lookup failed: this request's error
                out.append(exc)
        return out

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        route = self._route(scope)
        if route is None:  # no route takes it (404, 405): the app answers without reading the body
            await self.app(scope, receive, send)
            return
        needs_caller, template, regex = route
        headers = Headers(scope=scope)
        lang = lang_of(scope)
        try:
            if needs_caller:
                await self._authenticate(scope, headers, template, lang)
            _check_path_and_query(scope, regex, lang)
            body = await self._read(headers, receive, lang)
            if body:
                _check_json(headers, body, lang)
        except _Refused as refused:
            await refused.response(scope, receive, send)
            return
        except (sa_exc.OperationalError, sa_exc.InterfaceError) as exc:  # reading the token: the database is away
            away = database_away(exc, scope)
            if away is None:
                raise
            await away(scope, receive, send)
            return
        await self.app(scope, _replay(body, receive), send)

    def _route(self, scope: Scope) -> tuple[bool, str, re.Pattern[str]] | None:
        """Whether the route this request goes to needs a caller, its path template (`/v1/appeals/{appeal_id}`) and
        the template's regex (a group per path parameter); None when no route takes it (404, 405)."""
        if self._routes is None:
            app: FastAPI = scope["app"]
            self._routes = [  # as mounted: a router included in another (moderation under /v1) has its prefix
                (rc.path_regex, frozenset(rc.methods or ()), _needs_caller(rc.original_route), rc.path or "")
                for rc in iter_route_contexts(app.router.routes)
                if isinstance(rc.original_route, APIRoute)
            ]
        path, method = _route_path(scope), scope["method"]
        seen = self._seen.get((method, path), _UNSEEN)
        if seen is not _UNSEEN:
            return seen  # type: ignore[return-value]
        matched = [(needs, t, r) for r, methods, needs, t in self._routes if method in methods and r.match(path)]
        found = (any(needs for needs, _, _ in matched), matched[0][1], matched[0][2]) if matched else None
        if found is not None and found[1] == path:  # a route without path parameters: one path each (issue 16)
            self._seen[(method, path)] = found
        return found

    async def _authenticate(self, scope: Scope, headers: Headers, template: str, lang: Lang) -> None:
        """The caller, under the throttle's budgets: 401 for no token or a bad one, 429 over a budget."""
        scheme, _, secret = headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise _Refused(_unauthorized(EDGE["no_token"], lang))
        address = (scope.get("client") or ("unknown", 0))[0]
        tokens = scope["app"].state.warden.tokens
        try:  # one trip to a thread for the requests arriving together: the lookups and the budgets
            found, why = await self._admissions.submit(
                _Admission(tokens, secret.strip(), address, scope["method"], template)
            )
        except StorageError as exc:  # the budgets fail closed
            raise _Refused(unavailable(exc, lang)) from exc
        if isinstance(found, Refusal):
            raise _Refused(found.response(lang))
        if found is None:
            raise _Refused(_unauthorized(why or "the token is unknown or revoked", lang))
        scope.setdefault("state", {})["principal"] = found

    async def _read(self, headers: Headers, receive: Receive, lang: Lang) -> bytes:
        upload = headers.get("content-type", "").lower().startswith("multipart/form-data")
        limit = self.limits.upload_bytes if upload else self.limits.body_bytes
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise _Refused(_too_large(limit, upload, lang))
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away: nothing to answer
                raise _Refused(problem(400, "Bad request", EDGE["disconnected"], lang=lang))
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise _Refused(_too_large(limit, upload, lang))
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)


def _unauthorized(detail: str | Text, lang: Lang) -> JSONResponse:
    return problem(401, "Unauthorized", detail, UNAUTHORIZED, headers={"WWW-Authenticate": "Bearer"}, lang=lang)


_BODY_WORDS = {
    (True, "en"): "a file upload (multipart/form-data)",
    (False, "en"): "a request body",
    (True, "zh"): "上传的文件（multipart/form-data）",
    (False, "zh"): "请求体",
}


def _too_large(limit: int, upload: bool, lang: Lang) -> JSONResponse:
    setting = "WARDEN_HTTP_MAX_UPLOAD_BYTES" if upload else "WARDEN_HTTP_MAX_BODY_BYTES"
    return problem(
        413,
        "Content too large",
        EDGE["too_large"],
        "https://warden.dev/problems/content-too-large",
        [_err("(body)", f"at most {limit} bytes")],
        lang=lang,
        params={"what": _BODY_WORDS[upload, lang], "limit": limit, "mib": f"{limit / MiB:g}", "setting": setting},
    )


def _route_path(scope: Scope) -> str:
    """The request's path below the app's root path (what the routes' regexes match)."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path


def _check_path_and_query(scope: Scope, regex: re.Pattern[str], lang: Lang) -> None:
    """A control character in the path is a 422 naming the path parameter holding it (`account_id`, by the route's
    `regex`; `(path)` for one outside every parameter), in a query parameter naming it (`(query)` in a name)."""
    bad = control_in(scope["path"])
    if bad is not None:
        m = regex.match(_route_path(scope))
        held = [name for name, value in (m.groupdict() if m else {}).items() if control_in(value or "") is not None]
        raise _control(held[0] if held else "(path)", bad, lang)
    query = scope.get("query_string", b"").decode("latin-1")
    for key, value in parse_qsl(query, keep_blank_values=True, errors="replace"):
        bad = control_in(key) or control_in(value)
        if bad is not None:
            raise _control(key if control_in(key) is None else "(query)", bad, lang)


def _check_json(headers: Headers, body: bytes, lang: Lang) -> None:
    if headers.get("content-type", "").lower().startswith("multipart/") or not _CANDIDATE.search(body):
        return
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError:
        return  # the route names where the JSON broke
    found = first_control(doc)
    if found is not None:
        raise _control(found[0] or "(body)", found[1], lang)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A `receive` that gives the buffered body once, then whatever the client sends next (a disconnect)."""
    given = False

    async def replay() -> Message:
        nonlocal given
        if not given:
            given = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
