"""S-D6 / S-C2 over real HTTP: an enterprise ban appealed with documents, decided by two reviewers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api_support import Api, desk_on_disk, serving
from tests.conftest import World
from warden.app import App
from warden.appeals.uploads import tiny_pdf, tiny_png
from warden.kernel.access import Role

DOSSIER = ["business_licence", "legal_rep_id", "legal_rep_holding_id", "authorisation_letter"]


@pytest.fixture
def api(world: World, warden: App, tmp_path: Path) -> Iterator[Api]:
    desk_on_disk(warden, tmp_path / "docs")
    world.account("acc-2")
    world.enterprise("ent-2")
    tokens = {
        "reviewer_a": warden.tokens.create(Role.REVIEWER)[1],
        "reviewer_b": warden.tokens.create(Role.REVIEWER)[1],
        "platform": warden.tokens.create(Role.PLATFORM)[1],
        "admin": warden.tokens.create(Role.ENTERPRISE_ADMIN, "ent-1")[1],
        "other_admin": warden.tokens.create(Role.ENTERPRISE_ADMIN, "ent-2")[1],
        "member": warden.tokens.create(Role.MEMBER, account_id="acc-2")[1],
    }
    with serving(warden, tokens) as api:
        yield api


def upload(api: Api, appeal_id: str, kind: str, data: bytes, name: str, who: str = "admin") -> dict:
    r = api.c.put(
        f"/v1/appeals/{appeal_id}/documents/{kind}",
        headers=api.h(who),
        files={"file": (name, data, "application/octet-stream")},
    )
    return {"status": r.status_code, **r.json()}


def test_S_D6_enterprise_ban_appealed_with_documents_and_approved_by_two_reviewers_over_http(api: Api) -> None:
    r = api.c.post(
        "/v1/enterprises/ent-1/restrictions", headers=api.h("reviewer_a"), json={"severity": "S", "reason": "fraud"}
    )
    assert r.status_code == 201 and r.json()["ends_at"] is None
    strike = r.json()["strike_id"]
    assert api.c.get("/v1/accounts/acc-2/explanation", headers=api.h("member")).json()["state"] == "banned"

    body = {"strike_id": strike, "statement": "我司资质齐全，请求解封"}
    r = api.c.post("/v1/appeals", headers=api.h("admin", **{"Idempotency-Key": "k1"}), json=body)
    assert r.status_code == 201 and r.json()["stage"] == "needs_documents"
    appeal = r.json()["id"]
    again = api.c.post("/v1/appeals", headers=api.h("admin", **{"Idempotency-Key": "k1"}), json=body)
    assert again.status_code == 200 and again.json()["id"] == appeal

    for i, kind in enumerate(DOSSIER):
        data = tiny_pdf(kind) if kind == "authorisation_letter" else tiny_png(i)
        out = upload(api, appeal, kind, data, f"{kind}.png")
        assert out["status"] == 201 and out["state"] == "submitted" and len(out["sha256"]) == 64
    assert out["media_type"] == "application/pdf"  # judged by content, although named .png

    r = api.c.get(f"/v1/appeals/{appeal}/documents/business_licence", headers=api.h("admin"))
    assert r.status_code == 200 and r.content == tiny_png(0)
    assert r.headers["content-type"] == "image/png" and r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["content-disposition"].startswith("attachment;")
    for who in ("other_admin", "platform"):
        assert api.c.get(f"/v1/appeals/{appeal}/documents/business_licence", headers=api.h(who)).status_code == 403
    assert api.c.get(f"/v1/appeals/{appeal}", headers=api.h("other_admin")).status_code == 403

    queue = api.c.get("/v1/review-queue", headers=api.h("reviewer_a")).json()["items"]
    assert [i["appeal_id"] for i in queue] == [appeal]
    assert api.c.get("/v1/review-queue", headers=api.h("admin")).status_code == 403
    assert api.c.post(f"/v1/appeals/{appeal}/claim", headers=api.h("reviewer_a")).status_code == 200
    r = api.c.post(f"/v1/appeals/{appeal}/claim", headers=api.h("reviewer_b"))
    assert r.status_code == 409 and r.headers["content-type"] == "application/problem+json"

    review = f"/v1/appeals/{appeal}/documents/legal_rep_holding_id/review"
    r = api.c.post(review, headers=api.h("reviewer_a"), json={"verdict": "rejected", "reason_code": "illegible"})
    assert r.status_code == 200
    seen = api.c.get(f"/v1/appeals/{appeal}?lang=en", headers=api.h("admin")).json()
    row = next(x for x in seen["checklist"] if x["kind"] == "legal_rep_holding_id")
    assert row["rejection"]["text"] == "Blurred or incomplete, cannot be read" and "history" not in seen
    assert upload(api, appeal, "legal_rep_holding_id", tiny_png(42), "clearer.png")["submissions"] == 2
    for kind in DOSSIER:
        ok = api.c.post(
            f"/v1/appeals/{appeal}/documents/{kind}/review", headers=api.h("reviewer_a"), json={"verdict": "accepted"}
        )
        assert ok.status_code == 200

    decision = {"outcome": "overturn", "reason_code": "documents_verified", "note": "材料核实无误"}
    version = api.c.get(f"/v1/appeals/{appeal}", headers=api.h("reviewer_a")).json()["version"]
    stale = api.c.post(
        f"/v1/appeals/{appeal}/decision", headers=api.h("reviewer_a", **{"If-Match": str(version - 1)}), json=decision
    )
    assert stale.status_code == 409
    r = api.c.post(
        f"/v1/appeals/{appeal}/decision", headers=api.h("reviewer_a", **{"If-Match": f'"{version}"'}), json=decision
    )
    assert r.status_code == 200 and r.json()["stage"] == "second_review"
    r = api.c.post(f"/v1/appeals/{appeal}/confirmation", headers=api.h("reviewer_a"), json={"agree": True})
    assert r.status_code == 403
    assert api.c.post(f"/v1/appeals/{appeal}/claim", headers=api.h("reviewer_b")).status_code == 200
    r = api.c.post(f"/v1/appeals/{appeal}/confirmation", headers=api.h("reviewer_b"), json={"agree": True})
    assert r.status_code == 200 and r.json()["status"] == "overturned"

    seen = api.c.get(f"/v1/appeals/{appeal}", headers=api.h("admin", **{"Accept-Language": "en"})).json()
    assert seen["decision"]["text"].startswith("The qualification documents were verified")
    assert seen["decision"]["note"] == "材料核实无误" and "decided_by" not in seen["decision"]
    assert api.c.get("/v1/accounts/acc-2/explanation", headers=api.h("member")).json()["state"] == "normal"
    kinds = [
        n["kind"] for n in api.c.get(f"/v1/appeals/{appeal}/notifications", headers=api.h("reviewer_b")).json()["items"]
    ]
    assert kinds[0] == "appeal.opened" and kinds[-1] == "appeal.decided" and "appeal.second_review" in kinds


def test_hostile_uploads_over_http_get_problem_details_naming_the_file(api: Api, world: World) -> None:
    strike = api.c.post(
        "/v1/enterprises/ent-1/restrictions", headers=api.h("reviewer_a"), json={"severity": "M", "reason": "spam"}
    ).json()["strike_id"]
    appeal = api.c.post("/v1/appeals", headers=api.h("admin"), json={"strike_id": strike, "statement": "x"}).json()[
        "id"
    ]
    for data in (b"GIF89a" + b"\x00" * 20, tiny_png(1)[:-5], b"%PDF-1.7\n" + b"A" * (10 * 1024 * 1024 + 10)):
        out = upload(api, appeal, "business_licence", data, "licence.png")
        assert out["status"] == 422 and out["errors"][0]["field"] == "file"
    out = upload(api, appeal, "not_a_slot", tiny_png(1), "x.png")
    assert out["status"] == 422 and out["errors"][0]["field"] == "kind"
    assert api.c.put(f"/v1/appeals/{appeal}/documents/..%2F..%2Fetc", headers=api.h("admin")).status_code in (404, 422)
    out = upload(api, appeal, "business_licence", tiny_png(1), "../../../../tmp/pwned.png")
    assert out["status"] == 201 and out["filename"] == "pwned.png"


def test_member_appeals_over_http_and_exemptions_are_for_reviewers(api: Api, world: World) -> None:
    world.send(*[world.phone_search("acc-2") for _ in range(21)])
    strike = world.w.enforcement.subject("acc-2").strikes[0].id
    r = api.c.post("/v1/appeals", headers=api.h("member"), json={"strike_id": strike, "statement": "我没有违规"})
    assert r.status_code == 201
    r = api.c.post("/v1/appeals", headers=api.h("member"), json={"strike_id": strike, "statement": "again"})
    assert r.status_code == 409
    r = api.c.post("/v1/appeals", headers=api.h("member"), json={"strike_id": strike, "statement": "长" * 2001})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "statement"
    mine = api.c.get("/v1/appeals", headers=api.h("member")).json()["items"]
    assert len(mine) == 1 and api.c.get("/v1/appeals", headers=api.h("other_admin")).json()["items"] == []
    ex = {"account_id": "acc-2", "rule_id": "phone_search_velocity", "days": 7, "reason": "after overturn"}
    assert api.c.post("/v1/exemptions", headers=api.h("admin"), json=ex).status_code == 403
    assert api.c.post("/v1/exemptions", headers=api.h("reviewer_a"), json=ex).status_code == 201
    bad = api.c.post("/v1/exemptions", headers=api.h("reviewer_a"), json=ex | {"rule_id": "nope", "days": 90})
    assert bad.status_code == 422 and {e["field"] for e in bad.json()["errors"]} == {"rule_id", "days"}
