"""The policy's life, use cases: list, show, write, diff, promote (live, shadow, staged), end a stage, roll back;
the shadow-vs-live difference and a rule's figures. Each takes the caller's `Principal` first and checks `access`;
every change is one transaction with its audit entry, and this process puts it in force at once (the others at
their next batch or request: `live.LivePolicy.refresh`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from typing import Any

from warden.adapters.policy_file import term_check
from warden.adapters.uow import UnitOfWork
from warden.kernel.access import Principal
from warden.kernel.errors import Conflict, InvalidInput, NotFound
from warden.kernel.events import FieldError
from warden.policy import LoadedPolicy, PolicyError, load_policy_text
from warden.policy_versions import access, rules, store
from warden.policy_versions.live import LivePolicy
from warden.policy_versions.model import Stage, Stages, Version
from warden.policy_versions.views import (
    FiguresOut,
    RuleDiffOut,
    RuleFiguresOut,
    ShadowDiffOut,
    StagesOut,
    VersionDetailOut,
    VersionDiffOut,
    VersionListOut,
    VersionOut,
)

SOURCE = "policy"
"""The name a posted text's problems are reported under (`policy:12: rules.x: …`)."""


class PolicyVersions:
    """`check(loaded)`: the checks bootstrap runs on a policy beyond its schema (features' cross-section rules),
    raising `PolicyError`; run on every posted text too."""

    def __init__(
        self, uow: UnitOfWork, live: LivePolicy, check: Callable[[LoadedPolicy], None] = lambda _: None
    ) -> None:
        self.uow = uow
        self.live = live
        self.check = check

    # --- reads ------------------------------------------------------------------------------------------------

    def list(self, p: Principal) -> VersionListOut:
        access.check_read(p)
        with self.uow.reading() as tx:
            st = store.stages(tx.conn)
            return VersionListOut(
                items=[VersionOut.of(v, st) for v in store.versions(tx.conn)],
                stages=StagesOut.of(st) if st else None,
            )

    def show(self, p: Principal, version_id: int) -> VersionDetailOut:
        access.check_read(p)
        with self.uow.reading() as tx:
            v = _version(tx.conn, version_id)
            lp = self.live.loaded(tx.conn, version_id)
            base = VersionOut.of(v, store.stages(tx.conn))
            return VersionDetailOut(**base.model_dump(), text=lp.text, policy=lp.policy.model_dump(mode="json"))

    def stages(self, p: Principal) -> StagesOut:
        access.check_read(p)
        with self.uow.reading() as tx:
            st = store.stages(tx.conn)
        if st is None:
            raise NotFound("no policy version is stored yet (the first start seeds version 1)")
        return StagesOut.of(st)

    def diff(self, p: Principal, old_id: int, new_id: int) -> VersionDiffOut:
        access.check_read(p)
        with self.uow.reading() as tx:
            a, b = self.live.loaded(tx.conn, old_id), self.live.loaded(tx.conn, new_id)
        return VersionDiffOut(
            old_id=old_id, new_id=new_id, diff=rules.text_diff(a.text, b.text, f"v{old_id}", f"v{new_id}")
        )

    def shadow_diff(self, p: Principal, version_id: int, examples: int = 5) -> ShadowDiffOut:
        """Per rule, what the version (evaluated in shadow) would have restricted that live did not, and the
        reverse, with up to `examples` event ids each."""
        access.check_read(p)
        with self.uow.reading() as tx:
            _version(tx.conn, version_id)
            rows = store.shadow_rows(tx.conn, version_id)
        return ShadowDiffOut(
            version_id=version_id,
            events=len(rows),
            decisions_differ=sum(1 for r in rows if r.live_allowed != r.shadow_allowed),
            rules=[RuleDiffOut.of(d) for d in rules.shadow_diff(rows, examples)],
        )

    def figures(self, p: Principal, rule: str) -> RuleFiguresOut:
        """A rule's hits, restrictions, appealed share, overturn rate and estimated precision, over all versions
        and per version (by the policy hash each decision and strike recorded)."""
        access.check_read(p)
        known = set(type(self.live.rules.policy.rules).model_fields)
        if rule not in known:
            raise NotFound(f"no rule {rule!r}; the rules are {', '.join(sorted(known))}")
        with self.uow.reading() as tx:
            strikes = store.labelled_strikes(tx.conn, rule)
            hits = store.hits(tx.conn, rule)
            ids = store.versions_by_hash(tx.conn)
        by_hash = defaultdict(list)
        for s in strikes:
            by_hash[s.policy_hash].append(s)
        hashes = sorted(set(by_hash) | set(hits), key=lambda h: (ids.get(h) is None, ids.get(h, 0), h))
        return RuleFiguresOut(
            rule=rule,
            total=FiguresOut.of(None, "*", rules.figures(strikes, sum(hits.values()))),
            versions=[FiguresOut.of(ids.get(h), h, rules.figures(by_hash.get(h, []), hits.get(h, 0))) for h in hashes],
        )

    # --- writes -----------------------------------------------------------------------------------------------

    def create(self, p: Principal, text: str, comment: str) -> VersionOut:
        """Store a new version (validated like the policy file; 422 with `policy:line: where: what` lines). Storing
        puts nothing in force: promote it. The same text twice is a 409 naming the version that has it."""
        access.check_write(p)
        try:
            lp = load_policy_text(text, SOURCE, term_check=term_check)
            self.check(lp)
        except PolicyError as exc:
            raise InvalidInput(
                f"the policy is invalid: {len(exc.problems)} problem(s); nothing was stored",
                [FieldError(field="text", message=m) for m in exc.problems],
            ) from exc
        with self.uow.writing(lock=True) as tx:
            same = store.version_by_hash(tx.conn, lp.hash)
            if same is not None:
                raise Conflict(f"this text is already version {same.id}; promote that one")
            st = store.stages(tx.conn)
            v = Version(
                store.next_version_id(tx.conn),
                lp.hash,
                lp.policy.version,
                p.person,
                comment,
                tx.now,
                st.live_id if st else None,
            )
            store.insert_version(tx.conn, v, text, f"policy version {v.id}")
            tx.audit.append(
                tx.now,
                p.actor,
                "policy.version_stored",
                f"policy_version:{v.id}",
                {"version": v.id, "hash": v.hash, "label": v.label, "comment": comment},
            )
            return VersionOut.of(v, st)

    def promote(self, p: Principal, version_id: int, stage: Stage, reason: str, share: int = 0) -> StagesOut:
        """Put a version live, in shadow, or staged for `share` % of enterprises (1–99), with a reason. Audited.
        Going live ends a staged or shadow run of the same version."""
        access.check_write(p)
        reason = _reason(reason)
        if stage is Stage.STAGED and not 1 <= share <= 99:
            raise InvalidInput(
                "a staged rollout needs a share between 1 and 99 percent of enterprises",
                [FieldError(field="share", message="between 1 and 99 (percent of enterprises)")],
            )
        with self.uow.writing(lock=True) as tx:
            _version(tx.conn, version_id)
            self.live.loaded(tx.conn, version_id)  # it must still parse
            st = _stages(tx.conn)
            live, shadow, staged, pct = st.live_id, st.shadow_id, st.staged_id, st.staged_share
            if stage is Stage.LIVE:
                if version_id == live:
                    raise Conflict(f"version {version_id} is live already")
                live = version_id
                if staged == version_id:
                    staged, pct = None, 0
                if shadow == version_id:
                    shadow = None
            elif version_id == live:
                raise Conflict(f"version {version_id} is live; it cannot also be {stage.value}")
            elif stage is Stage.SHADOW:
                shadow = version_id
            else:
                staged, pct = version_id, share
            new = _next(st, tx.now, p.actor, reason, live, shadow, staged, pct)
            store.write_stages(tx.conn, new, stage.value, version_id, share if stage is Stage.STAGED else 100)
            tx.audit.append(
                tx.now,
                p.actor,
                "policy.promoted",
                f"policy_version:{version_id}",
                {
                    "stage": stage.value,
                    "version": version_id,
                    "share": pct,
                    "reason": reason,
                    "generation": new.generation,
                },
            )
        self.live.refresh_now()
        return StagesOut.of(new)

    def end(self, p: Principal, stage: Stage, reason: str) -> StagesOut:
        """End the shadow run or the staged rollout (live cannot end: promote or roll back instead). Audited."""
        access.check_write(p)
        reason = _reason(reason)
        if stage is Stage.LIVE:
            raise InvalidInput(
                "the live stage cannot end; promote another version or roll back",
                [FieldError(field="stage", message="shadow or staged")],
            )
        with self.uow.writing(lock=True) as tx:
            st = _stages(tx.conn)
            was = st.shadow_id if stage is Stage.SHADOW else st.staged_id
            if was is None:
                raise Conflict(f"no version is in {stage.value}")
            if stage is Stage.SHADOW:
                new = _next(st, tx.now, p.actor, reason, st.live_id, None, st.staged_id, st.staged_share)
            else:
                new = _next(st, tx.now, p.actor, reason, st.live_id, st.shadow_id, None, 0)
            store.write_stages(tx.conn, new, f"end_{stage.value}", was, 0)
            tx.audit.append(
                tx.now,
                p.actor,
                "policy.stage_ended",
                f"policy_version:{was}",
                {"stage": stage.value, "version": was, "reason": reason, "generation": new.generation},
            )
        self.live.refresh_now()
        return StagesOut.of(new)

    def rollback(self, p: Principal, version_id: int, reason: str) -> StagesOut:
        """Make an earlier version live again in one step (a staged rollout ends with it). Decisions already made
        keep the version they were made under. Audited as `policy.rolled_back`."""
        access.check_write(p)
        reason = _reason(reason)
        with self.uow.writing(lock=True) as tx:
            _version(tx.conn, version_id)
            self.live.loaded(tx.conn, version_id)
            st = _stages(tx.conn)
            if version_id == st.live_id:
                raise Conflict(f"version {version_id} is live already")
            if version_id > st.live_id:
                raise Conflict(f"version {version_id} is newer than the live version {st.live_id}; promote it")
            shadow = None if st.shadow_id == version_id else st.shadow_id
            new = _next(st, tx.now, p.actor, reason, version_id, shadow, None, 0)
            store.write_stages(tx.conn, new, "rollback", version_id, 100)
            tx.audit.append(
                tx.now,
                p.actor,
                "policy.rolled_back",
                f"policy_version:{version_id}",
                {"from": st.live_id, "to": version_id, "reason": reason, "generation": new.generation},
            )
        self.live.refresh_now()
        return StagesOut.of(new)


def _version(conn: Any, version_id: int) -> Version:
    v = store.version(conn, version_id)
    if v is None:
        raise NotFound(f"no policy version {version_id}")
    return v


def _stages(conn: Any) -> Stages:
    st = store.stages(conn)
    if st is None:
        raise Conflict("no policy version is live yet (the first start seeds version 1)")
    return st


def _reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise InvalidInput("say why", [FieldError(field="reason", message="a reason is required")])
    return reason


def _next(
    st: Stages, now: datetime, actor: str, reason: str, live: int, shadow: int | None, staged: int | None, share: int
) -> Stages:
    return Stages(st.generation + 1, live, shadow, staged, share, st.file_hash, now, actor, reason)
