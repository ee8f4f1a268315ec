"""Weight (权重, S-B) state: what an account's or an enterprise's events said, kept compactly.

Pure. An account's weight state is a compact record of what its events said: counts in daily buckets for the
last `keep_days`, the last day each feature was used, and the latest profile and verification values the
events set. Applying an event is O(1); a score is a function of (state, account row, strikes, time), so a
read is a lookup plus constant arithmetic and an incremental path and a full recompute agree exactly.

Scores are kept in tenths (int) so sums of deltas never drift. Clean history comes from the account's
ACTIVE strikes, so a voided or overturned strike restores the weight by construction.

Windows (one convention, the project's): an item at time s is in a window of length w at decision time t iff
t − w < s ≤ t. Items with their own timestamp (strikes: clean history, restricted members, own penalties, the
S-A5 window, dismissed reports) are compared in seconds. Counts kept in daily buckets (the account factors, a
member's last active day, a feature's last use) are compared in whole UTC days: day s_d is in a window of
w days at decision day t_d iff t_d − w < s_d ≤ t_d (`in_day_window`), i.e. today and the w − 1 days before it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum
from typing import Any

import orjson

from warden.kernel.model import Account

DAY = 86400
PROFILE_FIELDS = ("avatar", "nickname", "external_card")


def day_of(ts: float) -> int:
    """Days since the epoch (UTC): the bucket an event at `ts` counts in."""
    return int(ts // DAY)


def in_window(s: float, t: float, w: float) -> bool:
    """The project's window rule: an item at `s` is in the window of length `w` at decision time `t` iff
    t − w < s ≤ t (all in the same unit: epoch seconds, or day numbers for daily buckets)."""
    return t - w < s <= t


def in_day_window(day: int, today: int, days: int) -> bool:
    """`in_window` at day resolution: a daily bucket `day` is in a window of `days` days ending `today`."""
    return today - days < day <= today


# --- account state ------------------------------------------------------------------------------------------

# a day's bucket is 7 counts: profile changes, logins, logins via the linked personal account on a real
# phone, feature uses, reports received, removals by a contact, new contacts
_JSON_OPTS = orjson.OPT_NON_STR_KEYS | orjson.OPT_SORT_KEYS
_KEYS = ("p", "l", "k", "u", "r", "x", "n")


class Bucket(IntEnum):
    """The index of each count in a day's bucket (`AccountState.days[day]`, a list of 7 ints)."""

    P = 0  # profile changes
    L = 1  # logins
    K = 2  # logins via the linked personal account on a real phone
    U = 3  # feature uses (and messages)
    R = 4  # reports received
    X = 5  # removals by a contact
    N = 6  # new contacts


# Plain-int aliases for the hot loops (`apply` runs per event, the scorer per read): indexing a list with an
# IntEnum member goes through `__index__`, with an int it does not. Same numbers as `Bucket`.
_P, _L, _K, _U, _R, _X, _N = (int(b) for b in Bucket)
ACTIVE_DAYS = 7  # in a window's sums (`RollingSums`): the days with a feature use, after the 7 counts
# the event types `AccountState.apply` counts, and the count each bumps (a login may bump `_K` too)
_COUNTED = {
    "profile_change": _P,
    "login": _L,
    "feature_use": _U,
    "message": _U,
    "report": _R,
    "contact_removed": _X,
    "contact_added": _N,
}


