"""Hostile values in every path and query parameter of every route (polish22), on SQLite and PostgreSQL: each is a
4xx, never a 500; a refusal names the parameter (`account_id`, `status`), never `(path)`, in zh and in en. The routes
and their parameters are read from the app, so a new route is covered the day it is added."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts

from tests.api_support import TestClient, desk_on_disk, serving
from tests.conftest import World
from warden.app import App
from warden.kernel.access import Role
from warden.settings import Settings

UNLIMITED = Settings(rate_limit_screenings="none", rate_limit_writes="none", rate_limit_failed_auth="none")

CONTROLS = {"nul": "a%00b", "escape": "a%1B[31m"}
"""Control characters: the edge's rule (`kernel.inputs`), a 422 naming the parameter whatever the route."""
HOSTILE = {
    **CONTROLS,
    "over-long": "x" * 5000,
    "rtl-mark": "%E2%80%AEabc",
    "percent-00 as text": "%2500",
    "arabic-indic digits": "%D9%A1%D9%A2%D9%A3",
    "fullwidth digits": "%EF%BC%91%EF%BC%92",
    "beyond any column": "9" * 40,
    "minus": "-1",
}
_HAN = re.compile(r"[\u3400-\u9fff]")


@pytest.fixture
def client(world: World, warden: App, tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str]]]:
    desk_on_disk(warden, tmp_path / "docs")
    with serving(warden, {"platform": warden.tokens.create(Role.PLATFORM)[1]}, UNLIMITED) as api:
        yield api.c, api.h("platform")


def _routes(app: FastAPI) -> list[tuple[str, str, APIRoute]]:
    out: list[tuple[str, str, APIRoute]] = []
    for rc in iter_route_contexts(app.router.routes):  # as mounted: an included router's prefix too
        path, route = rc.path or "", rc.original_route
        if isinstance(route, APIRoute) and path.startswith("/v1/"):
            out += [(m, path, route) for m in sorted(route.methods or ())]
    return out


def _query_params(dependant: Any) -> set[str]:
    """The query parameters a route reads, its dependencies' included."""
    return {q.alias for q in dependant.query_params}.union(*(_query_params(d) for d in dependant.dependencies))


def _harmless(field: Any) -> str:
    """A value the path parameter `field` takes (so that only the hostile one is refused)."""
    kind = field.field_info.annotation
    if get_origin(kind) is Literal:
        return str(get_args(kind)[0])
    return "1" if kind is int else ("ent-1" if "enterprise" in field.name else "x1")


def _filled(template: str, route: APIRoute, name: str = "", value: str = "") -> str:
    path = template
    for f in route.dependant.path_params:
        path = path.replace("{" + f.name + "}", value if f.name == name else _harmless(f))
    return path


def _check(r: Any, param: str, what: str, lang: str, answered: bool = False) -> None:
    """A 4xx (a 2xx too when `answered`: free text a query may search for), never a 5xx; a 422 names no `(path)` or
    `(query)` and is in zh for zh."""
    assert r.status_code < 500 and (answered or r.status_code >= 400), (what, r.status_code, r.text[:300])
    if r.status_code >= 400:
        problem = r.json()
        fields = [e["field"] for e in problem.get("errors", [])]
        assert "(path)" not in fields and "(query)" not in fields, (what, problem)
        assert (_HAN.search(problem["detail"]) is not None) == (lang == "zh"), (what, problem)


def test_every_path_parameter_refuses_hostile_values_naming_it(client: tuple[TestClient, dict[str, str]]) -> None:
    c, headers = client
    checked = 0
    for method, template, route in _routes(c.app):  # type: ignore[arg-type]
        for param in route.param_convertors:
            for kind, value in HOSTILE.items():
                for lang in ("zh", "en"):
                    what = f"{method} {template} {param}={kind} lang={lang}"
                    r = c.request(method, f"{_filled(template, route, param, value)}?lang={lang}", headers=headers)
                    _check(r, param, what, lang)
                    if kind in CONTROLS:
                        assert r.status_code == 422, (what, r.text)
                        assert [e["field"] for e in r.json()["errors"]] == [param], (what, r.text)
                    elif r.status_code == 422 and method == "GET":
                        assert param in [e["field"] for e in r.json()["errors"]], (what, r.text)
                    checked += 1
    assert checked > 500


def test_every_query_parameter_refuses_hostile_values_naming_it(client: tuple[TestClient, dict[str, str]]) -> None:
    c, headers = client
    checked = 0
    for method, template, route in _routes(c.app):  # type: ignore[arg-type]
        names = _query_params(route.dependant) - {"lang"}
        for param in sorted(names):
            for kind, value in HOSTILE.items():
                for lang in ("zh", "en"):
                    what = f"{method} {template} ?{param}={kind} lang={lang}"
                    r = c.request(method, f"{_filled(template, route)}?lang={lang}&{param}={value}", headers=headers)
                    _check(r, param, what, lang, answered=True)
                    if kind in CONTROLS:
                        assert r.status_code == 422, (what, r.text)
                        assert [e["field"] for e in r.json()["errors"]] == [param], (what, r.text)
                    checked += 1
    assert checked > 100
