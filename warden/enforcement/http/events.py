"""Event intake: one event with its decision, or a batch of up to 1,000 (S-A1…S-A7, idempotent by id).

The hot path parses and validates the body in one pass (pydantic's `validate_json`) and writes the answer
with orjson; the OpenAPI document still carries the full request and response schemas.
"""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from warden.app import App
from warden.enforcement import access
from warden.enforcement.texts import CORE, Lang, Texts
from warden.enforcement.views import BatchOut, DecisionOut
from warden.entrypoints.http.deps import AppDep, LangDep, PrincipalDep, lang_of, needs_caller, principal_of
from warden.entrypoints.http.group_commit import GroupCommit
from warden.entrypoints.http.problems import MalformedJSON
from warden.kernel.decision import Decision
from warden.kernel.errors import InvalidInput, WardenError
from warden.kernel.events import MAX_BATCH, Event, EventAdapter, field_errors

router = APIRouter(prefix="/v1", tags=["events"])


class BatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a misspelt or unknown member is named, as in each event

    events: Annotated[list[Event], Field(min_length=1, max_length=MAX_BATCH, description=f"1 to {MAX_BATCH} events")]


_BATCH = TypeAdapter(BatchIn)
EXAMPLE = {
    "id": "evt-20261125-0001",
    "type": "contact_request",
    "occurred_at": "2026-11-25T08:00:00Z",
    "account_id": "acc-1001",
    "method": "phone_search",
    "target": "13800138000",
    "greeting": "您好，我是销售部的小王",
}


def render(o: Decision, lang: Lang, texts: Texts = CORE) -> dict[str, Any]:
    """A decision as `views.DecisionOut` reads (a dict: the hot path writes it with orjson)."""
    return {
        "event_id": o.event_id,
        "allowed": o.allowed,
        "duplicate": o.duplicate,
        "reasons": [r.as_dict() | {"text": texts.reason_text(r.code, r.params, lang)} for r in o.reasons],
    }


def _json(body: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type="application/json")


def _parse(adapter: TypeAdapter[Any], raw: bytes, prefix: str) -> Any:
    try:
        return adapter.validate_json(raw)
    except ValidationError as exc:
        errors = field_errors(exc, prefix)
        if any(e["type"] == "json_invalid" for e in exc.errors(include_url=False)):
            raise MalformedJSON(errors) from exc
        raise InvalidInput(f"{len(errors)} problem(s) in the request; nothing was stored", errors) from exc


def group_commit(request: Request) -> GroupCommit:
    """The app's queue of single events (made at the first one: a bare router in a test has none yet)."""
    state = request.app.state
    found: GroupCommit | None = getattr(state, "group_commit", None)
    if found is None:
        found = state.group_commit = GroupCommit(state.warden.pipeline)
    return found


def _body(schema: str, example: dict[str, Any] | None = None) -> dict[str, Any]:
    media: dict[str, Any] = {"schema": {"$ref": f"#/components/schemas/{schema}"}}
    if example:
        media["example"] = example
    return {"requestBody": {"required": True, "content": {"application/json": media}}}


@router.post(
    "/events",
    response_model=DecisionOut,
    status_code=201,
    responses={200: {"model": DecisionOut, "description": "The event was seen before; its first answer"}},
    openapi_extra=_body("Event", EXAMPLE) | {"security": [{"HTTPBearer": []}]},
)
@needs_caller
async def ingest_event(
    request: Request,
    lang: Annotated[Lang | None, Query(description="Language of human texts: zh (default) or en.")] = None,
) -> Response:
    """Ingest one event and answer at once: may this contact request go out, is this login allowed, and why.

    The same event id sent again is stored and counted once; the first answer is replayed with 200.
    """
    # No dependencies (`AppDep`, `PrincipalDep`, `LangDep`): solving them cost ~⅓ of the event loop's work per
    # request (issue 16); the same steps are plain calls here. The app as it stands, not `WardenDep`: ingest puts a
    # newly promoted policy in force inside its own transaction, before deciding (issue 18).
    warden: App = request.app.state.warden
    principal = await principal_of(request)
    lang = lang or lang_of(request.scope)
    raw = await request.body()
    try:  # the body is parsed only once the caller may send events (403 before 422)
        access.check_send_events(principal)
        # parsed here on the event loop (one pass, no thread), decided with the requests that arrive alongside it
        # in one transaction (group commit, issue 16: `entrypoints.http.group_commit`)
        result = await group_commit(request).ingest_events([_parse(EventAdapter, raw, "")], principal.actor)
    except WardenError as exc:  # one event, not a batch: name the body's own fields (`occurred_at`, not `events[0]…`)
        for e in exc.errors:
            e.field = e.field.removeprefix("events[0].").removeprefix("events[0]") or "(body)"
        raise
    out = result.outcomes[0]
    return _json(render(out, lang, warden.texts), 200 if out.duplicate else 201)


@router.post("/event-batches", response_model=BatchOut, openapi_extra=_body("BatchIn", {"events": [EXAMPLE]}))
async def ingest_batch(warden: AppDep, principal: PrincipalDep, lang: LangDep, request: Request) -> Response:
    """Ingest up to 1,000 events in one transaction: all are stored, or none (the errors name each field)."""
    raw = await request.body()
    result = await run_in_threadpool(warden.enforcement.ingest, principal, lambda: _parse(_BATCH, raw, "").events)
    return _json(
        {
            "stored": result.stored,
            "duplicates": result.duplicates,
            "policy_hash": warden.loaded.hash,
            "decisions": [render(o, lang, warden.texts) for o in result.outcomes],
        }
    )


def openapi_components() -> dict[str, Any]:
    """Schemas the two routes above reference (they parse their bodies themselves)."""
    schema = _BATCH.json_schema(ref_template="#/components/schemas/{model}")
    defs: dict[str, Any] = schema.pop("$defs", {})
    defs["BatchIn"] = schema
    event = EventAdapter.json_schema(ref_template="#/components/schemas/{model}")
    defs.update(event.pop("$defs", {}))
    defs["Event"] = event
    return defs
