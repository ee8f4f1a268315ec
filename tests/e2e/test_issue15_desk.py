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

from tests.conftest import World, policy_with
from warden.app import App
from warden.appeals.document_store import LocalDocumentStore
from warden.appeals.notifier import MemoryNotifier
from warden.appeals.service import Appeals
from warden.appeals.uploads import tiny_pdf, tiny_png
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
        "hr": warden.tokens.create(Role.HR, "ent-1", person="hr-zhang")[1],
        "hr-phone": warden.tokens.create(Role.HR, "ent-1", person="hr-zhang")[1],  # the same person, another token
        "hr-li": warden.tokens.create(Role.HR, "ent-1", person="hr-li")[1],
        "investigator": warden.tokens.create(Role.INVESTIGATOR, "ent-1", person="inv-wu")[1],
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
    assert state["since_local"] == "27 Nov 2026, 10:00 (China Standard Time)" and state["timezone"] == "Asia/Shanghai"
    assert state["until"] is None and state["until_local"] is None  # an enterprise ban ends only on appeal
    assert state["reasons"] == ["reviewer action: fraud"]
    assert "since 27 Nov 2026, 10:00 (China Standard Time)" in state["text"] and "only on appeal" in state["text"]
    zh = api.get("/v1/enterprises/ent-1", "admin")["state"]["text"]
    assert zh.startswith("企业自 2026年11月27日 10:00（北京时间） 起受到处罚") and "需申诉解除" in zh

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


# --- the enterprise desk: helpers ------------------------------------------------------------------------------

VALID_ID = "110105199003071239"
RULES = [
    {
        "id": "personal-data",
        "title": "个人信息",
        "category": "privacy",
        "detectors": ["id_number"],
        "severity": "high",
        "action": "block_and_warn",
        "external_only": True,
    }
]


def leak(api: Api, world: World, account: str = "acc-2") -> str:
    """A message with a resident ID number to an external contact: it opens a case routed to admin and HR."""
    if not api.c.get("/v1/enterprises/ent-1/usage-policy", headers=api.h("admin")).json().get("version"):
        api.c.put("/v1/enterprises/ent-1/usage-policy", headers=api.h("admin"), json={"version": 0, "rules": RULES})
    ev = world.event("message", account, text=f"号码 {VALID_ID}", to_external=True, recipient_id="wx-1")
    assert api.c.post("/v1/events", headers=api.h("platform"), json=ev).status_code == 201
    items = api.get("/v1/enterprises/ent-1/cases", "hr")["items"]
    return str(next(c["id"] for c in items if c["account"] == account and c["status"] == "open"))


# --- item 9: deregistration explained, refused, reversible -----------------------------------------------------


def test_S_E4_a_deregistered_employee_is_told_the_enterprise_did_it_and_whom_to_contact(api: Api, world: World) -> None:
    case_id = leak(api, world)
    api.post(f"/v1/cases/{case_id}/outcome", "hr", {"outcome": "deregister", "note": "多次外发客户身份证号"})
    zh = api.get("/v1/accounts/acc-2/explanation", "member")
    [r] = zh["restrictions"]
    assert r["rule"] == "enterprise_deregistered" and r["strike_id"] is None
    assert r["unblock"]["how"] == "contact_enterprise" and r["unblock"]["possible"] is False
    text = r["unblock"]["text"]
    assert "您所在的企业已注销您的企业账号" in text and "人事（HR）" in text and case_id in text
    assert "申诉" in text and "可在期限内申诉" not in text and "严重违规" not in text
    en = api.get("/v1/accounts/acc-2/explanation?lang=en", "member")["restrictions"][0]["unblock"]["text"]
    assert "Your enterprise deregistered your account" in en and "contact your enterprise's HR" in en
    # the state and the scope say the enterprise did it, not "permanently banned" (the second tester's finding)
    assert zh["state"] == "banned" and zh["state_text"] == "企业已注销该账号（违反企业使用规范）"
    assert r["scope_text"] == zh["state_text"] and "永久" not in zh["state_text"]


