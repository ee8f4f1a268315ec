"""The audit chain proves itself intact, or names the first broken entry."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from warden.kernel.audit import GENESIS, AuditEntry, entry_hash, verify_chain

T = datetime(2026, 11, 25, tzinfo=UTC)


def chain(n: int) -> list[AuditEntry]:
    out, prev = [], GENESIS
    for seq in range(1, n + 1):
        data = {"n": seq, "text": "限制登录"}
        h = entry_hash(prev, seq, T, "actor", "act", "subj", data)
        out.append(AuditEntry(seq, T, "actor", "act", "subj", data, prev, h))
        prev = h
    return out


def test_an_untouched_chain_verifies() -> None:
    report = verify_chain(chain(5))
    assert report.ok and report.checked == 5


def test_an_altered_entry_is_named() -> None:
    entries = chain(5)
    entries[2] = replace(entries[2], data={"n": 999})
    report = verify_chain(entries)
    assert not report.ok and report.first_broken == 3 and "altered" in (report.problem or "")


def test_a_removed_entry_is_named() -> None:
    entries = chain(5)
    del entries[1]
    report = verify_chain(entries)
    assert not report.ok and report.first_broken == 3 and "missing" in (report.problem or "")


def test_a_rehashed_entry_still_breaks_the_link_to_its_successor() -> None:
    entries = chain(4)
    e = entries[1]
    forged = replace(
        e, data={"n": 0}, hash=entry_hash(e.prev_hash, e.seq, e.at, e.actor, e.action, e.subject, {"n": 0})
    )
    entries[1] = forged
    report = verify_chain(entries)
    assert not report.ok and report.first_broken == 3
