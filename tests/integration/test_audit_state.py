"""The audit trail proves the state (issue 12, items 1–2): every row that decides someone's fate matches the audited
history, and the chain itself is anchored by signed checkpoints and an anchor outside the database."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from tests.conftest import World
from warden.adapters import tables as t
from warden.adapters.audit_keys import Signer
from warden.adapters.audit_state import COVERED, row_key
from warden.adapters.database import make_engine
from warden.kernel.audit import GENESIS, canonical, entry_hash


def restricted(world: World) -> None:
    """acc-1 reported three times: a strike and a restriction."""
    world.send(*[world.event("report", reporter_id=f"r-{i}", reason="spam") for i in range(3)])


def first(conn: Connection, table: sa.Table) -> Any:
    return conn.execute(sa.select(table).limit(1)).first()


def tamper(world: World, edit: Callable[[Connection], None]) -> None:
    """Edit the database behind warden, as someone with a SQL console would (a connection of their own)."""
    engine = make_engine(world.w.engine.url.render_as_string(hide_password=False))
    with engine.begin() as c:
        edit(c)
    engine.dispose()


def entries(world: World, chain: int | None = None) -> int:
    """How many audit entries there are (of `chain`, when given)."""
    q = sa.select(sa.func.count()).select_from(t.audit_log)
    if chain is not None:
        q = q.where(t.audit_log.c.chain == chain)
    with world.w.engine.connect() as c:
        return int(c.execute(q).scalar_one())


def events_chain(world: World) -> int:
    """The chain the world's events are decided into: its enterprise's partition's (issue 17)."""
    with world.w.engine.connect() as c:
        return int(c.execute(sa.select(t.events.c.audit_chain).limit(1)).scalar_one())


def test_an_untouched_store_verifies_with_its_state_rows_and_signed_head(world: World) -> None:
    restricted(world)
    report = world.w.enforcement.audit_verify()
    assert report.ok, report
    assert report.signed_head == entries(world)


def test_lifting_a_restriction_behind_warden_is_named(world: World) -> None:
    restricted(world)
    assert world.w.enforcement.explain("acc-1", "en")["state"] != "normal"
    with world.w.engine.connect() as c:
        rid = first(c, t.restrictions).id
    tamper(world, lambda c: c.execute(sa.update(t.restrictions).values(lifted_at=world.clock.now())))
    report = world.w.enforcement.audit_verify()
    assert not report.ok and report.table == "restrictions" and report.key == row_key([rid])
    assert "differs from its audited state" in (report.problem or "")


@pytest.mark.parametrize(
    "edit",
    [
        pytest.param(lambda c: c.execute(sa.update(t.strikes).values(status="voided")), id="void-strike"),
        pytest.param(lambda c: c.execute(sa.update(t.strikes).values(step=1)), id="re-step-strike"),
        pytest.param(lambda c: c.execute(sa.delete(t.restrictions)), id="delete-restriction"),
        pytest.param(
            lambda c: c.execute(sa.update(t.restrictions).values(ends_at=t.restrictions.c.starts_at)),
            id="shorten-restriction",
        ),
        pytest.param(
            lambda c: (
                c.execute(sa.insert(t.people).values(id="forged", name="", created_at=sa.func.current_timestamp())),
                c.execute(
                    sa.insert(t.tokens).values(
                        id="tok-forged",
                        secret_hash="f" * 64,
                        role="platform",
                        label="",
                        created_at=sa.func.current_timestamp(),
                        person_id="forged",
                        expires_at=sa.func.current_timestamp(),
                    )
                ),
            ),
            id="insert-token",
        ),
    ],
)
def test_each_kind_of_state_edit_is_named_with_its_table(world: World, edit: Callable[[Connection], None]) -> None:
    restricted(world)
    tamper(world, edit)
    report = world.w.enforcement.audit_verify()
    assert not report.ok and report.table in ("strikes", "restrictions", "people", "tokens"), report


def test_deleting_a_strike_is_named(world: World) -> None:
    restricted(world)
    with world.w.engine.connect() as c:
        sid = first(c, t.strikes).id
    tamper(world, lambda c: (c.execute(sa.delete(t.restrictions)), c.execute(sa.delete(t.strikes))))
    report = world.w.enforcement.audit_verify()
    assert not report.ok and report.table == "strikes" and report.key == row_key([sid])
    assert "deleted behind warden" in (report.problem or "")


