"""An in-process copy of what the rules read (subjects), proven current by the audit chain's tail.

Every change to accounts, enterprises, strikes, restrictions or exemptions is audited in the same
transaction (the project's invariant). So if the chain's newest entry is still the one this process wrote
last, nobody else changed anything and the cached subjects are exact; otherwise the cache is dropped. The
check costs nothing extra: ingest reads the tail under the writers' lock anyway. Bounded (LRU).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from datetime import datetime

from warden.adapters import metrics
from warden.adapters.store import EnterpriseView
from warden.kernel.decision import Subject


class SubjectCache:
    def __init__(self, max_accounts: int = 200_000) -> None:
        self.max_accounts = max_accounts
        self.seq: int | None = None  # the audit tail this cache matches
        self._subjects: OrderedDict[str, Subject] = OrderedDict()
        self.enterprises: dict[str, EnterpriseView] = {}
        self.hits = 0
        self.misses = 0

    def clear(self) -> None:
        self.seq = None
        self._subjects.clear()
        self.enterprises.clear()

    def check(self, tail_seq: int) -> bool:
        """Drop everything unless the chain's tail is the one we last saw; True when it was dropped."""
        if tail_seq != self.seq:
            self.clear()
            return True
        return False

    def take(self, account_ids: Sequence[str], live_after: datetime) -> tuple[dict[str, Subject], list[str]]:
        """Cached subjects for these ids (ended restrictions pruned), and the ids still to load."""
        found: dict[str, Subject] = {}
        missing: list[str] = []
        for aid in dict.fromkeys(account_ids):
            subj = self._subjects.get(aid)
            if subj is None:
                missing.append(aid)
                continue
            self._subjects.move_to_end(aid)
            if subj.restrictions:
                subj.restrictions = [
                    r
                    for r in subj.restrictions
                    if r.lifted_at is None and (r.ends_at is None or r.ends_at > live_after)
                ]
            found[aid] = subj
        self.hits += len(found)
        self.misses += len(missing)
        metrics.observe_cache(len(found), len(missing))
        return found, missing

    def keep(self, subjects: dict[str, Subject], seq: int) -> None:
        """Remember subjects after a committed batch whose last audit entry is `seq`."""
        for aid, subj in subjects.items():
            self._subjects[aid] = subj
            self._subjects.move_to_end(aid)
            ent = subj.enterprise
            self.enterprises[ent.id] = (ent, subj.enterprise_restrictions, subj.enterprise_strikes)
        while len(self._subjects) > self.max_accounts:
            self._subjects.popitem(last=False)
        if len(self.enterprises) > self.max_accounts:
            self.enterprises.clear()
            self._subjects.clear()
        self.seq = seq
