"""A bounded schemathesis run over the whole API (issue 12, "how to show it"), on SQLite and PostgreSQL: zero server
errors.

Schemathesis reads `/openapi.json` and, for every operation, generates requests from the schema: `EXAMPLES`
valid ones (bodies, paths and queries that fit the schema: ids that exist or not, edge numbers, long and odd
strings) and `EXAMPLES` invalid ones (wrong types, values out of bounds, missing fields, no or a broken token),
with a platform token, against the ASGI app in process. Hypothesis is derandomised, so every run sends the same
requests: a failure names the operation and the request, and reruns the same. Every answer must be below 500.
"""

from __future__ import annotations

import warnings
from collections import Counter
from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from tests.conftest import World
from warden.app import App
from warden.entrypoints.http.app import create_app
from warden.kernel.access import Role
from warden.settings import Settings

EXAMPLES = 8
"""Requests per operation and generation mode (valid, invalid): 61 operations × 2 × 8 ≈ 1,000 requests per
database, about half a minute on SQLite."""
NO_LIMITS = Settings(rate_limit_writes="none", rate_limit_screenings="none", rate_limit_failed_auth="none")


def test_generated_requests_to_every_operation_never_get_a_server_error(world: World, warden: App) -> None:
    world.account("acc-2")
    world.enterprise("ent-2")
    _, secret = warden.tokens.create(Role.PLATFORM)
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(warden, NO_LIMITS))
    operations = [result.ok() for result in schema.get_all_operations()]
    statuses: Counter[int] = Counter()
    errors: list[str] = []
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                fuzz(operation, mode, {"Authorization": f"Bearer {secret}"}, statuses, errors)
            except Unsatisfiable:  # nothing invalid to send (GET /v1/ping takes no input)
                assert mode is GenerationMode.NEGATIVE, operation.label

    sent = sum(statuses.values())
    assert not errors, f"{len(errors)} of {sent} requests got a server error:\n" + "\n".join(errors)
    assert len(operations) >= 60 and sent >= len(operations) * EXAMPLES
    assert sum(n for status, n in statuses.items() if status // 100 == 2) > 0  # some requests got through
    assert statuses[422] > 0  # … and invalid ones were refused, naming the field


def fuzz(operation: Any, mode: GenerationMode, auth: dict[str, str], statuses: Counter[int], errors: list[str]) -> None:
    """Send `EXAMPLES` requests schemathesis generates for `operation` in `mode`; count each answer's status and
    keep a line for each server error."""

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def send(case: Any) -> None:
        with warnings.catch_warnings():  # the ASGI transport is starlette's TestClient, which warns
            warnings.simplefilter("ignore", UserWarning)
            try:
                r = case.call(headers=auth)
            except Exception as exc:  # the transport re-raises what the app did not handle: a 500 all the same
                statuses[500] += 1
                errors.append(f"{operation.label} ({mode.value}): {exc!r}\n  {case.as_curl_command()}")
                return
        statuses[r.status_code] += 1
        if r.status_code >= 500:
            errors.append(
                f"{operation.label} ({mode.value}): {r.status_code} {r.text[:300]}\n  {case.as_curl_command()}"
            )

    send()
