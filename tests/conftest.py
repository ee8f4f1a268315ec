"""Test harness: every storage-touching test runs on SQLite and on PostgreSQL.

PostgreSQL is the server on 127.0.0.1:5432 (trust auth). Without it the PostgreSQL variants skip and say
why; under CI (`CI=true`) they fail instead, so CI never passes by skipping.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from warden.adapters.database import make_engine, upgrade
from warden.adapters.policy_file import load_policy
from warden.adapters.tables import metadata
from warden.app import App
from warden.kernel.clock import FixedClock
from warden.kernel.model import Account, Enterprise
from warden.pipeline.effects import Effector
from warden.pipeline.feature import Feature
from warden.pipeline.ingest import Ingest
from warden.policy import LoadedPolicy, load_policy_text

PG_ADMIN_URL = os.environ.get("WARDEN_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
T0 = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
IN_CI = os.environ.get("CI", "").lower() == "true"


def _pg_available() -> str | None:
    try:
        eng = sa.create_engine(PG_ADMIN_URL)
        with eng.connect() as c:
            c.exec_driver_sql("SELECT 1")
        eng.dispose()
        return None
    except Exception as exc:
        return f"PostgreSQL not reachable at {PG_ADMIN_URL}: {exc.__class__.__name__}"


@pytest.fixture(params=["sqlite", "postgresql"])
def blank_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of its own (not the session's), to migrate step by step (the upgrade tests), on each engine."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/upgrade.db"
        return
    why = _pg_available()
    if why:
        if IN_CI:
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


@pytest.fixture(scope="session", autouse=True)
def audit_key(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The audit chain's signing key for this session (WARDEN_AUDIT_KEY_FILE), outside every test database."""
    path = str(tmp_path_factory.mktemp("audit-key") / "audit-key.pem")
    before = os.environ.get("WARDEN_AUDIT_KEY_FILE")
    os.environ["WARDEN_AUDIT_KEY_FILE"] = path
    yield path
    if before is None:
        os.environ.pop("WARDEN_AUDIT_KEY_FILE", None)
    else:
        os.environ["WARDEN_AUDIT_KEY_FILE"] = before