def test_S_E4_hr_reverses_a_mistaken_deregistration_with_a_reason_and_the_account_is_free_again(
    api: Api, world: World
) -> None:
    case_id = leak(api, world)
    assert (
        api.c.post(
            f"/v1/cases/{case_id}/outcome-reversal", headers=api.h("hr"), json={"reason": "还没决定"}
        ).status_code
        == 409
    )
    api.post(f"/v1/cases/{case_id}/outcome", "hr", {"outcome": "deregister", "note": "外发身份证号"})
    assert api.get("/v1/accounts/acc-2/explanation", "member")["state"] == "banned"
    again = api.c.post(f"/v1/cases/{case_id}/outcome", headers=api.h("hr"), json={"outcome": "warning", "note": "x y"})
    assert again.status_code == 409  # decided: reverse first
    r = api.c.post(f"/v1/cases/{case_id}/outcome-reversal", headers=api.h("admin"), json={"reason": "认错人了"})
    assert r.status_code == 403 and "reverse an outcome" in r.json()["detail"]  # by default only HR, investigators
    short = api.c.post(f"/v1/cases/{case_id}/outcome-reversal", headers=api.h("hr"), json={"reason": ""})
    assert short.status_code == 422 and short.json()["errors"][0]["field"].endswith("reason")

    proposed = api.post(f"/v1/cases/{case_id}/outcome-reversal", "hr", {"reason": "认错人了，是同名同事"}, 202)
    assert proposed["status"] == "proposed" and proposed["outcome"] == "deregister"  # a ban: four eyes (issue 12)
    out = api.post(proposed["confirm_at"], "hr-li", {"agree": True})
    assert out["status"] == "open" and out["outcome"] is None and out["overdue"] is False
    expl = api.get("/v1/accounts/acc-2/explanation", "member")
    assert expl["state"] == "normal" and expl["restrictions"] == []
    [entry] = [e for e in api.get(f"/v1/cases/{case_id}", "hr")["timeline"] if e["kind"] == "outcome_reversed"]
    assert entry["data"]["outcome"] == "deregister" and entry["data"]["reason"] == "认错人了，是同名同事"
    assert len(entry["data"]["lifted"]) == 1
    audit = api.get("/v1/audit/entries?limit=20", "auditor")["items"]
    assert any(a["action"] == "case.outcome_reversed" and a["subject"] == f"case:{case_id}" for a in audit)
    assert any(a["action"] == "restriction.lifted" for a in audit)
    # app removal restricts login only: one person reverses it
    api.post(f"/v1/cases/{case_id}/outcome", "hr", {"outcome": "app_removed", "note": "移除应用"})
    out = api.post(f"/v1/cases/{case_id}/outcome-reversal", "hr", {"reason": "应用是公司批准的"})
    assert out["status"] == "open" and api.get("/v1/accounts/acc-2/explanation", "member")["state"] == "normal"
    world.clock.advance(seconds=60)
    # decided anew: the new outcome takes effect with its own restriction
    api.post(f"/v1/cases/{case_id}/outcome", "hr", {"outcome": "app_removed", "note": "移除应用"})
    assert api.get("/v1/accounts/acc-2/explanation", "member")["state"] == "login_restricted"
    assert api.get("/v1/audit/verification", "auditor")["ok"] is True  # the reversal is vouched for


# --- item 11: what each role sees and does is the policy's ------------------------------------------------------


def test_S_E3_the_admin_a_case_is_routed_to_sees_it_and_acts_by_the_default_case_access(api: Api, world: World) -> None:
    case_id = leak(api, world)
    seen = api.get(f"/v1/cases/{case_id}", "admin")
    assert seen["account"] == "acc-2" and seen["names"] == "real" and seen["routed_to"] == ["enterprise_admin", "hr"]
    hit = next(e for e in seen["timeline"] if e["kind"] == "hit")
    assert hit["data"]["message"]["text"] == f"号码 {VALID_ID}"
    out = api.post(f"/v1/cases/{case_id}/outcome", "admin", {"outcome": "training", "note": "数据安全培训"})
    assert out["status"] == "training" and out["outcome_note"] == "数据安全培训"
    done = api.post(f"/v1/cases/{case_id}/training-completion", "admin")
    assert done["status"] == "closed"
    # the admin does not record the employee's statement by default (HR and investigators do)
    r = api.c.post(
        f"/v1/cases/{leak(api, world, 'acc-1')}/statement",
        headers=api.h("admin"),
        json={"responsibility": "oversight_self_reported", "text": "是我疏忽"},
    )
    assert r.status_code == 403 and "record a statement" in r.json()["detail"]