@pytest.mark.parametrize(
    "values",
    [
        pytest.param({"occurred_at": sa.literal(None)}, id="occurred_at"),
        pytest.param({"counted": "[]"}, id="counted"),
    ],
)
def test_changing_a_stored_event_is_named(world: World, values: dict[str, Any]) -> None:
    restricted(world)
    with world.w.engine.connect() as c:
        ev = c.execute(sa.select(t.events).where(t.events.c.counted != "[]").limit(1)).first()
    assert ev is not None
    new = dict(values)
    if "occurred_at" in new:
        new["occurred_at"] = ev.occurred_at - timedelta(days=3)
    tamper(world, lambda c: c.execute(sa.update(t.events).where(t.events.c.id == ev.id).values(**new)))
    report = world.w.enforcement.audit_verify()
    assert not report.ok and report.first_broken == ev.audit_seq and "decisions" in (report.problem or "")


def test_events_naming_a_missing_entry_are_named(world: World) -> None:
    restricted(world)
    tamper(world, lambda c: c.execute(sa.update(t.events).values(audit_seq=10_000)))
    report = world.w.enforcement.audit_verify()
    assert not report.ok


def test_an_honest_manual_lift_still_verifies(world: World) -> None:
    restricted(world)
    with world.w.engine.connect() as c:
        rid = first(c, t.restrictions).id
    world.w.manual_actions.lift_restriction(rid, "reviewer-1", "mistake")
    assert world.w.enforcement.audit_verify().ok


# --- the chain: truncation and rewriting --------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 20, "all"])
def test_deleting_the_newest_entries_is_detected(world: World, n: int | str) -> None:
    restricted(world)
    for _ in range(12):  # enough entries to delete 20
        world.send(world.phone_search())
    chain = events_chain(world)  # the newest entries of the partition chain the events went to
    head = entries(world, chain)
    cut = head if n == "all" else int(n)
    cp, log = t.audit_checkpoints, t.audit_log
    tamper(
        world,
        lambda c: (
            c.execute(sa.delete(cp).where(cp.c.chain == chain, cp.c.seq > head - cut)),
            c.execute(sa.delete(log).where(log.c.chain == chain, log.c.seq > head - cut)),
        ),
    )
    report = world.w.enforcement.audit_verify()
    assert not report.ok and report.table is None, report  # a cut, not "a row inserted behind warden"
    if n == "all":
        assert "every entry was deleted" in (report.problem or "")
    else:
        assert f"the chain was cut after entry {head - cut}" in (report.problem or "")
        assert f"reaches entry {head}" in (report.problem or "")


def test_issue12_a_clean_cut_with_checkpoints_kept_says_where_it_was_cut(world: World) -> None:
    restricted(world)
    for _ in range(4):
        world.send(world.phone_search())
    chain = events_chain(world)
    head = entries(world, chain)
    log = t.audit_log
    tamper(world, lambda c: c.execute(sa.delete(log).where(log.c.chain == chain, log.c.seq > head - 3)))
    report = world.w.enforcement.audit_verify()
    assert not report.ok and report.first_broken == head - 2 and report.chain == chain
    assert f"the chain was cut after entry {head - 3}" in (report.problem or "")
    assert f"reaches entry {head}" in (report.problem or "") and "rewritten" not in (report.problem or "")


def test_issue12_a_cut_with_the_anchor_folder_deleted_is_a_warning_not_a_silent_intact(world: World) -> None:
    restricted(world)
    chain = events_chain(world)
    keep = entries(world, chain)  # a signed head; the searches after it change no covered row
    for _ in range(3):
        world.send(world.phone_search())
    ev, cp, log = t.events, t.audit_checkpoints, t.audit_log
    tamper(  # the newest batches go, with their events and checkpoints: the chain ends at a signed head again
        world,
        lambda c: (
            c.execute(sa.delete(ev).where(ev.c.audit_chain == chain, ev.c.audit_seq > keep)),
            c.execute(sa.delete(cp).where(cp.c.chain == chain, cp.c.seq > keep)),
            c.execute(sa.delete(log).where(log.c.chain == chain, log.c.seq > keep)),
        ),
    )
    signer = world.w.enforcement.verifier
    assert isinstance(signer, Signer)
    with world.w.engine.connect() as c:
        first_hash = c.execute(sa.select(log.c.hash).where(log.c.chain == chain, log.c.seq == 1)).scalar_one()
    signer.anchor_path(first_hash).unlink()  # the anchor beside the key is gone too
    report = world.w.enforcement.audit_verify()
    assert report.ok and report.warning is not None
    assert f"intact up to entry {keep}, but no anchor file found at" in report.warning
    assert "cannot be ruled out" in report.warning


