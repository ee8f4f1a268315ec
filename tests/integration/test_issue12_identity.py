"""People and tokens (issue 12, item 3 and the token part of item 11), through the services on both databases: every
token belongs to a person; people are covered by the audit trail; tokens expire and record their last use without a
write per request; the upgrade gives every existing token a person of its own."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from tests.conftest import T0, World
from warden.adapters import audit_state
from warden.adapters import tables as t
from warden.adapters.audit_state import row_key
from warden.adapters.database import alembic_config, make_engine, upgrade
from warden.app import App
from warden.enforcement.tokens import Tokens
from warden.entrypoints.cli.main import app as cli
from warden.kernel.access import Principal, Role, person_of, same_person
from warden.kernel.clock import FixedClock
from warden.kernel.errors import InvalidInput
from warden.settings import Settings

runner = CliRunner()


def entries(w: App) -> int:
    with w.engine.connect() as c:
        return int(c.execute(sa.select(sa.func.count()).select_from(t.audit_log)).scalar_one())


def tamper(w: App, statement: sa.Executable) -> None:
    """Edit the database behind warden, as someone with a SQL console would (a connection of their own)."""
    engine = make_engine(w.engine.url.render_as_string(hide_password=False))
    with engine.begin() as c:
        c.execute(statement)
    engine.dispose()


# --- people -------------------------------------------------------------------------------------------------------


def test_actors_name_the_person_and_four_eyes_compares_people_whatever_the_role_or_token() -> None:
    laptop = Principal("tok-a", Role.REVIEWER, person_id="zhang")
    platform = Principal("tok-b", Role.PLATFORM, person_id="zhang")
    member = Principal("tok-c", Role.MEMBER, "ent-1", "acc-1", person_id="p-1")
    assert (laptop.actor, platform.actor, member.actor) == ("reviewer:zhang", "platform:zhang", "member:p-1@acc-1")
    assert same_person(laptop.actor, platform.actor) and not same_person(laptop.actor, "reviewer:li")
    assert person_of("member:p-1@acc-1") == "p-1" and person_of("cli") == "cli" and not same_person(None, None)
    assert Principal("tok-d", Role.AUDITOR).actor == "auditor:tok-d"  # in process: the token id stands for the person


def test_two_tokens_given_to_one_person_share_the_person_and_a_token_without_one_gets_its_own(warden: App) -> None:
    first, _ = warden.tokens.create(Role.REVIEWER, person="Zhang", label="laptop")
    second, _ = warden.tokens.create(Role.REVIEWER, person="ｚｈａｎｇ", label="phone")  # NFKC, case folded: zhang
    alone, _ = warden.tokens.create(Role.REVIEWER, label="Li Wei")
    assert first.person_id == second.person_id == "zhang" and first.actor == second.actor == "reviewer:zhang"
    assert alone.person_id == alone.token_id
    people = {p.id: p.name for p in warden.tokens.people()}
    assert people == {"zhang": "zhang", alone.token_id: "Li Wei"}
    with pytest.raises(InvalidInput, match="not a person handle"):
        warden.tokens.create(Role.REVIEWER, person="zhang:admin")
    assert warden.tokens.create_person("wang", "Wang Fang").name == "Wang Fang"


def test_a_disabled_person_gets_no_new_token_and_their_tokens_are_refused(warden: App) -> None:
    _, secret = warden.tokens.create(Role.REVIEWER, person="zhang")
    warden.tokens.disable_person("zhang", actor="cli")
    assert warden.tokens.check(secret) == "the token's person 'zhang' is disabled"
    with pytest.raises(InvalidInput, match="disabled"):
        warden.tokens.create(Role.REVIEWER, person="zhang")


def test_people_are_covered_by_the_audit_trail(world: World) -> None:
    w = world.w
    w.tokens.create(Role.REVIEWER, person="zhang")
    w.tokens.disable_person("zhang", actor="cli")
    assert w.enforcement.audit_verify().ok
    tamper(w, sa.update(t.people).where(t.people.c.id == "zhang").values(disabled_at=None))  # re-enabled behind warden
    report = w.enforcement.audit_verify()
    assert not report.ok and report.table == "people" and report.key == row_key(["zhang"])


def test_moving_a_token_to_another_person_behind_warden_is_named(world: World) -> None:
    w = world.w
    token, _ = w.tokens.create(Role.REVIEWER, person="zhang")
    w.tokens.create(Role.REVIEWER, person="li")
    tamper(w, sa.update(t.tokens).where(t.tokens.c.id == token.token_id).values(person_id="li"))
    report = w.enforcement.audit_verify()
    assert not report.ok and report.table == "tokens" and report.key == row_key([token.token_id])


# --- tokens: expiry, last use, listing -----------------------------------------------------------------------------


def test_a_token_lives_the_default_lifetime_or_what_it_was_given_and_no_longer_than_two_years(
    warden: App, clock: FixedClock
) -> None:
    _, default = warden.tokens.create(Role.AUDITOR, person="wang")
    _, short = warden.tokens.create(Role.AUDITOR, person="wang", expires_in=timedelta(days=1))
    clock.advance(days=1)
    assert isinstance(warden.tokens.check(default), Principal)
    assert "expired at" in str(warden.tokens.check(short)) and warden.tokens.authenticate(short) is None
    clock.advance(days=89)
    assert "expired at" in str(warden.tokens.check(default))
    with pytest.raises(InvalidInput) as err:
        warden.tokens.create(Role.AUDITOR, person="wang", expires_in=timedelta(days=731))
    assert err.value.errors[0].field == "expires_in"
    month = Settings.model_validate({"token_lifetime": "30d"}).token_lifetime
    assert Tokens(warden.uow, month).lifetime == timedelta(days=30)


def test_last_use_is_written_at_most_once_a_minute_and_never_audited(warden: App, clock: FixedClock) -> None:
    token, secret = warden.tokens.create(Role.AUDITOR, person="wang")
    before = entries(warden)

    def last_used() -> datetime | None:
        [item] = [i for i in warden.tokens.listing().items if i.id == token.token_id]
        return item.last_used_at

    assert last_used() is None
    warden.tokens.check(secret)
    assert last_used() == T0
    clock.advance(seconds=59)
    warden.tokens.check(secret)
    assert last_used() == T0  # within the minute: no write
    clock.advance(seconds=1)
    warden.tokens.check(secret)
    assert last_used() == T0 + timedelta(seconds=60)
    assert entries(warden) == before and warden.enforcement.audit_verify().ok


def test_a_revoked_token_is_refused_by_another_process_at_its_next_request(
    warden: App, db_url: str, clock: FixedClock
) -> None:
    from tests.conftest import build

    other = build(db_url, clock)
    try:
        _, secret = warden.tokens.create(Role.REVIEWER, person="li")
        token = other.tokens.authenticate(secret)
        assert token is not None and token.person_id == "li"
        warden.tokens.revoke(token.token_id, actor="cli")
        assert other.tokens.authenticate(secret) is None and "revoked at" in str(other.tokens.check(secret))
    finally:
        other.engine.dispose()


# --- the command line ---------------------------------------------------------------------------------------------


def test_the_cli_makes_tokens_for_people_lists_them_and_disables_people(world: World, db_url: str) -> None:
    r = runner.invoke(cli, ["token", "create", "--role", "reviewer", "-d", db_url])
    assert r.exit_code == 1 and "--person" in r.output
    secrets = []
    for device in ("laptop", "phone"):
        args = ["token", "create", "--role", "reviewer", "--person", "zhang", "--label", device, "--expires-in", "30d"]
        r = runner.invoke(cli, [*args, "-d", db_url])
        assert r.exit_code == 0 and "person zhang" in r.output, r.output
        secrets.append(r.output.strip().splitlines()[-1])
    r = runner.invoke(cli, ["token", "create", "--role", "reviewer", "--person", "li", "--expires-in", "soon"])
    assert r.exit_code == 1 and "--expires-in" in r.output
    r = runner.invoke(cli, ["token", "list", "--json", "-d", db_url])
    assert r.exit_code == 0 and not any(s in r.output for s in secrets)
    listed = [json.loads(line) for line in r.output.splitlines() if line.startswith("{")]
    assert {(x["person"], x["label"]) for x in listed} == {("zhang", "laptop"), ("zhang", "phone")}
    assert all(
        datetime.fromisoformat(x["expires_at"]) - datetime.fromisoformat(x["created_at"]) == timedelta(days=30)
        for x in listed
    )
    assert runner.invoke(cli, ["person", "create", "li", "--name", "Li Wei", "-d", db_url]).exit_code == 0
    assert "Li Wei" in runner.invoke(cli, ["person", "list", "-d", db_url]).output
    assert runner.invoke(cli, ["person", "disable", "zhang", "-d", db_url]).exit_code == 0
    assert all("disabled" in str(world.w.tokens.check(s)) for s in secrets)
    r = runner.invoke(cli, ["token", "list", "--json", "-d", db_url])
    assert {json.loads(line)["state"] for line in r.output.splitlines()} == {"person_disabled"}
    assert runner.invoke(cli, ["token", "list", "-d", db_url]).exit_code == 0  # the table for people


# --- the upgrade ----------------------------------------------------------------------------------------------------


def test_the_upgrade_gives_each_existing_token_a_person_of_its_own_and_an_end(blank_url: str) -> None:
    from alembic import command

    from warden.bootstrap import bootstrap

    engine = make_engine(blank_url)
    command.upgrade(alembic_config(engine), "0008_audit_state")
    old = sa.table(  # the tokens table as revision 0008 had it, written as warden then wrote it (audited)
        "tokens",
        *(sa.column(c) for c in ("id", "secret_hash", "role", "label")),
        sa.column("created_at", t.UTCDateTime()),
    )
    with engine.begin() as c:
        for tid, label in (("a1b2c3", "zhang laptop"), ("d4e5f6", "")):
            digest = hashlib.sha256(f"wdn_{tid}_secret".encode()).hexdigest()
            c.execute(sa.insert(old).values(id=tid, secret_hash=digest, role="reviewer", label=label, created_at=T0))
        audit_state.seal(c, force=True, covered=audit_state.present(c))
    upgrade(engine)
    with engine.connect() as c:
        people = {r.id: r.name for r in c.execute(sa.select(t.people))}
        tokens = {r.id: (r.person_id, r.expires_at) for r in c.execute(sa.select(t.tokens))}
    engine.dispose()
    assert people == {"a1b2c3": "zhang laptop", "d4e5f6": "d4e5f6"}
    soon = datetime.now(UTC) + timedelta(days=90)
    assert {k: v[0] for k, v in tokens.items()} == {"a1b2c3": "a1b2c3", "d4e5f6": "d4e5f6"}
    assert all(abs(v[1] - soon) < timedelta(minutes=5) for v in tokens.values())

    w = bootstrap(Settings(database_url=blank_url), clock=FixedClock(T0), migrate=False)
    try:
        principal = w.tokens.authenticate("wdn_a1b2c3_secret")
        assert principal is not None and principal.actor == "reviewer:a1b2c3"  # the actor the trail already knew
        assert w.enforcement.audit_verify().ok
    finally:
        w.close()