PSEUDONYMISED_ADMIN = policy_with(
    {
        "    enterprise_admin: {see_content: true, real_names: true, actions: [evidence, decide, complete_training, "
        "classify]}": "    enterprise_admin: {see_content: false, real_names: false, actions: []}"
    }
)


@pytest.mark.parametrize("policy", [PSEUDONYMISED_ADMIN])
def test_S_E3_a_policy_that_pseudonymises_the_admin_shows_a_pseudonym_no_content_and_no_actions(
    api: Api, world: World
) -> None:
    case_id = leak(api, world)
    admin = api.get(f"/v1/cases/{case_id}", "admin")
    assert admin["account"].startswith("emp-") and admin["names"] == "pseudonymised"
    assert VALID_ID not in str(admin) and "acc-2" not in str(admin)
    again = api.get("/v1/enterprises/ent-1/cases", "admin")["items"][0]
    assert again["account"] == admin["account"]  # a stable pseudonym
    r = api.c.post(f"/v1/cases/{case_id}/outcome", headers=api.h("admin"), json={"outcome": "warning", "note": "x y"})
    assert r.status_code == 403 and "decide a case" in r.json()["detail"]
    assert api.get(f"/v1/cases/{case_id}", "hr")["account"] == "acc-2"  # HR keeps the defaults


# --- item 8: who is told about a case, and escalation on time ----------------------------------------------------


def sent(api: Api, kind: str) -> list[tuple[str, str]]:
    return sorted((n.recipient_type, n.recipient_id) for n in api.notifier.sent if n.kind == kind)


def test_S_E2_the_roles_a_case_is_routed_to_are_notified_when_it_opens_and_when_it_goes_overdue(
    api: Api, world: World, clock: FixedClock, warden: App
) -> None:
    clock.set(datetime(2026, 11, 26, 10, 0, tzinfo=BJ))
    case_id = leak(api, world)  # a severe case: 24 h to decide; the listing ran the due-time check
    assert sent(api, "case.opened") == [("enterprise_admin", "ent-1"), ("hr", "ent-1")]
    note = next(n for n in api.notifier.sent if n.kind == "case.opened")
    assert note.payload["case_id"] == case_id and note.payload["url"] == f"/v1/cases/{case_id}"
    assert "2026年11月27日 10:00（北京时间）" in note.payload["text"]["zh"]
    assert VALID_ID not in str(note.payload) and "acc-2" not in str(note.payload)  # no content, no employee

    clock.advance(hours=23, minutes=59)
    api.get(f"/v1/cases/{case_id}", "hr")
    assert sent(api, "case.overdue") == []
    clock.advance(minutes=2)  # past the deadline: the next request escalates, without any cron job
    seen = api.get(f"/v1/cases/{case_id}", "admin")
    assert seen["escalated_at"] is not None and "investigator" in seen["routed_to"]
    assert sent(api, "case.overdue") == [("enterprise_admin", "ent-1"), ("hr", "ent-1"), ("investigator", "ent-1")]
    api.get("/v1/enterprises/ent-1/cases", "hr")
    assert len(sent(api, "case.overdue")) == 3  # once
    assert len([e for e in seen["timeline"] if e["kind"] == "escalated"]) == 1