def test_issue12_without_a_key_verify_says_nothing_signed_was_checked(world: World) -> None:
    from warden.adapters.audit_state import verify

    restricted(world)
    with world.w.engine.connect() as c:
        report = verify(c, None)
    assert not report.ok and report.first_broken is None and "no key" in (report.problem or "")


def test_issue12_an_edited_event_is_named_by_its_id(world: World) -> None:
    restricted(world)
    with world.w.engine.connect() as c:
        ev = c.execute(sa.select(t.events).where(t.events.c.counted != "[]").limit(1)).first()
    assert ev is not None
    tamper(world, lambda c: c.execute(sa.update(t.events).where(t.events.c.id == ev.id).values(counted="[]")))
    report = world.w.enforcement.audit_verify()
    assert not report.ok and report.first_broken == ev.audit_seq and f"event {ev.id}" in (report.problem or "")


def test_a_rewritten_entry_with_every_later_hash_recomputed_is_detected(world: World) -> None:
    restricted(world)
    for _ in range(3):
        world.send(world.phone_search())

    chain = events_chain(world)

    def rewrite(c: Connection) -> None:  # change entry 3, then recompute every hash after it (plain SHA-256)
        log = t.audit_log
        rows = c.execute(sa.select(log).where(log.c.chain == chain).order_by(log.c.seq)).all()
        c.execute(sa.delete(log).where(log.c.chain == chain))
        prev = GENESIS
        for r in rows:
            actor = "someone-else" if r.seq == 3 else r.actor
            h = entry_hash(prev, r.seq, r.at, actor, r.action, r.subject, json.loads(r.data))
            c.execute(sa.insert(t.audit_log).values({**r._asdict(), "actor": actor, "prev_hash": prev, "hash": h}))
            prev = h

    tamper(world, rewrite)
    report = world.w.enforcement.audit_verify()
    assert (not report.ok and "signed checkpoint" in (report.problem or "")) or "rewritten" in (report.problem or "")


def test_deleting_every_checkpoint_is_detected(world: World) -> None:
    restricted(world)
    tamper(world, lambda c: c.execute(sa.delete(t.audit_checkpoints)))
    report = world.w.enforcement.audit_verify()
    assert not report.ok and "not signed" in (report.problem or "")


def test_verify_writes_nothing(world: World) -> None:
    restricted(world)
    with world.w.engine.connect() as c:
        before = [
            c.execute(sa.select(sa.func.count()).select_from(x)).scalar_one()
            for x in (t.audit_log, t.audit_checkpoints)
        ]
    for _ in range(3):
        assert world.w.enforcement.audit_verify().ok
    with world.w.engine.connect() as c:
        after = [
            c.execute(sa.select(sa.func.count()).select_from(x)).scalar_one()
            for x in (t.audit_log, t.audit_checkpoints)
        ]
    assert before == after


def test_every_covered_table_exists_with_its_columns() -> None:
    for name, spec in COVERED.items():
        table = t.metadata.tables[name]
        assert set(spec.key) <= set(spec.columns) <= {c.name for c in table.columns}, name


def test_row_keys_are_canonical_json_of_strings() -> None:
    assert row_key(["a", 1]) == canonical(["a", "1"]) == '["a","1"]'


def test_issue12_an_edited_policy_text_is_named_with_its_hash(world: World) -> None:
    restricted(world)
    h = world.w.loaded.hash
    tamper(world, lambda c: c.execute(sa.update(t.policies).values(text=t.policies.c.text + "\n# edited\n")))
    report = world.w.enforcement.audit_verify()
    assert not report.ok and report.table == "policies" and report.key == row_key([h]), report
    assert "differs from its audited state" in (report.problem or "")


def test_issue12_every_table_added_this_session_is_covered() -> None:
    for name in (
        "policies",
        "unblock_reports",
        "case_evidence",
        "policy_versions",
        "policy_stages",
        "policy_promotions",
        "people",
        "tokens",
    ):
        assert name in COVERED, name


