"""Weight (S-B) recompute: rebuild every weight from the stored events under the policy in force (after a policy
change). The same folding as ingest (`scoring.fold_account`), so the numbers equal the incremental path's.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from warden.adapters import store as core
from warden.adapters.uow import Tx
from warden.kernel.model import Strike
from warden.policy import LoadedPolicy
from warden.weight import store
from warden.weight.policy import WeightPolicy
from warden.weight.scoring import enterprise_breakdown, fold_account, utc
from warden.weight.state import DAY, AccountState, EnterpriseState


def _event_key(e: Any) -> tuple[datetime, str]:
    return (e.occurred_at, e.id)


def recompute_all(
    tx: Tx,
    p: WeightPolicy,
    loaded: LoadedPolicy,
    progress: Callable[[int, int], None] | None = None,
    actor: str = "cli",
) -> dict[str, int]:
    """Delete every weight row and fold every account's stored events again, in the one transaction `tx` (as of
    `tx.now`); `progress(done, total)` is called after each chunk of accounts. Returns {"accounts": n,
    "enterprises": n} and appends a `weight.recomputed` audit entry (which also tells every process to drop its
    weight cache)."""
    conn, now = tx.conn, tx.now
    bases = store.account_bases(conn)  # how each account's state began (its row before events changed it)
    store.clear_all(conn)
    ids = store.accounts_with_events(conn)
    total = len(ids)
    ents: dict[str, EnterpriseState] = {}
    members: dict[str, str] = {}
    done = 0
    for chunk in store.chunks(ids):
        accounts = store.accounts_by_id(conn, chunk)
        strikes: dict[str, list[Strike]] = {}
        for s in core.strikes_of(conn, "account", chunk):
            strikes.setdefault(s.subject_id, []).append(s)
        evs = store.events_of(conn, chunk)
        acc_rows, hist_rows = [], []
        for aid in chunk:
            acc = accounts.get(aid)
            if acc is None or aid not in evs:
                continue
            st = AccountState(base=bases.get(aid))
            st.seed(acc)
            events = sorted(evs[aid], key=_event_key)
            closed, score = fold_account(p, st, acc, strikes.get(aid, []), events)
            hist_rows += [{"subject_type": "account", "subject_id": aid, "day": d, "score": sc} for d, sc in closed]
            est = ents.setdefault(acc.enterprise_id, EnterpriseState())
            est.move_member(
                st, st.last_day, score, p.enterprise_keep_days, p.enterprise.members.counts(acc, st.last_ts)
            )
            members[aid] = acc.enterprise_id
            acc_rows.append(
                {"account_id": aid, "enterprise_id": acc.enterprise_id, "state": st.to_json(), "score": score}
            )
        store.insert_accounts(conn, acc_rows)
        store.insert_history(conn, hist_rows)
        done += len(chunk)
        if progress:
            progress(done, total)
    for sid, aid, ts in store.member_strikes(conn, sorted(members)):
        ents[members[aid]].add_strike(sid, aid, ts)
    ent_rows: list[dict[str, Any]] = []
    ent_hist: list[dict[str, Any]] = []
    for eid, est in sorted(ents.items()):
        est.prune(p.enterprise_keep_days)
        ent_rows.append({"enterprise_id": eid, "state": est.to_json(), "updated_at": now})
    store.insert_enterprises(conn, ent_rows)
    for row in ent_rows:  # one point for each enterprise, at the last day its members were seen
        eid = row["enterprise_id"]
        est = ents[eid]
        ent = core.get_enterprise(conn, eid)
        if ent is None:
            continue
        at = min(now, utc((est.last_day + 1) * DAY - 1))
        bd = enterprise_breakdown(
            p.enterprise,
            ent,
            est,
            store.active_strike_ids(conn, est.strikes),
            core.strikes_of(conn, "enterprise", [eid]),
            at,
        )
        ent_hist.append({"subject_type": "enterprise", "subject_id": eid, "day": est.last_day, "score": bd.tenths})
    store.insert_history(conn, ent_hist)
    tx.audit.append(
        now,
        actor,
        "weight.recomputed",
        f"policy:{loaded.short_hash}",
        {"accounts": len(members), "enterprises": len(ent_rows), "policy": loaded.hash},
    )
    return {"accounts": len(members), "enterprises": len(ent_rows)}
