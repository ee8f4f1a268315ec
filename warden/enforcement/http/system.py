"""Liveness (also the no-op baseline of the latency benchmark) and the policy in force."""

from __future__ import annotations

from fastapi import APIRouter

from warden.enforcement.views import Ping, PolicyInForce
from warden.entrypoints.http.deps import PrincipalDep, WardenDep

router = APIRouter(tags=["system"])


@router.get("/v1/ping", response_model=Ping)
def ping() -> Ping:
    return Ping(ok=True)


@router.get("/v1/policy", response_model=PolicyInForce)
def policy(warden: WardenDep, _: PrincipalDep) -> PolicyInForce:
    """The policy in force: its label, content hash (the version decisions record) and its rules."""
    return warden.enforcement.policy_in_force()
