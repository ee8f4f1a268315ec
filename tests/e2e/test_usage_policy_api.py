"""The enterprise usage policy over real HTTP: roles (Purview-style), tenant isolation, Problem Details."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from datetime import timedelta

import pytest

from tests.conftest import World
from warden.entrypoints.http.app import create_app
from warden.kernel.access import Role
from warden.kernel.clock import FixedClock

with warnings.catch_warnings():  # starlette warns that its TestClient wants `httpx2`; httpx still works
    warnings.simplefilter("ignore", UserWarning)  # StarletteDeprecationWarning
    from fastapi.testclient import TestClient

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


class Api:
    def __init__(self, world: World) -> None:
        self.world = world
        self.client = TestClient(create_app(world.w))
        self.tokens: dict[str, str] = {}

    def token(self, name: str, role: Role, enterprise: str | None = None, account: str | None = None) -> None:
        self.tokens[name] = self.world.w.tokens.create(role, enterprise, account, label=name)[1]

    def __call__(self, who: str, method: str, url: str, **kw: object):  # type: ignore[no-untyped-def]
        headers = dict(kw.pop("headers", {}) or {})  # type: ignore[call-overload]
        headers["Authorization"] = f"Bearer {self.tokens[who]}"
        return self.client.request(method, url, headers=headers, **kw)  # type: ignore[arg-type]


@pytest.fixture
def api(world: World) -> Iterator[Api]:
    world.enterprise("ent-2")
    world.account("acc-2", "ent-1")
    world.account("acc-o", "ent-2")
    a = Api(world)
    a.token("platform", Role.PLATFORM)
    a.token("reviewer", Role.REVIEWER)
    for eid in ("ent-1", "ent-2"):
        for role in (Role.ENTERPRISE_ADMIN, Role.HR, Role.INVESTIGATOR, Role.ANALYST):
            a.token(f"{role.value}@{eid}", role, eid)
    a.token("acc-1", Role.MEMBER, account="acc-1")
    a.token("acc-2", Role.MEMBER, account="acc-2")
    a.token("acc-o", Role.MEMBER, account="acc-o")
    r = a("enterprise_admin@ent-1", "PUT", "/v1/enterprises/ent-1/usage-policy", json={"version": 0, "rules": RULES})
    assert r.status_code == 200, r.text
    yield a
    a.client.close()


def leak(api: Api) -> str:
    ev = api.world.event("message", "acc-1", text=f"号码 {VALID_ID}", to_external=True, recipient_id="wx-1")
    r = api("platform", "POST", "/v1/events?lang=en", json=ev)
    assert r.status_code == 201, r.text
    d = r.json()
    assert d["allowed"] is False and "resident ID number" in d["reasons"][0]["text"]
    r = api("hr@ent-1", "GET", "/v1/enterprises/ent-1/cases")
    return r.json()["items"][0]["id"]


def test_the_admin_edits_with_a_version_and_a_stale_one_gets_409_s_e1(api: Api) -> None:
    body = {"version": 0, "rules": RULES}
    r = api("enterprise_admin@ent-1", "PUT", "/v1/enterprises/ent-1/usage-policy", json=body)
    assert r.status_code == 409 and r.headers["content-type"] == "application/problem+json"
    assert r.json()["errors"][0]["field"] == "version"
    r = api("enterprise_admin@ent-1", "GET", "/v1/enterprises/ent-1/usage-policy")
    assert r.json()["version"] == 1 and r.json()["rules"][0]["id"] == "personal-data"


def test_limits_and_bad_fields_answer_422_naming_the_field_s_e1(api: Api) -> None:
    rules = [{"id": "w", "title": "w", "words": ["长" * 33]}]
    r = api("enterprise_admin@ent-1", "PUT", "/v1/enterprises/ent-1/usage-policy", json={"version": 1, "rules": rules})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "rules[0].words[0]"
    rules = [{"id": "w", "title": "w", "detectors": ["horoscope"]}]
    r = api("enterprise_admin@ent-1", "PUT", "/v1/enterprises/ent-1/usage-policy", json={"version": 1, "rules": rules})
    assert r.status_code == 422 and r.json()["errors"][0]["field"].startswith("rules[0].detectors[0]")


def test_only_the_enterprise_admin_configures_and_no_enterprise_reads_another_s_e1(api: Api) -> None:
    body = {"version": 1, "rules": RULES}
    for who in ("hr@ent-1", "analyst@ent-1", "acc-1", "enterprise_admin@ent-2", "reviewer"):
        assert api(who, "PUT", "/v1/enterprises/ent-1/usage-policy", json=body).status_code == 403, who
    for who in ("enterprise_admin@ent-2", "hr@ent-2", "analyst@ent-1", "acc-1"):
        assert api(who, "GET", "/v1/enterprises/ent-1/usage-policy").status_code == 403, who


def test_hr_and_the_admin_it_is_routed_to_see_content_by_the_default_case_access(api: Api) -> None:
    case_id = leak(api)
    hr = api("hr@ent-1", "GET", f"/v1/cases/{case_id}").json()
    assert hr["account"] == "acc-1" and hr["routed_to"] == ["enterprise_admin", "hr"]
    hit = next(e for e in hr["timeline"] if e["kind"] == "hit")
    assert {(e["actor"], e["actor_label"]) for e in hr["timeline"]} == {("rules", "rules")}
    assert hit["data"]["message"]["text"] == f"号码 {VALID_ID}"
    admin = api("enterprise_admin@ent-1", "GET", f"/v1/cases/{case_id}").json()  # issue 15: policy defaults
    assert admin["account"] == "acc-1" and admin["names"] == "real"
    assert next(e for e in admin["timeline"] if e["kind"] == "hit")["data"]["message"]["text"] == f"号码 {VALID_ID}"
    # a policy that pseudonymises the admin: tests/e2e/test_issue15_desk.py


def test_other_enterprises_analysts_and_other_members_cannot_see_a_case_and_learn_nothing(api: Api) -> None:
    case_id = leak(api)
    for who in ("hr@ent-2", "investigator@ent-2", "enterprise_admin@ent-2", "analyst@ent-1", "acc-2", "platform"):
        r = api(who, "GET", f"/v1/cases/{case_id}")
        missing = api(who, "GET", "/v1/cases/case_doesnotexist")
        assert r.status_code == missing.status_code == 403, who
        assert r.json()["detail"] == missing.json()["detail"]
    assert api("hr@ent-2", "GET", "/v1/enterprises/ent-1/cases").status_code == 403
    assert api("reviewer", "GET", f"/v1/cases/{case_id}").status_code == 200


def test_analysts_see_counts_only_with_pseudonyms_and_never_an_account(api: Api) -> None:
    leak(api)
    r = api("analyst@ent-1", "GET", "/v1/enterprises/ent-1/compliance-figures")
    assert r.status_code == 200 and r.json()["names"] == "pseudonymised"
    assert r.json()["cases"]["open"] == 1 and r.json()["rules"]["personal-data"]["hits"] == 1
    assert api("analyst@ent-1", "GET", "/v1/accounts/acc-1").status_code == 403
    assert api("analyst@ent-1", "GET", "/v1/enterprises/ent-1/cases").status_code == 403
    assert api("analyst@ent-2", "GET", "/v1/enterprises/ent-1/compliance-figures").status_code == 403
    assert api("hr@ent-1", "GET", "/v1/enterprises/ent-1/compliance-figures").json()["names"] == "real"


def test_the_employee_states_hr_decides_training_and_records_completion_s_e4_s_e5(api: Api, clock: FixedClock) -> None:
    case_id = leak(api)
    mine = api("acc-1", "GET", "/v1/enterprises/ent-1/cases").json()["items"]
    assert [c["id"] for c in mine] == [case_id]
    assert api("acc-2", "GET", "/v1/enterprises/ent-1/cases").json()["items"] == []
    bad = {"responsibility": "misled_or_instructed", "text": "主管让我发的"}
    r = api("acc-1", "POST", f"/v1/cases/{case_id}/statement", json=bad)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "evidence_refs"
    ok = {"responsibility": "oversight_self_reported", "text": "是我疏忽，主动说明"}
    r = api("acc-1", "POST", f"/v1/cases/{case_id}/statement?lang=en", json=ok)
    assert r.status_code == 200 and r.json()["statement"]["responsibility_text"] == "own oversight, self-reported"
    decide = {"outcome": "training", "note": "数据安全培训"}
    assert api("acc-1", "POST", f"/v1/cases/{case_id}/outcome", json=decide).status_code == 403
    assert api("analyst@ent-1", "POST", f"/v1/cases/{case_id}/outcome", json=decide).status_code == 403
    assert api("hr@ent-2", "POST", f"/v1/cases/{case_id}/outcome", json=decide).status_code == 403
    r = api("hr@ent-1", "POST", f"/v1/cases/{case_id}/outcome", json=decide)
    assert r.status_code == 200 and r.json()["status"] == "training" and r.json()["outcome_text"] == "安排培训"
    clock.advance(days=1)
    r = api("investigator@ent-1", "POST", f"/v1/cases/{case_id}/training-completion")
    assert r.status_code == 200 and r.json()["status"] == "closed"
    assert api("hr@ent-1", "POST", f"/v1/cases/{case_id}/training-completion").status_code == 409
    f = api("hr@ent-1", "GET", "/v1/enterprises/ent-1/compliance-figures").json()
    assert f["training"] == {"assigned": 1, "completed": 1, "overdue": 0, "completion_rate": 1.0}
    assert f["time_to_resolve"]["median_seconds"] == 86400.0
    timeline = api("hr@ent-1", "GET", f"/v1/cases/{case_id}").json()["timeline"]
    decided = next(e for e in timeline if e["kind"] == "outcome")  # issue 14: the holder's name beside the actor
    assert decided["actor"].startswith("hr:") and decided["actor_label"] == "hr@ent-1"


def test_an_employee_reports_a_colleague_with_an_idempotency_key_s_e1(api: Api, clock: FixedClock) -> None:
    body = {
        "account_id": "acc-1",
        "category": "secret_leak",
        "description": "把未公开财报发到了外部群",
        "observed_at": (clock.now() - timedelta(hours=2)).isoformat(),
        "evidence_refs": ["screenshot-1"],
    }
    url = "/v1/enterprises/ent-1/violation-reports"
    r = api("acc-2", "POST", url, json=body, headers={"Idempotency-Key": "abc"})
    assert r.status_code == 201 and r.json()["severity"] == "high" and not r.json()["reported_late"]
    again = api("acc-2", "POST", url, json=body, headers={"Idempotency-Key": "abc"})
    assert again.status_code == 200 and again.json()["case_id"] == r.json()["case_id"]
    assert api("acc-o", "POST", url, json=body).status_code == 403  # a member of another enterprise
    assert api("hr@ent-2", "POST", url, json=body).status_code == 403
    # the reported employee sees their case but not who reported it
    view = api("acc-1", "GET", f"/v1/cases/{r.json()['case_id']}").json()
    report = next(e for e in view["timeline"] if e["kind"] == "report")
    assert "reporter" not in report["data"] and "acc-2" not in str(view)
    hr = api("hr@ent-1", "GET", f"/v1/cases/{r.json()['case_id']}").json()
    assert next(e for e in hr["timeline"] if e["kind"] == "report")["data"]["reporter"] == "acc-2"


def test_deregistration_over_http_refuses_login_with_the_reason_in_both_languages_s_e4(api: Api) -> None:
    case_id = leak(api)
    r = api(
        "investigator@ent-1",
        "POST",
        f"/v1/cases/{case_id}/outcome",
        json={"outcome": "deregister", "note": "严重泄露客户信息"},
    )
    assert r.status_code == 200
    en = api("acc-1", "GET", "/v1/accounts/acc-1/explanation?lang=en").json()
    zh = api("acc-1", "GET", "/v1/accounts/acc-1/explanation").json()
    assert en["can_login"] is False and en["restrictions"][0]["rule"] == "enterprise_deregistered"
    assert "Deregistered" in en["restrictions"][0]["reason_text"] and "注销" in zh["restrictions"][0]["reason_text"]


def test_departments_scope_a_rule_and_a_member_of_another_enterprise_is_refused_by_field(api: Api) -> None:
    url = "/v1/enterprises/ent-1/departments"
    r = api("enterprise_admin@ent-1", "PUT", url, json={"departments": {"finance": ["acc-2", "acc-o"]}})
    assert r.status_code == 422 and r.json()["errors"] == [
        {"field": "departments.finance[1]", "message": "'acc-o' 不是本企业成员"}
    ]
    assert api("enterprise_admin@ent-1", "PUT", url, json={"departments": {"finance": ["acc-2"]}}).status_code == 200
    assert api("hr@ent-1", "PUT", url, json={"departments": {}}).status_code == 403
    rules = [{"id": "fin", "title": "财务口径", "words": ["成本价"], "scope": {"departments": ["finance"]}}]
    r = api("enterprise_admin@ent-1", "PUT", "/v1/enterprises/ent-1/usage-policy", json={"version": 1, "rules": rules})
    assert r.status_code == 200 and r.json()["version"] == 2
    for account, expected in (("acc-1", []), ("acc-2", ["usage_policy.warned"])):
        ev = api.world.event("message", account, text="成本价是多少")
        codes = [x["code"] for x in api("platform", "POST", "/v1/events", json=ev).json()["reasons"]]
        assert codes == expected, account


def test_every_usage_policy_route_is_documented_in_openapi(api: Api) -> None:
    paths = api.client.get("/openapi.json").json()["paths"]
    for path in (
        "/v1/enterprises/{enterprise_id}/usage-policy",
        "/v1/enterprises/{enterprise_id}/departments",
        "/v1/enterprises/{enterprise_id}/violation-reports",
        "/v1/enterprises/{enterprise_id}/cases",
        "/v1/enterprises/{enterprise_id}/compliance-figures",
        "/v1/cases/{case_id}",
        "/v1/cases/{case_id}/statement",
        "/v1/cases/{case_id}/outcome",
        "/v1/cases/{case_id}/training-completion",
        "/v1/cases/{case_id}/classification",
    ):
        assert path in paths, path