def test_S_E2_warden_scheduler_escalates_on_time_when_nobody_asks(
    api: Api, world: World, clock: FixedClock, warden: App
) -> None:
    clock.set(datetime(2026, 11, 26, 10, 0, tzinfo=BJ))
    case_id = leak(api, world)
    clock.advance(hours=25)
    assert [c.id for c in warden.case_outcomes.due(None)] == [case_id]  # one pass of `warden scheduler`
    assert warden.case_outcomes.due(None) == []
    assert len(sent(api, "case.overdue")) == 3
    seen = api.get(f"/v1/cases/{case_id}", "hr")
    [esc] = [e for e in seen["timeline"] if e["kind"] == "escalated"]
    assert esc["actor"] == "scheduler"


# --- item 10: case evidence, uploaded and checked like appeal documents; who instructed gets a case -------------


def upload_evidence(api: Api, case_id: str, data: bytes, name: str, who: str = "member") -> Any:
    return api.c.post(
        f"/v1/cases/{case_id}/evidence",
        headers=api.h(who),
        files={"file": (name, data, "application/octet-stream")},
    )


def test_S_E5_evidence_is_uploaded_and_checked_like_appeal_documents_and_refs_must_name_it(
    api: Api, world: World
) -> None:
    case_id = leak(api, world)
    misled = {"responsibility": "misled_or_instructed", "text": "主管让我发的", "evidence_refs": ["x"]}
    r = api.c.post(f"/v1/cases/{case_id}/statement", headers=api.h("member"), json=misled)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "evidence_refs"
    assert "upload each file first" in r.json()["errors"][0]["message"]

    fake = upload_evidence(api, case_id, b"<script>alert(1)</script>", "chat.png")  # the appeals' checks
    assert fake.status_code == 422 and fake.json()["errors"][0]["field"] == "file"
    pdf = b"%PDF-1.4\n1 0 obj<</OpenAction<</S/JavaScript/JS(app.alert(1))>>>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF"
    assert upload_evidence(api, case_id, pdf, "chat.pdf").status_code == 422
    ok = upload_evidence(api, case_id, tiny_png(3), "../../聊天记录.png")
    assert ok.status_code == 201, ok.text
    ev = ok.json()
    assert ev["media_type"] == "image/png" and ev["filename"] == "聊天记录.png" and len(ev["sha256"]) == 64
    assert upload_evidence(api, case_id, tiny_png(4), "x.png", who="admin2").status_code == 403

    other = leak(api, world, "acc-1")  # evidence of another case does not count for this one
    theirs = upload_evidence(api, other, tiny_pdf("x"), "x.pdf", who="hr").json()["id"]
    misled["evidence_refs"] = [ev["id"], theirs]
    r = api.c.post(f"/v1/cases/{case_id}/statement", headers=api.h("member"), json=misled)
    assert r.status_code == 422 and theirs in r.json()["errors"][0]["message"]

    misled["evidence_refs"] = [ev["id"]]
    out = api.post(f"/v1/cases/{case_id}/statement", "member", misled)
    assert out["statement"]["evidence_refs"] == [ev["id"]]
    got = api.c.get(f"/v1/cases/{case_id}/evidence/{ev['id']}", headers=api.h("hr"))
    assert got.status_code == 200 and got.content == tiny_png(3)
    assert got.headers["x-content-type-options"] == "nosniff" and got.headers["content-disposition"].startswith(
        "attachment;"
    )
    assert api.c.get(f"/v1/cases/{case_id}/evidence/{theirs}", headers=api.h("hr")).status_code == 404
    audit = api.get("/v1/audit/entries?limit=30", "auditor")["items"]
    assert {"case.evidence_uploaded", "case.evidence_read"} <= {a["action"] for a in audit}
    assert api.get("/v1/audit/verification", "auditor")["ok"] is True  # case_evidence rows are vouched for