@pytest.fixture(autouse=True)
def _root_logging() -> Iterator[None]:
    """Commands that configure logging (`serve`, `consume`: warden.adapters.logs) leave the root logger as found,
    so a handler writing to a test's captured output never outlives the test."""
    import logging

    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    yield
    for h in list(root.handlers):
        if h not in handlers:
            root.removeHandler(h)
    root.setLevel(level)


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session (and xdist worker), dropped at the end."""
    why = _pg_available()
    if why:
        if IN_CI:
            pytest.fail(f"CI=true but {why}")
        pytest.skip(why)
    name = f"warden_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    with admin.connect() as c:
        c.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('db')}/warden.db"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest) -> str:
    """The database URL, once per engine; tables are emptied before each test."""
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")
    empty(url)
    return url


def empty(url: str) -> None:
    """Empty every table of the database at `url` (a test that needs a fresh world mid-test calls it again)."""
    engine = make_engine(url)
    with engine.begin() as conn:
        names = [t.name for t in reversed(metadata.sorted_tables) if t.name != "audit_touched"]
        names.append("audit_touched")  # last: the capture triggers note the rows deleted above
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("TRUNCATE " + ", ".join(f'"{n}"' for n in names) + " CASCADE")
        else:
            for n in names:
                conn.exec_driver_sql(f'DELETE FROM "{n}"')
    engine.dispose()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


def base_policy() -> LoadedPolicy:
    """The shipped policy with S-A1's weight scaling off, so tests can pin the base limits (a typical test
    account weighs about 70, which would lift them ×1.4). Weight tests turn it back on (`shipped_policy`)."""
    return policy_with({"weight_scaling: {enabled: true": "weight_scaling: {enabled: false"})


@pytest.fixture
def policy() -> LoadedPolicy:
    return base_policy()


@pytest.fixture
def shipped_policy() -> LoadedPolicy:
    return load_policy()


def build(db_url: str, clock: FixedClock, policy: LoadedPolicy | None = None) -> App:
    from warden.bootstrap import bootstrap
    from warden.settings import Settings

    return bootstrap(Settings(database_url=db_url), policy=policy or base_policy(), clock=clock, migrate=False)


@pytest.fixture
def warden(db_url: str, clock: FixedClock, policy: LoadedPolicy) -> Iterator[App]:
    w = build(db_url, clock, policy)
    yield w
    w.engine.dispose()


ONE_METHOD = {
    "require: [[sms_code], [friend_assist, platform_check]]": "require: [[sms_code, friend_assist, platform_check]]"
}
"""Any one verification method lifts (issue 15): tests of what follows an unblock take one step. The shipped default
(the SMS code AND a helper or the platform's face/ID check) is pinned in tests/integration/test_unblock_trust.py."""


def policy_with(replace: dict[str, str], one_method: bool = True) -> LoadedPolicy:
    """The shipped policy with textual replacements (each must apply), for tests that tune one number; with
    `one_method`, any one verification method lifts an unblock (`ONE_METHOD`)."""
    text = load_policy().text
    for old, new in (ONE_METHOD if one_method else {}).items() | replace.items():
        assert old in text, f"policy text has no {old!r}"
        text = text.replace(old, new)
    return load_policy_text(text, "test-policy.yaml")


class World:
    """Registers enterprises and accounts and makes events with unique ids at clock-relative times."""

    def __init__(self, warden: App, clock: FixedClock) -> None:
        self.w = warden
        self.clock = clock
        self._n = 0

    def enterprise(self, eid: str = "ent-1", verified: bool = True, age_days: int = 900) -> Enterprise:
        e = Enterprise(eid, f"Enterprise {eid}", verified, self.clock.now() - timedelta(days=age_days))
        self.w.enforcement.register_enterprise(e, "test")
        return e

    def account(
        self,
        aid: str = "acc-1",
        eid: str = "ent-1",
        verified: bool = True,
        age_days: int = 400,
        phone: str | None = None,
    ) -> Account:
        a = Account(
            aid,
            eid,
            phone or f"1380000{abs(hash(aid)) % 10000:04d}",
            verified,
            self.clock.now() - timedelta(days=age_days),
            "avatar.png",
            aid,
            "card",
        )
        self.w.enforcement.register_account(a, "test")
        return self.w.enforcement.get_account(aid)  # as stored: the phone in E.164 (issue 12)

    def event(
        self, type_: str, account_id: str | None = "acc-1", *, at: datetime | None = None, **fields: object
    ) -> dict:
        self._n += 1
        ev: dict[str, object] = {
            "id": f"ev-{self._n:06d}",
            "type": type_,
            "occurred_at": (at or self.clock.now()).isoformat(),
            **fields,
        }
        if account_id is not None:
            ev["account_id"] = account_id
        return ev

    def phone_search(self, account_id: str = "acc-1", greeting: str = "您好", **kw: object) -> dict:
        return self.event(
            "contact_request", account_id, method="phone_search", target=f"139{self._n:08d}", greeting=greeting, **kw
        )

    def send(self, *events: dict):  # type: ignore[no-untyped-def]
        return self.w.pipeline.ingest(list(events))


@pytest.fixture
def world(warden: App, clock: FixedClock) -> World:
    w = World(warden, clock)
    w.enterprise()
    w.account()
    return w


REDIS_URL = os.environ.get("WARDEN_TEST_REDIS", "redis://127.0.0.1:6379/15")


@pytest.fixture
def redis_url() -> str:
    """The Redis server for counter tests; skipped without one (failed under CI)."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=2).ping()
    except Exception as exc:
        why = f"Redis not reachable at {REDIS_URL}: {exc.__class__.__name__}"
        if IN_CI:
            pytest.fail(f"CI=true but {why}")
        pytest.skip(why)
    return REDIS_URL


def counted(w: App, key: str) -> int:
    """How many entries a counter key holds for a decision far in the future (all of them)."""
    return len(w.counters.window(key, -1.0, 1e12, "\U0010ffff"))


@contextlib.contextmanager
def extra_features(w: App, *extra: Feature) -> Iterator[None]:
    """Run `w` with `extra` features after its own (a test's probe), built as bootstrap builds them."""
    features = [*w.features, *extra]
    saved = w.rules.effector, w.effector, w.pipeline
    effector = Effector(w.rules, features)
    w.rules.effector = w.effector = effector
    w.pipeline = Ingest(w.engine, w.loaded, w.rules, w.counters, w.clock, w.cache, features)
    try:
        yield
    finally:
        w.rules.effector, w.effector, w.pipeline = saved
