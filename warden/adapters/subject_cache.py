"""An in-process copy of what the rules read (subjects), proven current per partition by the audit chains' tails.

Every change to accounts, enterprises, strikes, restrictions or exemptions is audited in the same transaction (the
project's invariant): by ingest on its partition's chain (a batch that reaches another partition appends there too),
by everything else on the platform chain. So a partition's stamp, (platform chain tail, partition chain tail), is
the one this process saw after its last batch there exactly when nobody else changed anything in that partition; a
partition whose stamp moved is dropped, the others stay (issue 17: another process's writes to other partitions no
longer wipe the cache). The check costs nothing extra: ingest reads the tails under the partitions' locks anyway.
Bounded (LRU).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

from warden.adapters import metrics
from warden.adapters.store import EnterpriseView
from warden.kernel.decision import Subject

Stamp = tuple[int, int]
"""(platform chain tail seq, partition chain tail seq)."""


class SubjectCache:
    def __init__(self, max_accounts: int = 200_000) -> None:
        self.max_accounts = max_accounts
        self.seq: int | None = None  # a generation: None after anything was dropped, until the next `keep`
        self._stamps: dict[int, Stamp] = {}  # partition → the stamp its cached subjects match
        self._subjects: OrderedDict[str, Subject] = OrderedDict()
        self._members: dict[int, set[str]] = {}  # partition → its cached accounts
        self.enterprises: dict[str, EnterpriseView] = {}
        self._ent_members: dict[int, set[str]] = {}  # partition → its cached enterprises
        self._generation = 0
        self.hits = 0
        self.misses = 0
        self._clears = 0  # how many times `clear` ran: `keep` knows whether what `take` found is still there
        self._taken_at = -1  # `_clears` at the last `take`
        # account → the time its cached restrictions are complete after (`take` prunes those ended before a batch's
        # oldest event): a batch with an older event (a late one) must read them again from the store
        self._horizon: dict[str, datetime] = {}

    def clear(self) -> None:
        self._clears += 1
        self.seq = None
        self._stamps.clear()
        self._subjects.clear()
        self._members.clear()
        self.enterprises.clear()
        self._ent_members.clear()
        self._horizon.clear()

    def check(self, stamps: Mapping[int, Stamp]) -> set[int]:
        """Drop each partition whose stamp is not the one we last saw; the partitions dropped (when any, the
        features' own caches are dropped too: `Feature.on_foreign_change`, and ingest's counts of those partitions'
        accounts)."""
        dropped = set()
        for p, stamp in stamps.items():
            if self._stamps.get(p) != stamp:
                self._drop(p)
                dropped.add(p)
        if dropped:
            self.seq = None
        return dropped

    def _drop(self, partition: int) -> None:
        self._stamps.pop(partition, None)
        for aid in self._members.pop(partition, ()):
            self._subjects.pop(aid, None)
            self._horizon.pop(aid, None)
        for eid in self._ent_members.pop(partition, ()):
            self.enterprises.pop(eid, None)

    def not_held(self, account_ids: Sequence[str]) -> list[str]:
        """The distinct ids of `account_ids` this cache holds no subject of (what `take` would call missing now),
        without touching the cache or its counts."""
        held = self._subjects
        return [a for a in dict.fromkeys(account_ids) if a not in held]

    def take(self, account_ids: Sequence[str], live_after: datetime) -> tuple[dict[str, Subject], list[str]]:
        """Cached subjects for these ids (ended restrictions pruned), and the ids still to load. `live_after`: the
        batch's oldest event; a subject whose restrictions were pruned after a later time (a late event: a
        restriction that ended between the two is gone from it) is still to load, as the store has them all."""
        found: dict[str, Subject] = {}
        missing: list[str] = []
        self._taken_at = self._clears
        horizon = self._horizon
        for aid in dict.fromkeys(account_ids):
            subj = self._subjects.get(aid)
            since = horizon.get(aid)
            if subj is None or (since is not None and live_after < since):
                missing.append(aid)
                horizon[aid] = live_after  # what the store loads it with (`load_subjects`)
                continue
            self._subjects.move_to_end(aid)
            if subj.restrictions:
                subj.restrictions = [
                    r
                    for r in subj.restrictions
                    if r.lifted_at is None and (r.ends_at is None or r.ends_at > live_after)
                ]
            if since is None or live_after > since:
                horizon[aid] = live_after
            found[aid] = subj
        self.hits += len(found)
        self.misses += len(missing)
        metrics.observe_cache(len(found), len(missing))
        return found, missing

    def keep(
        self,
        subjects: dict[str, Subject],
        stamps: Mapping[int, Stamp],
        partition_of: Callable[[str], int],
        loaded: dict[str, Subject] | None = None,
    ) -> None:
        """Remember subjects after a committed batch that held the partitions of `stamps` (each partition's stamp
        after the commit); subjects of other partitions are not kept. `loaded`: those of `subjects` the batch read
        from the database rather than `take`; when given and nothing was cleared since the last `take`, only they are
        put in (issue 16, sixth round): the taken ones are in place already (changed in place by the rules; `take`
        moved them to the LRU's end in the batch's order, ahead of the loaded ones as `subjects` has them), and so
        are their enterprises' views (members share their enterprise's objects, and nothing replaces them)."""
        if loaded is not None and self._taken_at == self._clears:
            subjects = loaded
        for aid, subj in subjects.items():
            ent = subj.enterprise
            p = partition_of(ent.id)
            if p not in stamps:
                continue
            self._subjects[aid] = subj
            self._subjects.move_to_end(aid)
            self._members.setdefault(p, set()).add(aid)
            self.enterprises[ent.id] = (ent, subj.enterprise_restrictions, subj.enterprise_strikes)
            self._ent_members.setdefault(p, set()).add(ent.id)
        while len(self._subjects) > self.max_accounts:
            gone, _ = self._subjects.popitem(last=False)  # its partition's member set keeps the id: harmless
            self._horizon.pop(gone, None)
        if len(self.enterprises) > self.max_accounts:
            self.clear()
        self._stamps.update(stamps)
        self._generation += 1
        self.seq = self._generation
