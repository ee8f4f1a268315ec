"""The answers of the policy's life: pydantic models, also the routes' `response_model`. Pure."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from warden.kernel.i18n import Lang
from warden.policy_versions.model import Stages, Version
from warden.policy_versions.rules import Figures, Recall, RuleDiff
from warden.policy_versions.texts import BACKTEST_ERRORS


class VersionOut(BaseModel):
    """A stored policy version. `stage`: where it is now (live, shadow, staged) or null."""

    id: int
    hash: str = Field(description="SHA-256 of the policy text: what decisions and strikes record")
    label: str = Field(description="The file's own `version:`")
    author: str = Field(description="The person who wrote it; system: read from the policy file at start")
    comment: str
    created_at: datetime
    parent_id: int | None = Field(None, description="The live version when it was written")
    stage: str | None = None

    @classmethod
    def of(cls, v: Version, stages: Stages | None) -> VersionOut:
        stage = None
        if stages is not None:
            if v.id == stages.live_id:
                stage = "live"
            elif v.id == stages.staged_id:
                stage = "staged"
            elif v.id == stages.shadow_id:
                stage = "shadow"
        return cls(
            id=v.id,
            hash=v.hash,
            label=v.label,
            author=v.author,
            comment=v.comment,
            created_at=v.created_at,
            parent_id=v.parent_id,
            stage=stage,
        )


class StagesOut(BaseModel):
    """Which version decides: `live_id` for everyone, except `staged_id` for `staged_share` % of enterprises
    (stable by enterprise id); `shadow_id` evaluated beside live with no effect. `generation` grows by one at each
    change."""

    generation: int
    live_id: int
    shadow_id: int | None
    staged_id: int | None
    staged_share: int = Field(description="Percent of enterprises the staged version decides for")
    changed_at: datetime
    changed_by: str
    reason: str

    @classmethod
    def of(cls, s: Stages) -> StagesOut:
        return cls(
            generation=s.generation,
            live_id=s.live_id,
            shadow_id=s.shadow_id,
            staged_id=s.staged_id,
            staged_share=s.staged_share,
            changed_at=s.changed_at,
            changed_by=s.changed_by,
            reason=s.reason,
        )


class VersionListOut(BaseModel):
    items: list[VersionOut]
    stages: StagesOut | None


class VersionDetailOut(VersionOut):
    text: str = Field(description="The policy text (YAML) as written")
    policy: dict[str, Any] = Field(description="The validated policy")


class VersionDiffOut(BaseModel):
    old_id: int
    new_id: int
    diff: str = Field(description="Unified diff of the two texts")


class RuleDiffOut(BaseModel):
    rule: str
    shadow_only: int = Field(description="Events shadow would have restricted under this rule and live did not")
    live_only: int = Field(description="Events live restricted under this rule and shadow would not have")
    both: int
    shadow_only_examples: list[str]
    live_only_examples: list[str]

    @classmethod
    def of(cls, d: RuleDiff) -> RuleDiffOut:
        return cls(
            rule=d.rule,
            shadow_only=d.shadow_only,
            live_only=d.live_only,
            both=d.both,
            shadow_only_examples=d.shadow_only_examples,
            live_only_examples=d.live_only_examples,
        )


class ShadowDiffOut(BaseModel):
    version_id: int
    events: int = Field(description="Live events the version was evaluated on in shadow")
    decisions_differ: int = Field(description="Events where shadow's allowed/refused differs from live")
    rules: list[RuleDiffOut]


class FiguresOut(BaseModel):
    """A rule's record under one policy version (labels: reviewers' outcomes and appeal results on its strikes)."""

    version_id: int | None = Field(description="null: a policy hash no stored version has (before issue 18)")
    policy_hash: str
    hits: int = Field(description="Decisions whose reasons name the rule")
    restrictions: int = Field(description="Strikes the rule issued (each with its restriction)")
    appealed: int
    appealed_share: float | None
    labelled: int = Field(description="Strikes someone judged: upheld, reduced, overturned or voided")
    correct: int = Field(description="Upheld or reduced")
    wrong: int = Field(description="Overturned or voided")
    overturn_rate: float | None = Field(description="wrong / labelled")
    precision: float | None = Field(description="Estimated precision: correct / labelled")

    @classmethod
    def of(cls, version_id: int | None, policy_hash: str, f: Figures) -> FiguresOut:
        return cls(
            version_id=version_id,
            policy_hash=policy_hash,
            hits=f.hits,
            restrictions=f.restrictions,
            appealed=f.appealed,
            appealed_share=f.appealed_share,
            labelled=f.labelled,
            correct=f.correct,
            wrong=f.wrong,
            overturn_rate=f.overturn_rate,
            precision=f.precision,
        )


class RuleFiguresOut(BaseModel):
    rule: str
    total: FiguresOut
    versions: list[FiguresOut]


class RecallOut(BaseModel):
    rule: str
    true_pos: int
    false_pos: int
    false_neg: int
    unlabelled: int
    precision: float | None
    recall: float | None

    @classmethod
    def of(cls, r: Recall) -> RecallOut:
        return cls(
            rule=r.rule,
            true_pos=r.true_pos,
            false_pos=r.false_pos,
            false_neg=r.false_neg,
            unlabelled=r.unlabelled,
            precision=r.precision,
            recall=r.recall,
        )


class BacktestProgressOut(BaseModel):
    events_done: int = Field(description="Events replayed so far (each event is replayed twice: live, candidate)")
    events_total: int = Field(description="2 × the events in the window; 0 until the run has read them")


class BacktestOut(BaseModel):
    """A backtest run in the background (issue 18): the candidate and the live version replayed on the stored
    events in scratch databases; `result` (when `done`) holds the figures `warden policy backtest --version N --json`
    prints; `error` (when `failed`) says why, `error_code` (`orphaned`: the process running it stopped; `stopped`:
    its command got SIGTERM or Ctrl-C; `interrupted`: its command was interrupted otherwise; `error`: the run raised)
    and `error_text` in the request's language."""

    id: str
    candidate_version: int
    since: datetime | None
    until: datetime | None
    state: Literal["queued", "running", "done", "failed"]
    progress: BacktestProgressOut
    result: dict[str, Any] | None = Field(
        description="events, current_policy, candidate_policy, newly_restricted, no_longer_restricted, per_rule, "
        "denied, weights, newly_cascaded, no_longer_cascaded, labels (per rule precision and recall)"
    )
    error: str | None
    error_code: Literal["orphaned", "stopped", "interrupted", "error"] | None = None
    error_text: str | None = Field(None, description="Why it failed, in the request's language")
    requested_by: str
    requested_by_label: str | None = Field(None, description="The requester's name, for people to read")
    created_at: datetime
    finished_at: datetime | None
    owner: str | None = Field(None, description="host:pid:token of the process running it")
    heartbeat_at: datetime | None = Field(
        None, description="The owner's last sign of life; a queued or running backtest whose owner is gone is failed"
    )

    @classmethod
    def of(cls, r: Any, done: int | None = None, lang: Lang = "zh", brief: bool = False) -> BacktestOut:
        """From a `policy_backtests` row; `done` overrides the stored progress (this process's live count);
        `brief` leaves the result out (lists)."""
        code = getattr(r, "error_code", None)
        text = BACKTEST_ERRORS.lookup(code, lang, r.error) if code else r.error
        if code == "stopped":  # the signal's name is in the stored English: `… stopped (SIGTERM) …`
            sig = r.error.partition("(")[2].partition(")")[0] if r.error else "SIGTERM"
            text = BACKTEST_ERRORS.render("stopped", lang, signal=sig)
        return cls(
            id=r.id,
            candidate_version=r.candidate_version,
            since=r.since,
            until=r.until,
            state=r.state,
            progress=BacktestProgressOut(
                events_done=r.events_done if done is None else done, events_total=r.events_total
            ),
            result=json.loads(r.result) if r.result and not brief else None,
            error=r.error,
            error_code=code,
            error_text=text,
            requested_by=r.requested_by,
            created_at=r.created_at,
            finished_at=r.finished_at,
            owner=getattr(r, "owner", None),
            heartbeat_at=getattr(r, "heartbeat_at", None),
        )


class BacktestListOut(BaseModel):
    """The newest backtests first, without their results (read one for it)."""

    items: list[BacktestOut]
