"""Weight (S-B) reads: an account's or an enterprise's weight now, factor by factor, with advice (zh/en),
history and where an enterprise stands against the S-A5 cascade bar; and the operator's full recompute. Scores
are 0–100 (stored in tenths).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from warden.adapters import store as core
from warden.adapters.uow import Connection, UnitOfWork
from warden.enforcement.texts import Lang
from warden.kernel.access import Principal
from warden.kernel.errors import NotFound
from warden.kernel.model import Account, Enterprise, Strike
from warden.pipeline.engine import RuleEngine
from warden.weight import store
from warden.weight.access import check_account, check_enterprise
from warden.weight.cascade import cascade_breakdown, counted_by_cascades, counted_members
from warden.weight.policy import WeightPolicy
from warden.weight.recompute import recompute_all
from warden.weight.scoring import Breakdown, account_breakdown, enterprise_breakdown, utc
from warden.weight.state import DAY, AccountState, EnterpriseState, day_of
from warden.weight.texts import render
from warden.weight.views import AccountWeight, EnterpriseWeight


class WeightService:
    """Weight reads, each one read transaction with the caller's `Principal` first (checked by `access.py`):
    `account` and `enterprise` (the views, explained), `account_breakdown` and `enterprise_breakdown` (the
    numbers behind them). `recompute` is the operator's (`warden weight recompute`). The policy in force is read
    from the rules, live, as the weight feature reads it."""

    def __init__(self, uow: UnitOfWork, rules: RuleEngine) -> None:
        self.uow = uow
        self.rules = rules

    @property
    def policy(self) -> WeightPolicy:
        return self.rules.policy.weight

    def account(self, principal: Principal, account_id: str, lang: Lang = "zh") -> AccountWeight:
        """The account's weight now: score, each factor with contribution and maximum, advice, history."""
        with self.uow.reading() as tx:
            acc = self._account(tx.conn, principal, account_id)
            bd = self._account_breakdown(tx.conn, acc, tx.now)
            history = self._history(tx.conn, "account", account_id, tx.now)
        scaling = self.rules.policy.rules.phone_search_velocity.weight_scaling
        return AccountWeight.model_validate(
            {
                "subject_type": "account",
                "account_id": account_id,
                "enterprise_id": acc.enterprise_id,
                **render(bd, "account", lang),
                "used_by_rules": {"phone_search_limit_factor": round(scaling.factor(bd.score), 3)},
                "history": history,
                "policy_hash": self.rules.loaded.hash,
                "as_of": tx.now.isoformat(),
                "lang": lang,
            }
        )

    def enterprise(self, principal: Principal, enterprise_id: str, lang: Lang = "zh") -> EnterpriseWeight:
        """The enterprise's weight now, its factors and advice, history, the members holding it down, and
        where it stands against the S-A5 cascade bar (the bar reads the weight without the members
        restricted in the cascade window, `cascade.cascade_breakdown`)."""
        check_enterprise(principal, enterprise_id)
        with self.uow.reading() as tx:
            conn, now = tx.conn, tx.now
            ent = self._enterprise(conn, enterprise_id)
            st, active, own = self._enterprise_state(conn, enterprise_id)
            bd = enterprise_breakdown(self.policy.enterprise, ent, st, active, own, now)
            bar, n_restricted, n_active = self._cascade_bar(conn, ent, st, active, own, now)
            history = self._history(conn, "enterprise", enterprise_id, now)
            lowest = store.lowest_members(conn, enterprise_id, 5)
            restrictions = [
                r for r in core.restrictions_of(conn, "enterprise", [enterprise_id], now) if r.active_at(now)
            ]
        cp = self.policy.cascade
        return EnterpriseWeight.model_validate(
            {
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
                "policy_hash": self.rules.loaded.hash,
                "as_of": now.isoformat(),
                "lang": lang,
            }
        )

    def account_breakdown(
        self, principal: Principal, account_id: str, at: datetime | None = None
    ) -> tuple[Account, Breakdown]:
        """The account and its weight's breakdown at `at` (default now)."""
        with self.uow.reading() as tx:
            acc = self._account(tx.conn, principal, account_id)
            return acc, self._account_breakdown(tx.conn, acc, at or tx.now)

    def enterprise_breakdown(
        self, principal: Principal, enterprise_id: str, at: datetime | None = None
    ) -> tuple[Enterprise, Breakdown]:
        """The enterprise and its weight's breakdown at `at` (default now)."""
        check_enterprise(principal, enterprise_id)
        with self.uow.reading() as tx:
            ent = self._enterprise(tx.conn, enterprise_id)
            st, active, own = self._enterprise_state(tx.conn, enterprise_id)
            return ent, enterprise_breakdown(self.policy.enterprise, ent, st, active, own, at or tx.now)

    def recompute(self, progress: Callable[[int, int], None] | None = None, actor: str = "cli") -> dict[str, int]:
        """The operator's rebuild of every weight from the stored events under the current policy (after a policy
        change), in one transaction: {"accounts": n, "enterprises": n}. See `recompute.recompute_all`."""
        with self.uow.writing() as tx:
            return recompute_all(tx, self.policy, self.rules.loaded, progress, actor)

    # --- inside one read transaction --------------------------------------------------------------------------

    @staticmethod
    def _account(conn: Connection, principal: Principal, account_id: str) -> Account:
        """The account if the caller may see it (`access.check_account`: no leak of whether it exists)."""
        acc = core.get_account(conn, account_id)
        check_account(principal, acc, account_id)
        if acc is None:
            raise NotFound(f"no account {account_id!r}")
        return acc

    @staticmethod
    def _enterprise(conn: Connection, enterprise_id: str) -> Enterprise:
        ent = core.get_enterprise(conn, enterprise_id)
        if ent is None:
            raise NotFound(f"no enterprise {enterprise_id!r}")
        return ent

    def _account_breakdown(self, conn: Connection, acc: Account, at: datetime) -> Breakdown:
        st = store.account_state(conn, acc.id) or AccountState()
        strikes = core.strikes_of(conn, "account", [acc.id])
        return account_breakdown(self.policy.account, st, acc, strikes, at, use_row=True)

    @staticmethod
    def _enterprise_state(conn: Connection, enterprise_id: str) -> tuple[EnterpriseState, set[str], list[Strike]]:
        """The stored state, which of its member strikes are still active, and the enterprise's own strikes."""
        st = store.enterprise_state(conn, enterprise_id)
        return st, store.active_strike_ids(conn, st.strikes), core.strikes_of(conn, "enterprise", [enterprise_id])

    def _cascade_bar(
        self, conn: Connection, ent: Enterprise, st: EnterpriseState, active: set[str], own: list[Strike], at: datetime
    ) -> tuple[Breakdown, int, int]:
        """What the S-A5 cascade would read at `at`: the bar's weight (`cascade_breakdown`, the members
        restricted in the cascade window left out), those members (count), and the active members."""
        p = self.policy
        spent = counted_by_cascades(own, at)
        restricted = sorted(set(counted_members(p.cascade, st, active, spent, at).values()))
        left_out = [(m.ent_day, m.ent_score) for m in store.account_states(conn, restricted).values()]
        n_active = st.active_members(day_of(at.timestamp()), p.enterprise.members.active_days)
        return cascade_breakdown(p.enterprise, ent, st, left_out, own, at), len(restricted), n_active

    def _history(self, conn: Connection, subject_type: str, subject_id: str, now: datetime) -> list[dict[str, Any]]:
        since = day_of(now.timestamp()) - self.policy.history_days
        points = store.history_points(conn, subject_type, subject_id, since)
        if subject_type == "account":  # the latest day's point is still open in the state
            st = store.account_state(conn, subject_id)
            open_point = st.open_point if st else None
            if open_point and open_point[0] > since:
                points[open_point[0]] = open_point[1]
        return [{"date": utc(d * DAY).date().isoformat(), "score": s / 10} for d, s in sorted(points.items())]
