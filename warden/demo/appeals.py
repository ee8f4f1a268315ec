"""Demo scene (S-C2, S-D6): an enterprise banned, appealed with its dossier, approved by two reviewers.

The dossier's files are small valid PNG and PDF files made in code; one is rejected and resubmitted.
"""

from __future__ import annotations

from rich.panel import Panel
from rich.table import Table

from warden.appeals.model import AppealOutcome
from warden.appeals.uploads import tiny_pdf, tiny_png
from warden.demo.base import Demo
from warden.kernel.access import Role

ENT = "ent-jinxin"
MEMBERS = {"acc-jinxin-he": "何静 — sales of 金鑫贸易", "acc-jinxin-ma": "马磊 — support of 金鑫贸易"}


def scene_enterprise_appeal(d: Demo) -> None:
    d.enterprise(ENT, "金鑫贸易有限公司", verified=True, age_days=600)
    for i, (aid, who) in enumerate(MEMBERS.items()):
        d.account(aid, ENT, who)
        d.event("login", 100 - i, account_id=aid, device_id=f"jx-{i}", via_linked_personal=True, client_version="4.1")
    d.after.append(_appeal_story)


def _states(d: Demo) -> str:
    return ", ".join(f"{aid}: {d.app.enforcement.explain(aid, 'en')['state']}" for aid in MEMBERS)


def _appeal_story(d: Demo) -> None:
    console, desk = d.console, d.app.appeals
    rev_a = d.app.tokens.create(Role.REVIEWER, label="demo reviewer 甲")[0]
    rev_b = d.app.tokens.create(Role.REVIEWER, label="demo reviewer 乙")[0]
    admin = d.app.tokens.create(Role.ENTERPRISE_ADMIN, ENT, label="demo admin of 金鑫贸易")[0]
    log: list[str] = []

    ban = desk.restrict_enterprise(rev_a, ENT, "S", "疑似批量注册账号从事诈骗 / suspected fraud ring")
    log.append(f"reviewer 甲 bans the whole enterprise {ENT} (S-C2) → members: {_states(d)}")
    appeal, _ = desk.open(admin, ban.strike_id or "", "我司为正规经营企业，账号被他人冒用，现提交资质材料申请解封。")
    log.append(f"admin opens appeal {appeal.id} (S-D6); stage: {desk.get(admin, appeal.id, 'en')['stage']}")
    files = {
        "business_licence": (tiny_png(11), "营业执照.png"),
        "legal_rep_id": (tiny_png(12), "法人身份证.png"),
        "legal_rep_holding_id": (tiny_png(13), "法人手持身份证.jpg"),  # the name lies; the content decides
        "authorisation_letter": (tiny_pdf("authorisation letter, sealed"), "企业盖章授权书.pdf"),
    }
    for kind, (data, name) in files.items():
        desk.upload(admin, appeal.id, kind, data, name)
    log.append("admin uploads the four documents (type judged by content, SHA-256 kept)")
    desk.claim(rev_a, f"appeal:{appeal.id}")
    desk.review_document(rev_a, appeal.id, "legal_rep_holding_id", "rejected", "illegible", "证件号码被手指遮挡")
    log.append("reviewer 甲 claims the case and rejects the hand-held ID photo: illegible")
    desk.upload(admin, appeal.id, "legal_rep_holding_id", tiny_png(14), "法人手持身份证-重拍.png")
    log.append("admin resubmits that one document alone")
    for kind in files:
        desk.review_document(rev_a, appeal.id, kind, "accepted", None, None)
    desk.decide(rev_a, appeal.id, AppealOutcome.OVERTURN, "documents_verified", note="资质核实无误，系账号被冒用")
    log.append(f"reviewer 甲 proposes: overturn → stage {desk.get(admin, appeal.id, 'en')['stage']} (four eyes)")
    desk.claim(rev_b, f"appeal:{appeal.id}")
    desk.confirm(rev_b, appeal.id, True, "同意")
    log.append(f"reviewer 乙 confirms → members: {_states(d)}")

    view = desk.get(admin, appeal.id, "zh")
    table = Table(title=f"Enterprise appeal {appeal.id} — document checklist (S-D6)")
    for col in ("document", "state", "submissions", "type", "sha256 (first 12)"):
        table.add_column(col, overflow="fold")  # wrap, never cut: every cell readable at 80 columns
    for row in view["checklist"]:
        doc = row.get("document") or {}
        table.add_row(
            row["title"] + ("" if row["required"] else " (可选)"),
            row["state"],
            str(row["submissions"]),
            doc.get("media_type", "—"),
            (doc.get("sha256") or "—")[:12],
        )
    console.print(Panel("\n".join(f"{i + 1}. {line}" for i, line in enumerate(log)), title="Appeal story"))
    console.print(table)
    en = desk.get(admin, appeal.id, "en")
    console.print(
        f"outcome: [green]{view['stage_text']} / {en['stage_text']}[/]\n"
        f"reason: {view['decision']['text']} / {en['decision']['text']}  (note: {view['decision']['note']})\n"
        f"notifications to the enterprise admins: {len(desk.notifications(appeal.id))} "
        f"({', '.join(n['kind'] for n in desk.notifications(appeal.id))})"
    )


WAITING = {  # members who appeal at the end of the demo: their appeals wait on the review desk
    "acc-spam-zhao": "我在做正规的返现活动，消息是客户要求我发的",
    "acc-harass-sun": "那些请求是同一个客户的不同账号，我只是回访",
}


def scene_open_desk(d: Demo) -> None:
    d.after.append(_leave_on_desk)


def _leave_on_desk(d: Demo) -> None:
    """The review desk has work after the demo: each restricted member in `WAITING` appeals their penalty."""
    for aid, statement in WAITING.items():
        if aid not in d.people:
            continue
        strikes = [r["strike_id"] for r in d.app.enforcement.explain(aid, "zh")["restrictions"] if r.get("strike_id")]
        if strikes:
            member = d.app.tokens.create(Role.MEMBER, account_id=aid, label=f"demo member {aid}")[0]
            d.app.appeals.open(member, strikes[0], statement, None)
