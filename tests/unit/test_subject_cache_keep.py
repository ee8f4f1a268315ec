"""`SubjectCache.keep` given only a batch's loaded subjects (issue 16, sixth round) leaves the cache exactly as keeping
every subject of the batch did: the same subjects, in the same LRU order, the same members and enterprise views; and
when the cache was cleared while the batch ran (the unblocking's reversals clear it), every subject goes in again."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from warden.adapters.subject_cache import SubjectCache
from warden.kernel.decision import Subject
from warden.kernel.model import Account, Enterprise, Restriction, Scope

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)


def _partition(enterprise_id: str) -> int:
    return int(enterprise_id.split("-")[1]) % 3


def _state(c: SubjectCache) -> tuple[Any, ...]:
    return (
        list(c._subjects.items()),
        {p: sorted(m) for p, m in c._members.items()},
        dict(c.enterprises),
        {p: sorted(m) for p, m in c._ent_members.items()},
        dict(c._stamps),
    )


def _run(seed: int, clear_between: bool) -> None:
    rng = random.Random(seed)
    ents = {f"ent-{i}": Enterprise(f"ent-{i}", f"E{i}", True, NOW) for i in range(5)}
    views = {e: (ents[e], [], []) for e in ents}
    made: dict[str, Subject] = {}

    def subject(aid: str) -> Subject:
        e = ents[f"ent-{int(aid.split('-')[1]) % 5}"]
        _, restr, strikes = views[e.id]
        return Subject(Account(aid, e.id, "", True, NOW), e, enterprise_restrictions=restr, enterprise_strikes=strikes)

    both = (SubjectCache(max_accounts=25), SubjectCache(max_accounts=25))
    for batch in range(12):
        want = [f"acc-{rng.randrange(40)}" for _ in range(rng.randrange(1, 20))]
        stamps = {p: (batch, batch) for p in range(3)}
        results = []
        for c in both:
            c.check({p: (batch - 1, batch - 1) for p in range(3)} if batch else {})
            subjects, missing = c.take(want, NOW)
            loaded = {a: made.setdefault(a, subject(a)) for a in missing}
            subjects.update(loaded)
            if clear_between and batch % 4 == 3:
                c.clear()
            results.append((subjects, loaded))
        both[0].keep(results[0][0], stamps, _partition)
        both[1].keep(results[1][0], stamps, _partition, results[1][1])
        assert _state(both[0]) == _state(both[1])


def test_keeping_only_the_loaded_subjects_leaves_the_cache_as_keeping_every_subject() -> None:
    for seed in range(20):
        _run(seed, clear_between=False)


def test_after_a_clear_during_the_batch_every_subject_goes_in_again() -> None:
    for seed in range(20):
        _run(seed, clear_between=True)


def test_a_subject_pruned_for_a_later_batch_is_loaded_again_for_a_batch_with_an_older_late_event() -> None:
    """`take` prunes the restrictions that ended before a batch's oldest event; a later batch holding an older event
    (a late one) needs those (a restriction in force at its time: S-A7, `already_restricted_by`), so the subject is
    to load from the store again, not taken pruned. In time order (oldest events never going back) it is taken."""
    ent = Enterprise("ent-0", "E0", True, NOW)
    subj = Subject(Account("acc-0", ent.id, "", True, NOW), ent)
    ended = NOW + timedelta(hours=1)
    subj.restrictions.append(
        Restriction("rst-0", "account", "acc-0", Scope.ADD_CONTACTS, 0, "r", NOW, ended, "stk-0", True, None)
    )
    c = SubjectCache()
    assert c.take(["acc-0"], NOW) == ({}, ["acc-0"])
    c.keep({"acc-0": subj}, {0: (1, 1)}, lambda _: 0)
    assert c.take(["acc-0"], NOW + timedelta(hours=2)) == ({"acc-0": subj}, [])
    assert not subj.restrictions  # pruned: it ended before that batch
    assert c.take(["acc-0"], NOW + timedelta(hours=3)) == ({"acc-0": subj}, [])
    assert c.take(["acc-0"], NOW + timedelta(minutes=30)) == ({}, ["acc-0"])  # late: the store has it
