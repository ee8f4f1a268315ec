"""Liveness (also the no-op baseline of the latency benchmark) and the policy in force."""

from __future__ import annotations

from fastapi import APIRouter

from warden.enforcement.views import Ping, PolicyInForce, PolicySummary
from warden.entrypoints.http.deps import LangDep, PrincipalDep, WardenDep

router = APIRouter(tags=["system"])


@router.get("/v1/ping", response_model=Ping)
def ping() -> Ping:
    return Ping(ok=True)


@router.get("/v1/policy", response_model=PolicyInForce | PolicySummary)
def policy(warden: WardenDep, principal: PrincipalDep, lang: LangDep) -> PolicyInForce | PolicySummary:
    """The policy in force. The platform's roles (platform, reviewer, auditor) get it in full: label, content hash
    (the version decisions record), the file's path on the server and every threshold. Everyone else gets its label,
    hash and what each rule forbids, in words (`?lang=`)."""
    return warden.enforcement.policy_in_force(principal, lang)
