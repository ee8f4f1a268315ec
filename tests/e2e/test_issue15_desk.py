"""Issue 15 items 6–11 over HTTP: the admin's view of its enterprise, deadlines on the Chinese calendar, the
enterprise desk's notifications and escalation, deregistration explained and reversed, case evidence, and what each
role sees and does on a case (SQLite and PostgreSQL through the `db_url` fixture)."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import World
from warden.app import App
from warden.appeals.document_store import LocalDocumentStore
from warden.appeals.notifier import MemoryNotifier
from warden.appeals.service import Appeals
from warden.entrypoints.http.app import create_app
from warden.kernel.access import Role
from warden.kernel.clock import FixedClock

with warnings.catch_warnings():  # starlette deprecates its httpx-based client; pytest makes warnings errors
    warnings.simplefilter("ignore", UserWarning)
    from fastapi.testclient import TestClient

BJ = ZoneInfo("Asia/Shanghai")


class Api:
    def __init__(self, client: TestClient, tokens: dict[str, str], notifier: MemoryNotifier) -> None:
        self.c = client
        self.tokens = tokens
        self.notifier = notifier

    def h(self, who: str, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}", **extra}

    def get(self, path: str, who: str) -> Any:
        r = self.c.get(path, headers=self.h(who))
        assert r.status_code == 200, r.text
        return r.json()

    def post(self, path: str, who: str, body: Any = None, status: int = 200, **headers: str) -> Any:
        r = self.c.post(path, headers=self.h(who, **headers), json=body)
        assert r.status_code == status, r.text
        return r.json() if r.content else None


@pytest.fixture
def api(world: World, warden: App, tmp_path: Path) -> Iterator[Api]:
    notifier = MemoryNotifier()
    warden.appeals = Appeals(
        warden.uow, warden.enforcement, warden.rules, LocalDocumentStore(tmp_path / "docs"), notifier
    )
    world.account("acc-2")
    world.enterprise("ent-2")
    world.account("acc-9", "ent-2")
    tokens = {
        "reviewer_a": warden.tokens.create(Role.REVIEWER)[1],
        "platform": warden.tokens.create(Role.PLATFORM)[1],
        "auditor": warden.tokens.create(Role.AUDITOR)[1],
        "admin": warden.tokens.create(Role.ENTERPRISE_ADMIN, "ent-1")[1],
        "hr": warden.tokens.create(Role.HR, "ent-1")[1],
        "admin2": warden.tokens.create(Role.ENTERPRISE_ADMIN, "ent-2")[1],
        "member": warden.tokens.create(Role.MEMBER, account_id="acc-2")[1],
    }
    with TestClient(create_app(warden)) as client:
        yield Api(client, tokens, notifier)


def ban_enterprise(api: Api, eid: str = "ent-1") -> str:
    out = api.post(f"/v1/enterprises/{eid}/restrictions", "reviewer_a", {"severity": "S", "reason": "fraud"}, 201)
    return str(out["strike_id"])


# --- item 7: deadlines on the calendar -------------------------------------------------------------------------


def test_S_D6_appeals_opened_friday_saturday_and_sunday_night_fall_due_on_the_working_day_calendar(
    api: Api, clock: FixedClock
) -> None:
    due = {}
    for eid, admin, at in (
        ("ent-1", "admin", datetime(2026, 11, 27, 10, 0, tzinfo=BJ)),  # Friday 10:00
        ("ent-2", "admin2", datetime(2026, 11, 28, 10, 0, tzinfo=BJ)),  # Saturday 10:00
    ):
        clock.set(at)
        strike = ban_enterprise(api, eid)
        out = api.post("/v1/appeals", admin, {"strike_id": strike, "statement": "请复核"}, 201)
        due[eid] = (datetime.fromisoformat(out["due_at"]).astimezone(BJ), out["due_basis"])
    # Friday: 14 h of Friday, Mon–Fri Nov 30–Dec 4 (5 × 24 h), Monday Dec 7 (24 h) = 158 h; 10 h of Tuesday
    assert due["ent-1"] == (datetime(2026, 12, 8, 10, 0, tzinfo=BJ), "cn_calendar")
    # Saturday: the weekend does not count; seven whole working days Nov 30–Dec 8 → Wednesday Dec 9 00:00
    assert due["ent-2"] == (datetime(2026, 12, 9, 0, 0, tzinfo=BJ), "cn_calendar")


def test_S_D6_an_appeal_across_national_day_is_due_after_the_holiday_and_its_make_up_saturday(
    api: Api, clock: FixedClock
) -> None:
    clock.set(datetime(2026, 9, 30, 10, 0, tzinfo=BJ))  # Wednesday before 国庆 (Oct 1–7 off, Sat Oct 10 worked)
    strike = ban_enterprise(api)
    out = api.post("/v1/appeals", "admin", {"strike_id": strike, "statement": "请复核"}, 201)
    # 14 h (Sep 30) + Oct 8, 9, 10, 12, 13, 14 (144 h) = 158 h; the last 10 h on Thursday Oct 15
    assert datetime.fromisoformat(out["due_at"]) == datetime(2026, 10, 15, 10, 0, tzinfo=BJ)
    assert out["due_basis"] == "cn_calendar"


def test_S_D6_an_appeal_running_into_an_unknown_year_says_it_was_counted_on_weekdays(
    api: Api, clock: FixedClock
) -> None:
    clock.set(datetime(2026, 12, 28, 10, 0, tzinfo=BJ))
    strike = ban_enterprise(api)
    out = api.post("/v1/appeals", "admin", {"strike_id": strike, "statement": "请复核"}, 201)
    assert datetime.fromisoformat(out["due_at"]) == datetime(2027, 1, 6, 10, 0, tzinfo=BJ)
    assert out["due_basis"] == "weekdays"


# --- item 6: the admin sees their enterprise -------------------------------------------------------------------


def test_S_D6_the_admin_sees_the_enterprise_restricted_why_since_and_how_to_appeal_each(
    api: Api, clock: FixedClock
) -> None:
    clock.set(datetime(2026, 11, 27, 10, 0, tzinfo=BJ))
    calm = api.get("/v1/enterprises/ent-1?lang=en", "admin")["state"]
    assert calm["restricted"] is False and calm["restrictions"] == 0 and calm["since"] is None
    strike = ban_enterprise(api)
    state = api.get("/v1/enterprises/ent-1?lang=en", "admin")["state"]
    assert state["restricted"] is True and state["restrictions"] == 1
    assert state["since_local"] == "2026-11-27 10:00 (Asia/Shanghai)" and state["timezone"] == "Asia/Shanghai"
    assert state["until"] is None and state["until_local"] is None  # an enterprise ban ends only on appeal
    assert state["reasons"] == ["reviewer action: fraud"]
    assert "since 2026-11-27 10:00 (Asia/Shanghai)" in state["text"] and "only on appeal" in state["text"]
    zh = api.get("/v1/enterprises/ent-1", "admin")["state"]["text"]
    assert zh.startswith("企业自 2026-11-27 10:00 (Asia/Shanghai) 起受到处罚") and "需申诉解除" in zh

    [item] = api.get(state["restrictions_url"] + "?lang=en", "admin")["items"]
    assert item["strike_id"] == strike and item["evidence"]["note"] == "fraud" and item["active"]
    assert item["appeal"] == {
        "possible": True,
        "strike_id": strike,
        "route": "POST /v1/appeals",
        "text": item["appeal"]["text"],
    }
    assert strike in item["appeal"]["text"]
    appeal = api.post("/v1/appeals", "admin", {"strike_id": item["appeal"]["strike_id"], "statement": "请复核"}, 201)
    assert appeal["strike_id"] == strike

    for who in ("reviewer_a", "auditor", "platform"):  # the platform roles read both
        assert api.get("/v1/enterprises/ent-1", who)["state"]["restricted"] is True
        assert api.get("/v1/enterprises/ent-1/restrictions", who)["items"][0]["strike_id"] == strike
    for who in ("hr", "admin2", "member"):  # nobody else: no state, no list
        r = api.c.get("/v1/enterprises/ent-1", headers=api.h(who))
        assert r.status_code == 403 or r.json()["state"] is None, who
        assert api.c.get("/v1/enterprises/ent-1/restrictions", headers=api.h(who)).status_code == 403, who
