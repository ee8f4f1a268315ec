"""Policy versions (issue 18): list, read, write, diff, promote, end a stage, roll back; shadow-vs-live per rule and a
rule's figures. Authenticate and translate only: the service checks who may (`policy_versions/access.py`)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from warden.app import App
from warden.entrypoints.http.deps import LangDep, PrincipalDep, WardenDep
from warden.kernel.errors import Conflict
from warden.kernel.inputs import Instant
from warden.policy import MAX_POLICY_CHARS
from warden.policy_versions.backtests import Backtests
from warden.policy_versions.model import Stage
from warden.policy_versions.service import PolicyVersions
from warden.policy_versions.views import (
    BacktestListOut,
    BacktestOut,
    RuleFiguresOut,
    ShadowDiffOut,
    StagesOut,
    VersionDetailOut,
    VersionDiffOut,
    VersionListOut,
    VersionOut,
)

router = APIRouter(prefix="/v1", tags=["policies"])
VersionPath = Annotated[int, Path(ge=1, le=2_147_483_647, description="A policy version id")]


class VersionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(
        min_length=1,
        max_length=MAX_POLICY_CHARS,
        description="The policy (YAML), as the policy file holds it; no anchors or aliases",
    )
    comment: str = Field("", max_length=2000, description="What changed and why")


class PromotionIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"stage": "shadow", "reason": "先影子运行一周，看与生效版本的差异"}]},
    )
    stage: Literal["live", "shadow", "staged"]
    reason: str = Field(min_length=1, max_length=2000)
    share: int = Field(0, ge=0, le=99, description="staged: percent of enterprises (1–99), stable by enterprise id")


class StageEndIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=2000)


class RollbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=2000)


class BacktestIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"candidate_version": 2, "since": "2026-11-01T00:00:00+08:00"}]}
    )
    candidate_version: int = Field(
        ge=1, le=2_147_483_647, strict=True, description="The stored version to test against live (a whole number)"
    )
    since: Instant | None = Field(None, description="Replay events that occurred at or after this time")
    until: Instant | None = Field(None, description="… and before this time")


def _backtests(warden: App) -> Backtests:
    if warden.backtests is None:  # pragma: no cover - bootstrap always builds it
        raise Conflict("backtests are not available")
    return warden.backtests


def _svc(warden: App) -> PolicyVersions:
    if warden.policy_versions is None:  # pragma: no cover - bootstrap always builds it
        raise Conflict("policy versions are not available")
    return warden.policy_versions


@router.get("/policies", response_model=VersionListOut)
def list_policies(warden: WardenDep, principal: PrincipalDep) -> VersionListOut:
    """Every stored version, oldest first, with where each is (live, shadow, staged) and the stages."""
    return _svc(warden).list(principal)


@router.post("/policies", response_model=VersionOut, status_code=201)
def create_policy(warden: WardenDep, principal: PrincipalDep, body: VersionIn) -> VersionOut:
    """Store a new version: validated like the policy file (422 with `policy:line: where: what` lines); it decides
    nothing until promoted. The same text twice is a 409."""
    return _svc(warden).create(principal, body.text, body.comment)


@router.get("/policy-stages", response_model=StagesOut)
def get_stages(warden: WardenDep, principal: PrincipalDep) -> StagesOut:
    """Which version is live, in shadow, staged for a share of enterprises."""
    return _svc(warden).stages(principal)


@router.post("/policy-stages/{stage}/end", response_model=StagesOut)
def end_stage(
    warden: WardenDep, principal: PrincipalDep, stage: Literal["shadow", "staged"], body: StageEndIn
) -> StagesOut:
    """End the shadow run or the staged rollout, with a reason (audited)."""
    return _svc(warden).end(principal, Stage(stage), body.reason)


@router.get("/policies/{version_id}", response_model=VersionDetailOut)
def get_policy(warden: WardenDep, principal: PrincipalDep, version_id: VersionPath) -> VersionDetailOut:
    """One version: its text, the validated policy, who wrote it and why."""
    return _svc(warden).show(principal, version_id)


@router.get("/policies/{version_id}/diff", response_model=VersionDiffOut)
def diff_policy(
    warden: WardenDep,
    principal: PrincipalDep,
    version_id: VersionPath,
    against: Annotated[int, Query(ge=1, le=2_147_483_647, description="The older version")],
) -> VersionDiffOut:
    """A unified diff of `against` → this version."""
    return _svc(warden).diff(principal, against, version_id)


@router.post("/policies/{version_id}/promotion", response_model=StagesOut)
def promote_policy(warden: WardenDep, principal: PrincipalDep, version_id: VersionPath, body: PromotionIn) -> StagesOut:
    """Put the version live, in shadow, or staged for a share of enterprises, with a reason (audited). Every
    process takes it at its next batch or request, without a restart."""
    return _svc(warden).promote(principal, version_id, Stage(body.stage), body.reason, body.share)


@router.post("/policies/{version_id}/rollback", response_model=StagesOut)
def rollback_policy(warden: WardenDep, principal: PrincipalDep, version_id: VersionPath, body: RollbackIn) -> StagesOut:
    """Make an earlier version live again in one step (audited)."""
    return _svc(warden).rollback(principal, version_id, body.reason)


@router.get("/policies/{version_id}/shadow-diff", response_model=ShadowDiffOut)
def shadow_diff(
    warden: WardenDep,
    principal: PrincipalDep,
    version_id: VersionPath,
    examples: Annotated[int, Query(ge=0, le=100, description="Example event ids per difference")] = 5,
) -> ShadowDiffOut:
    """Per rule, what the version would have restricted in shadow that live did not, and the reverse."""
    return _svc(warden).shadow_diff(principal, version_id, examples)


@router.get("/rules/{rule_id}/figures", response_model=RuleFiguresOut)
def rule_figures(
    warden: WardenDep,
    principal: PrincipalDep,
    rule_id: Annotated[str, Path(min_length=1, max_length=64)],
) -> RuleFiguresOut:
    """A rule's hits, restrictions, appealed share, overturn rate and estimated precision (reviewers' outcomes and
    appeal results are the labels), in total and per policy version."""
    return _svc(warden).figures(principal, rule_id)


@router.post("/backtests", response_model=BacktestOut, status_code=202)
def start_backtest(warden: WardenDep, principal: PrincipalDep, body: BacktestIn, response: Response) -> BacktestOut:
    """Start a backtest of a stored version against the live one, in the background: 202 with its id and
    `Location`; poll `GET /v1/backtests/{id}`. It replays the stored events in scratch databases and never changes
    anyone's state."""
    out = _backtests(warden).start(principal, body.candidate_version, body.since, body.until)
    response.headers["Location"] = f"/v1/backtests/{out.id}"
    return out


@router.get("/backtests", response_model=BacktestListOut)
def list_backtests(
    warden: WardenDep,
    principal: PrincipalDep,
    lang: LangDep,
    limit: Annotated[int, Query(ge=1, le=200, description="How many, newest first")] = 50,
) -> BacktestListOut:
    """The newest backtests first (every platform role), each with its state and progress but not its result; a
    queued or running one whose process is gone is failed first (`error_code` `orphaned`)."""
    return _backtests(warden).recent(principal, limit, lang)


@router.get("/backtests/{backtest_id}", response_model=BacktestOut)
def get_backtest(
    warden: WardenDep,
    principal: PrincipalDep,
    lang: LangDep,
    backtest_id: Annotated[str, Path(min_length=1, max_length=128)],
) -> BacktestOut:
    """A backtest's state (queued, running, done, failed), progress in events, and result when done: the figures
    `warden policy backtest --version N --json` prints. A failed one says why (`error`, `error_code`, `error_text` in
    the request's language); one whose process stopped is `orphaned`: start it again."""
    return _backtests(warden).get(principal, backtest_id, lang)
