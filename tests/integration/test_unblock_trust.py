"""The way back made trustworthy (issue 12 items 5, 6, 10, 11; issue 15 items 3, 4, 5), through the services on both
databases: one phone number one key (E.164), helper nominations that tell nothing about strangers, exact guess
budgets for one-time codes kept with an HMAC, the required verification methods, what uses the cap, and the last
wrong code."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import PG_ADMIN_URL, T0, World, _pg_available
from tests.unblock_support import PLATFORM, plugin_ban, service
from warden.adapters import tables as t
from warden.adapters.database import alembic_config, make_engine
from warden.kernel.clock import FixedClock
from warden.kernel.errors import InvalidInput
from warden.settings import Settings

SPELLINGS = ("13800138000", "+8613800138000", "008613800138000", "8613800138000", "１３８００１３８０００")
"""One number written five ways (issue 12, item 5)."""


# --- issue 12, item 5: phone numbers are canonical (E.164) ------------------------------------------------------


def test_S_D3_five_spellings_of_one_phone_number_share_one_cap_of_five(world: World) -> None:
    svc, _ = service(world)
    for i, spelling in enumerate(SPELLINGS):
        world.account(f"acc-{i}", phone=spelling)
        plugin_ban(world, f"acc-{i}")
    world.account("acc-5", phone="+86 138-0013-8000")
    plugin_ban(world, "acc-5")
    world.clock.advance(days=1, hours=1)
    assert {world.w.enforcement.get_account(f"acc-{i}").phone for i in range(6)} == {"+8613800138000"}
    views = [svc.view(PLATFORM, svc.apply(PLATFORM, f"acc-{i}")[0]) for i in range(6)]
    assert [v["state"] for v in views[:5]] == ["awaiting_health_check"] * 5
    assert [v["applications"]["remaining"] for v in views[:5]] == [4, 3, 2, 1, 0]
    assert views[5]["state"] == "refused" and views[5]["refusal"]["code"] == "cap_reached"
    with world.w.engine.connect() as c:
        assert [r.phone for r in c.execute(sa.select(t.unblock_quota))] == ["+8613800138000"]
        assert {r.phone for r in c.execute(sa.select(t.unblock_applications))} == {"+8613800138000"}


def test_S_D3_codes_and_messages_go_to_the_e164_number(world: World) -> None:
    svc, sender = service(world)
    world.account("acc-1", phone="１３８００１３８０００")
    plugin_ban(world)
    world.clock.advance(days=1, hours=1)
    app_id, _ = svc.apply(PLATFORM, "acc-1")
    svc.health_check(PLATFORM, app_id, client_version="4.1.30", malware_flag=False, plugin_signatures=[])
    svc.send_code(PLATFORM, app_id)
    assert [p for p, _ in sender.sent] == ["+8613800138000"]


@pytest.mark.parametrize("bad", ["12345", "abc", "138001380001234567", "+999 1234", "\x00"])
def test_an_unparseable_phone_number_is_refused_naming_the_field(world: World, bad: str) -> None:
    world.enterprise()
    with pytest.raises(InvalidInput) as exc:
        world.account("acc-x", phone=bad)
    assert [e.field for e in exc.value.errors] == ["phone"]


@pytest.fixture(params=["sqlite", "postgresql"])
def blank_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of its own (not the session's), to migrate step by step."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/upgrade.db"
        return
    why = _pg_available()
    if why:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(why)
        pytest.skip(why)
    name = f"warden_upgrade_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.exec_driver_sql(f'CREATE DATABASE "{name}"')
    yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as c:
        c.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def test_the_upgrade_stores_every_phone_in_e164_and_merges_the_caps_of_one_number(blank_url: str) -> None:
    from alembic import command

    from warden.adapters import audit_state
    from warden.bootstrap import bootstrap

    engine = make_engine(blank_url)
    command.upgrade(alembic_config(engine), "0010_contact_standing")
    with engine.begin() as c:  # written as warden then wrote them: five spellings, two applications each
        c.execute(sa.insert(t.enterprises).values(id="e", name="E", verified=True, created_at=T0, external_contacts=0))
        for i, spelling in enumerate([*SPELLINGS, "not a number"]):
            c.execute(
                sa.insert(t.accounts).values(
                    id=f"a{i}", enterprise_id="e", phone=spelling, real_name_verified=True, created_at=T0
                )
            )
            stamps = f'["2026-01-0{i + 1}T00:00:00+00:00","2026-01-0{i + 1}T01:00:00+00:00"]'
            quota = sa.text("INSERT INTO unblock_quota(phone, version, stamps) VALUES (:p, 2, :s)")
            c.execute(quota, {"p": spelling, "s": stamps})
        audit_state.seal(c, force=True, covered=audit_state.present(c))
    command.upgrade(alembic_config(engine), "head")
    with engine.connect() as c:
        phones = {r.id: r.phone for r in c.execute(sa.select(t.accounts))}
        quota = {r.phone: r.stamps.count("2026-") for r in c.execute(sa.select(t.unblock_quota))}
    engine.dispose()
    assert phones == {f"a{i}": "+8613800138000" for i in range(5)} | {"a5": "not a number"}
    assert quota == {"+8613800138000": 10, "not a number": 2}
    w = bootstrap(Settings(database_url=blank_url), clock=FixedClock(T0), migrate=False)
    try:
        assert w.enforcement.audit_verify().ok
    finally:
        w.close()