class RollingSums:
    """Each count's sum, and the active days, over windows of fixed lengths (days) ending on day `today`: what
    the scorer reads, kept up to date instead of re-summed from every stored day bucket on each score (issue 16).

    `sums[length]` is 8 ints: the 7 counts of `Bucket` summed over the days `today − length < d ≤ today`
    (`in_day_window`), then the number of those days with a feature use (`ACTIVE_DAYS`). Built from the buckets
    (`AccountState.days`) and kept equal to that rebuild by `AccountState`: a bumped count in a window adds to
    it, a pruned day leaves it, and moving `today` by one day adds the day that enters each window and
    subtracts the one that leaves, so a score costs O(1) per day moved instead of O(stored days). Derived
    only: never stored, rebuilt on demand from the stored buckets (a unit test holds it equal to a rebuild).
    """

    __slots__ = ("lengths", "longest", "positive", "sums", "today")

    def __init__(self, days: dict[int, list[int]], lengths: tuple[int, ...], today: int) -> None:
        self.lengths = lengths
        self.longest = max(lengths)
        self.positive = min(lengths) >= 1  # then day `today` is in every window
        self.today = today
        self.sums: dict[int, list[int]] = {}
        for length in lengths:
            first = today - length + 1
            inside = [b for d, b in days.items() if first <= d <= today]
            w = list(map(sum, zip(*inside, strict=True))) if inside else [0] * 7  # each count's sum
            w.append(sum(1 for b in inside if b[_U]))  # ACTIVE_DAYS
            self.sums[length] = w

    def _add(self, w: list[int], b: list[int], sign: int) -> None:
        for k in range(7):
            w[k] += sign * b[k]
        if b[_U]:
            w[ACTIVE_DAYS] += sign

    def move(self, days: dict[int, list[int]], today: int) -> None:
        """Slide every window to end on `today`, one day at a time (the caller rebuilds instead when the move
        is a whole window or more)."""
        get = days.get
        while self.today < today:  # day t+1 enters, day t+1−length leaves
            t = self.today + 1
            entering = get(t)
            for length, w in self.sums.items():
                if entering is not None:
                    self._add(w, entering, 1)
                leaving = get(t - length)
                if leaving is not None:
                    self._add(w, leaving, -1)
            self.today = t
        while self.today > today:  # day t leaves, day t−length enters
            t = self.today
            leaving = get(t)
            for length, w in self.sums.items():
                if leaving is not None:
                    self._add(w, leaving, -1)
                entering = get(t - length)
                if entering is not None:
                    self._add(w, entering, 1)
            self.today = t - 1

    def bump(self, day: int, key: int, first_use: bool, by: int = 1) -> None:
        """Count `key` of bucket `day` went up by `by` (`first_use`: the bucket had no feature use before)."""
        today = self.today
        if day == today and self.positive:  # the usual case: the day is in every window
            for w in self.sums.values():
                w[key] += by
                if first_use:
                    w[ACTIVE_DAYS] += 1
            return
        for length, w in self.sums.items():
            if today - length < day <= today:
                w[key] += by
                if first_use:
                    w[ACTIVE_DAYS] += 1

    def drop(self, day: int, b: list[int]) -> None:
        """Bucket `day` (holding `b`) was pruned."""
        today = self.today
        for length, w in self.sums.items():
            if today - length < day <= today:
                self._add(w, b, -1)