def test_I12_case_evidence_is_refused_with_markup_or_a_hidden_pdf_and_stored_disarmed(api: Api, world: World) -> None:
    import io
    import struct

    from PIL import Image

    case_id = leak(api, world)
    out = io.BytesIO()
    Image.new("RGB", (16, 16), (200, 10, 10)).save(out, "JPEG", comment=b"scanned at the office")
    j = out.getvalue()

    def seg(marker: int, body: bytes) -> bytes:
        return b"\xff" + bytes([marker]) + struct.pack(">H", len(body) + 2) + body

    pdf = b"%PDF-1.4\n1 0 obj<</Type/Catalog/OpenAction<</S/JavaScript/JS(app.alert(1))>>>>endobj\n"
    for bad in (
        j[:2] + seg(0xFE, b"<img src=x onerror=alert(1)>") + j[2:],
        j[:2] + seg(0xDB, b"\x00" + b"<script>alert(1)</script>".ljust(64)) + j[2:],
        j[:2] + seg(0xE1, pdf) + j[2:],
    ):
        r = upload_evidence(api, case_id, bad, "chat.jpg")
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "file", r.text
    # markup inside the scan data is not searched for (honest progressive photos hold long printable runs); it does
    # not survive the re-encoding, whether the copy is stored or the image refused as undecodable
    hidden = upload_evidence(api, case_id, j[:-2] + b"<html><script>alert(1)</script></html>" + j[-2:], "chat.jpg")
    if hidden.status_code == 201:
        copy = api.c.get(f"/v1/cases/{case_id}/evidence/{hidden.json()['id']}", headers=api.h("hr")).content
        assert b"<script>" not in copy
    else:
        assert hidden.status_code == 422, hidden.text
    ok = upload_evidence(api, case_id, j, "chat.jpg")
    assert ok.status_code == 201, ok.text
    got = api.c.get(f"/v1/cases/{case_id}/evidence/{ok.json()['id']}", headers=api.h("hr")).content
    assert got != j and b"scanned" not in got and len(got) == ok.json()["size"]  # the re-encoded copy, no comment


def test_S_E5_naming_who_instructed_opens_a_linked_case_for_that_person(api: Api, world: World) -> None:
    case_id = leak(api, world)
    ev = upload_evidence(api, case_id, tiny_png(5), "指示截图.png").json()
    body = {
        "responsibility": "misled_or_instructed",
        "text": "主管 acc-1 让我发给客户",
        "evidence_refs": [ev["id"]],
        "instructed_by": "acc-9",  # of another enterprise
    }
    r = api.c.post(f"/v1/cases/{case_id}/statement", headers=api.h("member"), json=body)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "instructed_by"
    body["instructed_by"] = "acc-1"
    out = api.post(f"/v1/cases/{case_id}/statement", "member", body)
    linked = out["statement"]["instructed_case"]
    assert linked and linked != case_id
    theirs = api.get(f"/v1/cases/{linked}", "hr")
    assert theirs["account"] == "acc-1" and theirs["source"] == "instruction" and theirs["status"] == "open"
    assert theirs["rule"] == "personal-data" and theirs["severity"] == "high"
    assert any(e["kind"] == "linked" and e["data"]["instructed"] == case_id for e in theirs["timeline"])
    opened = [n for n in api.notifier.sent if n.kind == "case.opened" and n.payload["case_id"] == linked]
    assert sorted(n.recipient_type for n in opened) == ["enterprise_admin", "hr"]


