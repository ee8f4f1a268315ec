"""Liveness (also the no-op baseline of the latency benchmark) and the policy in force."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from warden.entrypoints.http.deps import PrincipalDep, WardenDep

router = APIRouter(tags=["system"])


@router.get("/v1/ping")
def ping() -> dict[str, bool]:
    return {"ok": True}


@router.get("/v1/policy")
def policy(warden: WardenDep, _: PrincipalDep) -> dict[str, Any]:
    """The policy in force: its label, content hash (the version decisions record) and its rules."""
    lp = warden.loaded
    return {
        "version": lp.policy.version,
        "hash": lp.hash,
        "source": lp.source,
        "policy": lp.policy.model_dump(mode="json"),
    }