@dataclass
class AccountState:
    days: dict[int, list[int]] = field(default_factory=dict)
    feats: dict[str, int] = field(default_factory=dict)  # feature → last day used
    profile: dict[str, list[Any]] = field(default_factory=dict)  # field → [ts, event id, present]
    verified: list[Any] | None = None  # [ts, event id, verified]
    last_ts: float = 0.0
    last_id: str = ""  # with last_ts: the newest folded event in decision order (time, then id)
    ent_day: int | None = None  # where this account's score sits in its enterprise's member buckets
    ent_score: int | None = None  # tenths
    base: dict[str, bool] | None = None  # profile fields present and verification when the state began
    open_point: list[int] | None = None  # [day, score in tenths] of the latest day: history written when it closes
    # the scorer's window sums, derived from `days` and kept in step with it (never stored, not part of equality);
    # `days` changes only through `apply` and `prune`, which keep it so
    _roll: RollingSums | None = field(default=None, init=False, compare=False, repr=False)
    # how often what a score reads may have changed (`days`, `feats`, `profile`, `verified`, `base`; not a feature
    # use on a day that had one already, which only the unread use count sees), and the scorer's memo keyed on it
    # (`Scorer.tenths`); derived, never stored, not part of equality
    _changes: int = field(default=0, init=False, compare=False, repr=False)
    _memo: tuple[Any, ...] | None = field(default=None, init=False, compare=False, repr=False)

    def seed(self, account: Account) -> None:
        """Remember the account's profile and verification as they were before its first folded event."""
        if self.base is None:
            self.base = {f: bool(getattr(account, f)) for f in PROFILE_FIELDS}
            self.base["verified"] = account.real_name_verified
            self._changes += 1

    def has(self, fld: str, account: Account) -> bool:
        """Whether a profile field is set as of the folded events (else as it began, else the row)."""
        if fld in self.profile:
            return bool(self.profile[fld][2])
        if self.base is not None:
            return self.base[fld]
        return bool(getattr(account, fld))

    def is_verified(self, account: Account) -> bool:
        if self.verified is not None:
            return bool(self.verified[2])
        if self.base is not None:
            return self.base["verified"]
        return account.real_name_verified

    @property
    def last_day(self) -> int:
        return day_of(self.last_ts)

    def _bump(self, day: int, key: int) -> None:
        bucket = self.days.get(day)
        if bucket is None:
            bucket = self.days[day] = [0, 0, 0, 0, 0, 0, 0]
        roll = self._roll
        if roll is not None and day <= roll.today:  # a later day enters the windows when they move to it
            roll.bump(day, key, key == _U and not bucket[_U])
        if key != _U or not bucket[_U]:
            self._changes += 1
        bucket[key] += 1

    def window_sums(self, today: int, lengths: tuple[int, ...]) -> dict[int, list[int]]:
        """{length: the 8 sums of `RollingSums`} over the windows of `lengths` days ending on `today`: O(1) per
        day `today` moved since the last call, a rebuild from the buckets on the first call, for other lengths,
        or after a move of a whole window or more. The lists are the state's own: read them, never change them."""
        roll = self._roll
        if roll is None or roll.lengths != lengths or abs(today - roll.today) >= roll.longest:
            roll = self._roll = RollingSums(self.days, lengths, today)
        elif roll.today != today:
            roll.move(self.days, today)
        return roll.sums

    def apply(self, e: Any, ts: float | None = None, day: int | None = None) -> None:
        """Fold one event in: O(1). Later values win by (time, id), whatever order events arrive in.

        `ts` is `e.occurred_at.timestamp()` and `day` its `day_of` when the caller has them already."""
        if ts is None:
            ts = e.occurred_at.timestamp()
        if day is None:
            day = int(ts // DAY)
        kind = e.type
        key = _COUNTED.get(kind)
        if key is not None:  # a count of the day's bucket (`_bump`, inline: this runs for every event)
            bucket = self.days.get(day)
            if bucket is None:
                bucket = self.days[day] = [0, 0, 0, 0, 0, 0, 0]
            roll = self._roll
            if roll is not None and day <= roll.today:  # a later day enters the windows when they move to it
                roll.bump(day, key, key == _U and not bucket[_U])
            if key != _U or not bucket[_U]:  # (a day's second feature use changes nothing a score reads)
                self._changes += 1
            bucket[key] += 1
            if key == _U:
                feat = e.feature if kind == "feature_use" else "chat_message"
                if self.feats.get(feat, -1) < day:
                    self.feats[feat] = day
                    self._changes += 1
            elif key == _L:
                if e.via_linked_personal and e.device_kind == "real":
                    self._bump(day, _K)
            elif key == _P:
                mark = [ts, e.id, bool(e.value)]
                prev = self.profile.get(e.field)
                if prev is None or (prev[0], prev[1]) <= (ts, e.id):
                    self.profile[e.field] = mark
        elif kind == "verification_change" and getattr(e, "account_id", None):  # noqa: SIM102
            if self.verified is None or (self.verified[0], self.verified[1]) <= (ts, e.id):
                self.verified = [ts, e.id, bool(e.verified)]
                self._changes += 1
        if ts > self.last_ts or (ts == self.last_ts and e.id > self.last_id):
            self.last_ts, self.last_id = ts, e.id

    def apply_marks(self, e: Any, ts: float) -> None:
        """What `apply` does with a profile or verification change besides its counts and the newest event: the
        field's or the verification's latest value, by (time, id) (the batch fold, issue 16)."""
        kind = e.type
        if kind == "profile_change":
            prev = self.profile.get(e.field)
            if prev is None or (prev[0], prev[1]) <= (ts, e.id):
                self.profile[e.field] = [ts, e.id, bool(e.value)]
        elif kind == "verification_change" and getattr(e, "account_id", None):  # noqa: SIM102
            if self.verified is None or (self.verified[0], self.verified[1]) <= (ts, e.id):
                self.verified = [ts, e.id, bool(e.verified)]
                self._changes += 1

    @property
    def newest(self) -> tuple[float, str]:
        """(time in epoch seconds, event id) of the newest folded event: a decision ordered before it is late."""
        return (self.last_ts, self.last_id)

    def prune(self, keep_days: int) -> None:
        cut = self.last_day - keep_days
        roll = self._roll
        for d in [d for d in self.days if d < cut]:
            b = self.days.pop(d)
            self._changes += 1
            if roll is not None:
                roll.drop(d, b)
        for f in [f for f, d in self.feats.items() if d < cut]:
            del self.feats[f]
            self._changes += 1

    def window(self, today: int, days: int) -> dict[str, int]:
        """Sums of each counter over the `days` days ending with `today`."""
        sums = [0] * 7
        first = today - days + 1
        for d, bucket in self.days.items():
            if first <= d <= today:
                for k in range(7):
                    sums[k] += bucket[k]
        return dict(zip(_KEYS, sums, strict=True))

    def active_days(self, today: int, days: int) -> int:
        first = today - days + 1
        return sum(1 for d, b in self.days.items() if first <= d <= today and b[_U])

    def to_json(self) -> str:
        """Canonical text (sorted keys), so equal states store equal text however they were folded."""
        return orjson.dumps(
            {
                "d": self.days,
                "f": self.feats,
                "pf": self.profile,
                "v": self.verified,
                "t": self.last_ts,
                "i": self.last_id,
                "ed": self.ent_day,
                "es": self.ent_score,
                "b": self.base,
                "h": self.open_point,
            },
            option=_JSON_OPTS,
        ).decode()

    @classmethod
    def from_json(cls, text: str | None) -> AccountState:
        if not text:
            return cls()
        o = orjson.loads(text)
        return cls(
            days={int(d): b for d, b in o.get("d", {}).items()},
            feats=o.get("f", {}),
            profile=o.get("pf", {}),
            verified=o.get("v"),
            last_ts=o.get("t", 0.0),
            last_id=o.get("i", ""),
            ent_day=o.get("ed"),
            ent_score=o.get("es"),
            base=o.get("b"),
            open_point=o.get("h"),
        )


# --- enterprise state -----------------------------------------------------------------------------------------


@dataclass
class EnterpriseState:
    """Member scores bucketed by each member's last active day, and recent member strikes.

    A member's score sits in exactly one bucket (its last active day) and moves when it changes: O(1).
    Buckets older than the kept window are dropped and never touched again.
    """

    members: dict[int, list[int]] = field(default_factory=dict)  # day → [sum of scores in tenths, count]
    fresh: dict[int, int] = field(default_factory=dict)  # day → active members too new to count in the mean
    strikes: dict[str, list[Any]] = field(default_factory=dict)  # member strike id → [account id, ts]
    last_day: int = 0

    def cut(self, keep_days: int) -> int:
        return self.last_day - keep_days

    def move_member(self, st: AccountState, new_day: int, new_score: int, keep_days: int, counted: bool = True) -> None:
        """Place a member at its last active day: with its score (`counted`), or among the fresh members
        (`Members.counts`), whose place is kept as (day, None)."""
        if new_day > self.last_day:
            self.last_day = new_day
        cut = self.last_day - keep_days
        old_day, old_score = st.ent_day, st.ent_score
        if old_day == new_day and new_day >= cut:  # the same day's bucket: out and back in, in one step
            if counted:
                if old_score is not None:
                    b = self.members.get(old_day)
                    if b is not None and (b[1] >= 2 or (b[1] == 1 and b[0] == old_score)):
                        b[0] += new_score - old_score  # what taking it out and putting it back in leaves
                        st.ent_score = new_score
                        return
            elif old_score is None and self.fresh.get(old_day, 0) >= 1:
                return
        if old_day is not None and old_day >= cut:
            if old_score is not None and old_day in self.members:
                b = self.members[old_day]
                b[0] -= old_score
                b[1] -= 1
                if b[1] <= 0:
                    del self.members[old_day]
            elif old_score is None and old_day in self.fresh:
                self.fresh[old_day] -= 1
                if self.fresh[old_day] <= 0:
                    del self.fresh[old_day]
        if new_day >= cut:
            if counted:
                b = self.members.setdefault(new_day, [0, 0])
                b[0] += new_score
                b[1] += 1
            else:
                self.fresh[new_day] = self.fresh.get(new_day, 0) + 1
        st.ent_day, st.ent_score = new_day, (new_score if counted else None)

    def add_strike(self, strike_id: str, account_id: str, ts: float) -> None:
        self.strikes[strike_id] = [account_id, ts]

    def prune(self, keep_days: int) -> None:
        cut = self.cut(keep_days)
        for d in [d for d in self.members if d < cut]:
            del self.members[d]
        for d in [d for d in self.fresh if d < cut]:
            del self.fresh[d]
        for sid in [s for s, (_, ts) in self.strikes.items() if day_of(ts) < cut]:
            del self.strikes[sid]

    def active(self, today: int, days: int) -> tuple[int, int]:
        """(sum of scores in tenths, count) of members active in the `days` days ending with `today`."""
        first = today - days + 1
        total = count = 0
        for d, (s, c) in self.members.items():
            if first <= d <= today:
                total += s
                count += c
        return total, count

    def active_members(self, today: int, days: int) -> int:
        """Members active in the `days` days ending with `today`, the fresh ones included."""
        first = today - days + 1
        return self.active(today, days)[1] + sum(c for d, c in self.fresh.items() if first <= d <= today)

    def restricted(self, active_ids: set[str], at: datetime, days: int) -> set[str]:
        """Members with an active strike in the `days` days up to `at`."""
        ts = at.timestamp()
        since = ts - days * DAY
        return {acc for sid, (acc, t) in self.strikes.items() if sid in active_ids and since < t <= ts}

    def to_json(self) -> str:
        o: dict[str, Any] = {"m": self.members, "s": self.strikes, "t": self.last_day}
        if self.fresh:
            o["f"] = self.fresh
        return orjson.dumps(o, option=_JSON_OPTS).decode()

    @classmethod
    def from_json(cls, text: str | None) -> EnterpriseState:
        if not text:
            return cls()
        o = orjson.loads(text)
        return cls(
            members={int(d): b for d, b in o.get("m", {}).items()},
            fresh={int(d): c for d, c in o.get("f", {}).items()},
            strikes=o.get("s", {}),
            last_day=o.get("t", 0),
        )
