"""Weight (S-B) reads: an account's or an enterprise's weight now, factor by factor, with advice (zh/en),
history and where an enterprise stands against the S-A5 cascade bar. Scores are 0–100 (stored in tenths).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from warden.adapters import store as core
from warden.adapters.database import reading
from warden.enforcement.texts import Lang
from warden.kernel.access import Principal
from warden.kernel.errors import NotFound
from warden.kernel.model import Account, Enterprise
from warden.weight import store
from warden.weight.access import check_account, check_enterprise
from warden.weight.cascade import cascade_breakdown, counted_by_cascades, counted_members
from warden.weight.policy import WeightPolicy
from warden.weight.recompute import recompute_all
from warden.weight.scoring import Breakdown, account_breakdown, enterprise_breakdown, utc
from warden.weight.state import DAY, AccountState, day_of
from warden.weight.store import Connection
from warden.weight.texts import render


class WeightService:
    """Weight reads: an account's or an enterprise's weight now, explained (`account`, `enterprise`: the dicts
    `views.AccountWeight` / `views.EnterpriseWeight` describe), the breakdowns behind them and the S-A5 bar.
    Each method is one read transaction. `principal` (when given: the HTTP edge) is checked by `access.py`;
    without it the caller is trusted (CLI, demo, tests). `recompute` is `recompute.recompute_all`."""

    def __init__(self, warden: Any) -> None:
        self.w = warden

    @property
    def policy(self) -> WeightPolicy:
        return self.w.rules.policy.weight

    def _history(self, conn: Connection, subject_type: str, subject_id: str, now: datetime) -> list[dict[str, Any]]:
        since = day_of(now.timestamp()) - self.policy.history_days
        points = store.history_points(conn, subject_type, subject_id, since)
        if subject_type == "account":  # the latest day's point is still open in the state
            st = store.account_state(conn, subject_id)
            open_point = st.open_point if st else None
            if open_point and open_point[0] > since:
                points[open_point[0]] = open_point[1]
        return [{"date": utc(d * DAY).date().isoformat(), "score": s / 10} for d, s in sorted(points.items())]

    def account_breakdown(self, account_id: str, at: datetime | None = None) -> tuple[Account, Breakdown]:
        at = at or self.w.clock.now()
        with reading(self.w.engine) as conn:
            acc = core.get_account(conn, account_id)
            if acc is None:
                raise NotFound(f"no account {account_id!r}")
            st = store.account_state(conn, account_id) or AccountState()
            strikes = core.strikes_of(conn, "account", [account_id])
        return acc, account_breakdown(self.policy.account, st, acc, strikes, at, use_row=True)

    def account(self, account_id: str, lang: Lang = "zh", *, principal: Principal | None = None) -> dict[str, Any]:
        """The account's weight now: score, each factor with contribution and maximum, advice, history."""
        if principal is not None:
            check_account(principal, self._account_or_none(account_id), account_id)
        now = self.w.clock.now()
        acc, bd = self.account_breakdown(account_id, now)
        with reading(self.w.engine) as conn:
            history = self._history(conn, "account", account_id, now)
        scaling = self.w.rules.policy.rules.phone_search_velocity.weight_scaling
        return {
            "subject_type": "account",
            "account_id": account_id,
            "enterprise_id": acc.enterprise_id,
            **render(bd, "account", lang),
            "used_by_rules": {"phone_search_limit_factor": round(scaling.factor(bd.score), 3)},
            "history": history,
            "policy_hash": self.w.loaded.hash,
            "as_of": now.isoformat(),
            "lang": lang,
        }

    def enterprise_breakdown(self, enterprise_id: str, at: datetime | None = None) -> tuple[Enterprise, Breakdown]:
        at = at or self.w.clock.now()
        with reading(self.w.engine) as conn:
            ent = core.get_enterprise(conn, enterprise_id)
            if ent is None:
                raise NotFound(f"no enterprise {enterprise_id!r}")
            st = store.enterprise_state(conn, enterprise_id)
            active = store.active_strike_ids(conn, st.strikes)
            own = core.strikes_of(conn, "enterprise", [enterprise_id])
        return ent, enterprise_breakdown(self.policy.enterprise, ent, st, active, own, at)

    def cascade_bar(self, enterprise_id: str, at: datetime | None = None) -> tuple[Breakdown, int, int]:
        """What the S-A5 cascade would read at `at` (default now): the bar's weight (`cascade_breakdown`, the
        members restricted in the cascade window left out), those members (count), and the active members."""
        at = at or self.w.clock.now()
        p = self.policy
        with reading(self.w.engine) as conn:
            ent = core.get_enterprise(conn, enterprise_id)
            if ent is None:
                raise NotFound(f"no enterprise {enterprise_id!r}")
            st = store.enterprise_state(conn, enterprise_id)
            active = store.active_strike_ids(conn, st.strikes)
            own = core.strikes_of(conn, "enterprise", [enterprise_id])
            spent = counted_by_cascades(own, at)
            restricted = sorted(set(counted_members(p.cascade, st, active, spent, at).values()))
            left_out = [(m.ent_day, m.ent_score) for m in store.account_states(conn, restricted).values()]
        n_active = st.active_members(day_of(at.timestamp()), p.enterprise.members.active_days)
        return cascade_breakdown(p.enterprise, ent, st, left_out, own, at), len(restricted), n_active

    def enterprise(
        self, enterprise_id: str, lang: Lang = "zh", *, principal: Principal | None = None
    ) -> dict[str, Any]:
        """The enterprise's weight now, its factors and advice, history, the members holding it down, and
        where it stands against the S-A5 cascade bar (the bar reads the weight without the members
        restricted in the cascade window, `cascade_bar`)."""
        if principal is not None:
            check_enterprise(principal, enterprise_id)
        now = self.w.clock.now()
        _, bd = self.enterprise_breakdown(enterprise_id, now)
        bar, n_restricted, n_active = self.cascade_bar(enterprise_id, now)
        with reading(self.w.engine) as conn:
            history = self._history(conn, "enterprise", enterprise_id, now)
            lowest = store.lowest_members(conn, enterprise_id, 5)
            restrictions = [
                r for r in core.restrictions_of(conn, "enterprise", [enterprise_id], now) if r.active_at(now)
            ]
        cp = self.policy.cascade
        return {
            "subject_type": "enterprise",
            "enterprise_id": enterprise_id,
            **render(bd, "enterprise", lang),
            "used_by_rules": {
                "cascade_below_weight": cp.below_weight,
                "cascade_weight": bar.score,
                "cascade_exposed": cp.enabled and bar.score < cp.below_weight,
                "cascade_restricted_members": n_restricted,
                "cascade_active_members": n_active,
                "cascade_window_days": cp.window_days,
            },
            "lowest_members": [
                {"account_id": aid, "score": score / 10, "as_of": utc(m.last_ts).isoformat()}
                for aid, score, m in lowest
            ],
            "restrictions": [
                {
                    "id": r.id,
                    "rule": r.rule_id,
                    "scope": r.scope.value,
                    "ends_at": r.ends_at.isoformat() if r.ends_at else None,
                }
                for r in restrictions
            ],
            "history": history,
            "policy_hash": self.w.loaded.hash,
            "as_of": now.isoformat(),
            "lang": lang,
        }

    def _account_or_none(self, account_id: str) -> Account | None:
        with reading(self.w.engine) as conn:
            return core.get_account(conn, account_id)

    def recompute(self, progress: Callable[[int, int], None] | None = None, actor: str = "cli") -> dict[str, int]:
        """Rebuild every weight from the stored events under the current policy (after a policy change):
        {"accounts": n, "enterprises": n}. See `recompute.recompute_all`."""
        with self.w.engine.begin() as conn:
            return recompute_all(conn, self.policy, self.w.loaded, self.w.clock.now(), progress, actor)
