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
    """A `$ref` to a named component, or an array of them."""
    if "$ref" in schema:
        return True
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