def test_issue12_one_hr_person_cannot_end_a_deregistration_alone_with_two_tokens(api: Api, world: World) -> None:
    """The tester's example: HR deregisters, then a second token of the SAME person reverses it → only proposed;
    the same person cannot confirm (403); an admin, whose role may not reverse, cannot either; a different person
    with a role that may reverse confirms, and the account is free again. Audited."""
    case_id = leak(api, world)
    api.post(f"/v1/cases/{case_id}/outcome", "hr", {"outcome": "deregister", "note": "外发身份证号"})
    proposed = api.post(f"/v1/cases/{case_id}/outcome-reversal", "hr-phone", {"reason": "我搞错了"}, 202)
    assert proposed["requested_by"].startswith("hr:hr-zhang")
    assert proposed["confirm_at"] == f"/v1/cases/{case_id}/outcome-reversal/confirmation"
    assert api.get("/v1/accounts/acc-2/explanation", "member")["state"] == "banned"
    again = api.c.post(f"/v1/cases/{case_id}/outcome-reversal", headers=api.h("hr-li"), json={"reason": "也要撤销"})
    assert again.status_code == 409 and "proposed already" in again.json()["detail"]
    confirm = proposed["confirm_at"]
    for same in ("hr", "hr-phone"):
        r = api.c.post(confirm, headers=api.h(same), json={"agree": True})
        assert r.status_code == 403 and "四眼原则" in r.json()["detail"], same
    r = api.c.post(confirm, headers=api.h("admin"), json={"agree": True})
    assert r.status_code == 403  # the admin may not reverse outcomes (case_access)
    assert api.get("/v1/accounts/acc-2/explanation", "member")["state"] == "banned"
    out = api.post(confirm, "investigator", {"agree": True, "note": "核实过了"})
    assert out["status"] == "open" and out["outcome"] is None
    assert api.get("/v1/accounts/acc-2/explanation", "member")["state"] == "normal"
    timeline = api.get(f"/v1/cases/{case_id}", "hr")["timeline"]
    [entry] = [e for e in timeline if e["kind"] == "outcome_reversed"]
    assert entry["data"]["proposed_by"].startswith("hr:hr-zhang") and entry["data"]["confirmed_by"].startswith(
        "investigator:inv-wu"
    )
    audit = api.get("/v1/audit/entries?limit=50", "auditor")["items"]
    actions = [a["action"] for a in audit]
    assert "case.outcome_reversal_proposed" in actions and "case.outcome_reversed" in actions
    assert api.c.post(confirm, headers=api.h("hr-li"), json={"agree": True}).status_code == 409  # nothing proposed
    assert api.get("/v1/audit/verification", "auditor")["ok"] is True


def test_issue12_a_declined_reversal_leaves_the_deregistration(api: Api, world: World) -> None:
    case_id = leak(api, world)
    api.post(f"/v1/cases/{case_id}/outcome", "hr", {"outcome": "deregister", "note": "外发身份证号"})
    proposed = api.post(f"/v1/cases/{case_id}/outcome-reversal", "hr", {"reason": "再想想"}, 202)
    out = api.post(proposed["confirm_at"], "hr-li", {"agree": False, "note": "证据确凿"})
    assert out["outcome"] == "deregister" and out["status"] == "closed"
    assert api.get("/v1/accounts/acc-2/explanation", "member")["state"] == "banned"
    assert any(e["kind"] == "reversal_declined" for e in api.get(f"/v1/cases/{case_id}", "hr")["timeline"])
    # a new proposal may follow the declined one
    api.post(f"/v1/cases/{case_id}/outcome-reversal", "hr-li", {"reason": "新证据"}, 202)


@pytest.mark.parametrize("outcome", ["deregister", "app_removed"])
def test_S_E4_self_service_refuses_an_enterprise_outcome_as_the_enterprises_decision_without_counting(
    api: Api, world: World, outcome: str
) -> None:
    """Issue 15 item 9: after HR's outcome, `POST /v1/unblocks` is refused as `enterprise_decision` (naming the case
    and whom to contact, zh/en), never as "permanent", and uses none of the phone's applications."""
    case_id = leak(api, world)
    api.post(f"/v1/cases/{case_id}/outcome", "hr", {"outcome": outcome, "note": "多次外发客户身份证号"})
    answers = []
    for lang in ("zh", "en"):
        r = api.c.post(f"/v1/unblocks?lang={lang}", headers=api.h("member"))
        assert r.status_code in (200, 201), r.text
        answers.append(r.json())
    zh, en = answers
    for body in (zh, en):
        assert body["state"] == "refused" and body["refusal"]["code"] == "enterprise_decision"
        assert case_id in body["refusal"]["text"]
        assert body["counted"] is False and body["applications"]["remaining"] == 5
    assert "人事（HR）" in zh["refusal"]["text"] and "永久" not in zh["refusal"]["text"]
    assert "contact your HR or admin" in en["refusal"]["text"] and "permanent" not in en["refusal"]["text"]
    said = "deregistered the account" if outcome == "deregister" else "removed the enterprise app"
    assert said in en["refusal"]["text"]