def test_issue17_the_audit_listing_pages_across_chains_without_skipping_or_repeating(world: World) -> None:
    """Entries of several chains share seq numbers and instants: the listing orders them by (at, chain, seq), newest
    first, and its cursor is that position, so pages of any size give every entry exactly once."""
    from warden.kernel.access import Principal, Role
    from warden.kernel.errors import InvalidInput
    from warden.kernel.partition import partition_of

    ids, seen = [], set()
    for i in range(40):  # enterprises in distinct partitions (so distinct chains)
        p = partition_of(f"ent-x{i}", world.w.pipeline.partitions)
        if p not in seen:
            seen.add(p)
            ids.append(f"ent-x{i}")
        if len(ids) == 4:
            break
    for n, eid in enumerate(ids):
        world.enterprise(eid)
        world.account(f"acc-x{n}", eid)
    for round_ in range(3):  # interleaved: every chain moves in every round, several at one instant
        world.send(*(world.phone_search(f"acc-x{n}") for n in range(len(ids))))
        world.send(world.phone_search(f"acc-x{round_ % len(ids)}"))
        if round_ == 1:
            world.clock.advance(seconds=1)
    with world.w.engine.connect() as c:
        rows = c.execute(sa.select(t.audit_log.c.at, t.audit_log.c.chain, t.audit_log.c.seq)).all()
    want = sorted(((r.at, r.chain, r.seq) for r in rows), reverse=True)
    chains = {c for _, c, _ in want}
    assert len(chains) >= 4  # the platform's and the partitions'
    by_seq: dict[int, set[int]] = {}
    for _, c, s in want:
        by_seq.setdefault(s, set()).add(c)
    assert any(len(cs) > 1 for cs in by_seq.values())  # chains share seq numbers: the case that broke paging

    auditor = Principal("t-auditor", Role.AUDITOR)
    for size in (1, 3, 7, 500):
        got, cursor = [], None
        while True:
            page = world.w.enforcement.audit_page(auditor, size, cursor)
            got += [(e.at, e.chain, e.seq) for e in page.items]
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
        assert got == want, size  # every entry once, in the documented order

    for bad in ("17", "bm90IGEgY3Vyc29y", "MjAyNi0wMS0wMVQwMDowMDowMCswMDowMB8xHy0x"):
        with pytest.raises(InvalidInput) as err:
            world.w.enforcement.audit_page(auditor, 5, bad)
        assert err.value.errors[0].field == "cursor"


@pytest.mark.parametrize(
    ("edit", "said"),
    [
        pytest.param(
            lambda c: c.execute(
                sa.update(t.installation).where(t.installation.c.name == "partitions").values(value="8")
            ),
            "differs from its audited state",
            id="partition-count-changed",
        ),
        pytest.param(
            lambda c: c.execute(sa.delete(t.installation).where(t.installation.c.name == "partitions")),
            "deleted behind warden",
            id="partition-count-deleted",
        ),
    ],
)
def test_issue17_the_partition_count_edited_behind_warden_is_named(
    world: World, edit: Callable[[Connection], None], said: str
) -> None:
    """The installation's partition count decides which worker and which audit chain an enterprise's events go to:
    edited behind warden, `warden audit verify` names the row (the platform chain's `state.rows` vouch for it)."""
    restricted(world)
    assert world.w.enforcement.audit_verify().ok
    tamper(world, edit)
    report = world.w.enforcement.audit_verify()
    assert not report.ok and report.table == "installation" and report.key == row_key(["partitions"]), report
    assert said in (report.problem or ""), report


def test_issue17_a_fact_added_to_the_installation_behind_warden_is_named(world: World) -> None:
    tamper(world, lambda c: c.execute(sa.insert(t.installation).values(name="shards", value="4")))
    report = world.w.enforcement.audit_verify()
    assert not report.ok and report.table == "installation" and report.key == row_key(["shards"]), report
    assert "not in the audited history" in (report.problem or ""), report


def test_issue17_an_installation_from_before_the_audited_count_is_vouched_for_by_the_upgrade(tmp_path: Path) -> None:
    """A database set up before migration 0023 holds an unaudited partition count: the upgrade vouches for it as it
    stands, so verify passes after the upgrade and names an edit made after it."""
    from alembic import command

    from warden.adapters.database import alembic_config, upgrade
    from warden.bootstrap import bootstrap
    from warden.settings import Settings

    url = f"sqlite:///{tmp_path}/w.db"
    engine = make_engine(url)
    command.upgrade(alembic_config(engine), "0022_audit_listing_index")
    with engine.begin() as c:  # as warden wrote it then (`store.fix_partitions`): no trigger, no seal
        c.execute(sa.insert(t.installation).values(name="partitions", value="16"))
    upgrade(engine)
    engine.dispose()
    w = bootstrap(Settings(database_url=url, partitions=16), migrate=False)
    try:
        assert w.enforcement.audit_verify().ok
        behind = make_engine(url)  # someone with a SQL console (warden's own engine would seal the write)
        with behind.begin() as c:
            c.execute(sa.update(t.installation).values(value="4"))
        behind.dispose()
        report = w.enforcement.audit_verify()
        assert not report.ok and report.table == "installation", report
    finally:
        w.close()
