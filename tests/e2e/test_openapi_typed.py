"""Every answer of the API is described (issue 11): each 2xx JSON response of every `/v1` route has a named schema."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import T0, build
from warden.entrypoints.http.app import create_app
from warden.kernel.clock import FixedClock


@pytest.fixture(scope="module")
def openapi(sqlite_url: str) -> dict[str, Any]:
    w = build(sqlite_url, FixedClock(T0))
    try:
        return create_app(w).openapi()
    finally:
        w.engine.dispose()


def _named(schema: dict[str, Any]) -> bool:
    """A `$ref` to a named component, an array of them, or one of several (an answer that depends on the caller)."""
    if "$ref" in schema:
        return True
    if "anyOf" in schema or "oneOf" in schema:
        return all(_named(s) for s in schema.get("anyOf", schema.get("oneOf", [])))
    return schema.get("type") == "array" and "$ref" in schema.get("items", {})


def untyped(doc: dict[str, Any]) -> list[str]:
    """`METHOD /path STATUS` of every 2xx JSON response of a `/v1` route without a named schema."""
    out = []
    for path, ops in doc["paths"].items():
        if not path.startswith("/v1/"):
            continue
        for method, op in ops.items():
            for status, resp in op.get("responses", {}).items():
                if not status.startswith("2"):
                    continue
                schema = resp.get("content", {}).get("application/json", {}).get("schema")
                if schema is not None and not _named(schema):
                    out.append(f"{method.upper()} {path} {status}")
    return sorted(out)


def test_every_v1_json_answer_has_a_named_schema(openapi: dict[str, Any]) -> None:
    assert {"/v1/appeals/{appeal_id}", "/v1/unblocks/{app_id}", "/v1/review-queue"} <= set(openapi["paths"])
    offenders = untyped(openapi)
    assert offenders == [], "untyped answers:\n" + "\n".join(offenders)


ERRORS = ("401", "403", "404", "409", "422", "429")
MAIN_BODIES = [  # the main routes carry an example of what to send (issue 14)
    ("post", "/v1/appeals"),
    ("post", "/v1/appeals/{appeal_id}/decision"),
    ("post", "/v1/unblocks/{app_id}/verification"),
    ("post", "/v1/unblocks/{app_id}/helpers"),
    ("put", "/v1/enterprises/{enterprise_id}/usage-policy"),
    ("post", "/v1/cases/{case_id}/outcome"),
    ("post", "/v1/cases/{case_id}/outcome-reversal"),
    ("post", "/v1/screenings"),
    ("post", "/v1/event-batches"),
]


def test_every_v1_route_documents_its_errors_as_the_problem_json_it_sends(openapi: dict[str, Any]) -> None:
    """Issue 14: 401/403/404/409/422/429 on every /v1 route, each `application/problem+json` with a schema (the
    shared `Problem`, or a route's own such as unblocking's `RateLimited`); FastAPI's `HTTPValidationError`, which
    the API never sends, is gone."""
    problem = openapi["components"]["schemas"]["Problem"]
    assert {"type", "title", "status"} <= set(problem["required"])
    assert "HTTPValidationError" not in openapi["components"]["schemas"]
    missing, wrong = [], []
    for path, ops in openapi["paths"].items():
        if not path.startswith("/v1/"):
            continue
        for method, op in ops.items():
            missing += [f"{method.upper()} {path} {s}" for s in ERRORS if s not in op["responses"]]
            for status, resp in op["responses"].items():
                if status[0] in "45" and (set(resp.get("content", {})) != {"application/problem+json"}):
                    wrong.append(f"{method.upper()} {path} {status}: {sorted(resp.get('content', {}))}")
    assert missing == [] and wrong == [], (missing[:10], wrong[:10])
    e422 = openapi["paths"]["/v1/appeals"]["post"]["responses"]["422"]["content"]["application/problem+json"]
    assert e422["schema"] == {"$ref": "#/components/schemas/Problem"} and e422["example"]["errors"][0]["field"]


def test_the_main_routes_carry_examples(openapi: dict[str, Any]) -> None:
    schemas = openapi["components"]["schemas"]
    bare = []
    for method, path in MAIN_BODIES:
        body = openapi["paths"][path][method]["requestBody"]["content"]["application/json"]
        name = body["schema"].get("$ref", "").rsplit("/", 1)[-1]
        if not ("example" in body or "examples" in body or schemas.get(name, {}).get("examples")):
            bare.append(f"{method.upper()} {path}")
    assert bare == []


def test_a_real_422_and_403_match_the_documented_problem(openapi: dict[str, Any], sqlite_url: str) -> None:
    from fastapi.testclient import TestClient

    from warden.entrypoints.http.problems import Problem
    from warden.kernel.access import Role

    w = build(sqlite_url, FixedClock(T0))
    try:
        member = {"Authorization": f"Bearer {w.tokens.create(Role.AUDITOR)[1]}"}
        with TestClient(create_app(w)) as client:
            bad = client.post("/v1/appeals", json={"strike_id": ""}, headers=member)
            assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")
            Problem.model_validate(bad.json())
            denied = client.post("/v1/appeals/apl_x/notes", json={"text": "x"}, headers=member)
            assert denied.status_code == 403
            Problem.model_validate(denied.json())
            assert client.get("/v1/review-queue").status_code == 401
    finally:
        w.engine.dispose()
