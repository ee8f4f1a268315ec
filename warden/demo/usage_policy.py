"""Demo scene (issue 7): huaguang's usage policy catches a leaked ID number sent to an external contact.

The case opens routed to admin and HR, the employee states it was her own oversight (self-reported), HR
assigns training, the training is completed, and the case and the enterprise's figures are printed.
"""

from __future__ import annotations

from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

from warden.demo.base import Demo
from warden.kernel.access import Principal, Role
from warden.usage_policy.policy import UsagePolicyDoc

ENTERPRISE = "ent-huaguang"
EMPLOYEE = "acc-fin-zhou"
LEAKED_ID = "110105199003071239"  # a made-up number with a valid region, birth date and check character

POLICY = UsagePolicyDoc.model_validate(
    {
        "rules": [
            {
                "id": "personal-data",
                "title": "不得向外部发送个人信息 / No personal data to outsiders",
                "category": "privacy",
                "detectors": ["id_number", "bank_card", "mobile_number"],
                "severity": "high",
                "action": "block_and_warn",
                "external_only": True,
            },
            {
                "id": "confidential-files",
                "title": "涉密文件不得外发 / Confidential files stay inside",
                "category": "secrets",
                "detectors": ["confidential_file", "confidential_marking"],
                "severity": "high",
                "action": "block_and_warn",
                "external_only": True,
            },
            {
                "id": "pricing-secrets",
                "title": "报价与财务机密 / Pricing and finance secrets",
                "category": "secrets",
                "words": ["报价底线", "未公开财报", "内部成本价"],
                "severity": "medium",
                "action": "warn_only",
                "scope": {"departments": ["finance", "sales"]},
            },
        ]
    }
)


def scene_usage_policy(d: Demo) -> None:
    d.account(EMPLOYEE, ENTERPRISE, "周琳 (finance) — leaks a customer's ID number to an outsider")
    policies, admin = d.app.usage_policies, Principal("demo", Role.ENTERPRISE_ADMIN, ENTERPRISE)
    policies.put_policy(admin, ENTERPRISE, POLICY, 0)
    policies.set_departments(admin, ENTERPRISE, {"finance": [EMPLOYEE], "sales": ["acc-sales-chen"]})
    client = "wx-client-88"
    d.event(
        "message",
        50,
        account_id=EMPLOYEE,
        text="王总您好，开户资料我这边整理一下。",
        to_external=True,
        recipient_id=client,
    )
    d.event(
        "message", 46, account_id=EMPLOYEE, text="请问您需要哪位联系人的信息？", to_external=True, recipient_id=client
    )
    d.event(
        "message",
        44,
        account_id=EMPLOYEE,
        text=f"好的，李先生的身份证号是 {LEAKED_ID}，资料见附件。",
        to_external=True,
        recipient_id=client,
        attachments=[{"name": "客户开户资料.xlsx", "size": 48213, "labels": ["confidential"]}],
    )
    d.after.append(_handle_case)


def _handle_case(d: Demo) -> None:
    app, console = d.app, d.console
    desk = app.cases
    hr = Principal("demo-hr", Role.HR, ENTERPRISE)
    admin = Principal("demo-admin", Role.ENTERPRISE_ADMIN, ENTERPRISE)
    items, _ = desk.list_cases(hr, ENTERPRISE, account_id=EMPLOYEE)
    if not items:
        console.print("[red]no case opened for the leaked ID number[/]")
        return
    case = next((c for c in items if c.rule_id == "personal-data"), items[0])
    desk.submit_statement(
        Principal("demo", Role.MEMBER, ENTERPRISE, EMPLOYEE),
        case.id,
        "oversight_self_reported",
        "我把客户资料发给了客户本人的代理人，没有注意到其中有身份证号。是我的疏忽，主动说明。",
        [],
        None,
    )
    app.case_outcomes.decide(hr, case.id, "training", "首次、主动说明：安排数据安全培训")
    app.case_outcomes.complete_training(hr, case.id)
    case, entries = desk.get_case(hr, case.id)

    view = app.usage_figures.case_view(case, entries, hr, "zh").model_dump()
    lines = [
        f"case [bold]{view['id']}[/]  rule {view['rule']}  severity {view['severity']}  status {view['status']}",
        f"routed to {', '.join(view['routed_to'])}; deadline {view['deadline_at'].isoformat()}",
        f"statement: {view['statement']['responsibility_text']} — {view['statement']['text']}",
        f"outcome: {view['outcome_text']}; training completed {view['training']['completed_at'].isoformat()}",
        "timeline:",
    ]
    for e in view["timeline"]:
        extra = ""
        if e["kind"] == "hit":
            m = e["data"]["message"]
            hits = ", ".join(f"{h['category']}={h['matched']}" for h in e["data"]["hits"])
            n = len(e["data"]["context"])
            extra = escape(f" {e['rule']} blocked={e['data']['blocked']} [{hits}] «{m['text']}» (+{n} context)")
        lines.append(f"  {e['at'].isoformat()}  {e['kind']:<18} {e['actor']}{extra}")
    console.print(Panel("\n".join(lines), title="Enterprise usage policy (S-E1–S-E5): the leaked ID number"))
    hit_event = next(e["event_id"] for e in entries if e["kind"] == "hit")
    decision = d.decisions[hit_event]  # as ingest answered it (the same decision the event is stored with)
    for r in decision.reasons:
        console.print(f"decision on {hit_event}: allowed={decision.allowed}")
        console.print(f"  zh: {escape(app.texts.reason_text(r.code, r.params, 'zh'))}")
        console.print(f"  en: {escape(app.texts.reason_text(r.code, r.params, 'en'))}")
    admin_view = app.usage_figures.case_view(case, None, admin, "en")
    console.print(f"the admin sees the same case as [bold]{admin_view.account}[/] (pseudonymised, no content)")

    figs = app.usage_figures.figures(admin, ENTERPRISE).model_dump()
    t = Table(title=f"Compliance figures of {ENTERPRISE} (names pseudonymised)")
    t.add_column("figure", overflow="fold")
    t.add_column("value", overflow="fold")
    c = figs["cases"]
    t.add_row(
        "cases open / in training / closed / overdue",
        f"{c['open']} / {c['in_training']} / {c['closed']} / {c['overdue']}",
    )
    t.add_row("time to resolve (median s)", str(figs["time_to_resolve"]["median_seconds"]))
    t.add_row("training completion", f"{figs['training']['completed']}/{figs['training']['assigned']}")
    for rid, r in figs["rules"].items():
        t.add_row(f"rule {rid}", f"hits {r['hits']}, cases {r['cases']}, misclassified {r['misclassified']}")
    console.print(t)
    tokens = {
        "hr of ent-huaguang": app.tokens.create(Role.HR, ENTERPRISE, label="demo HR of 华光")[1],
        "analyst of ent-huaguang": app.tokens.create(Role.ANALYST, ENTERPRISE, label="demo analyst of 华光")[1],
    }
    d.tokens.update(tokens)
    console.print(
        f"Try: curl -H 'Authorization: Bearer {tokens['hr of ent-huaguang']}' http://127.0.0.1:8000/v1/cases/{case.id}"
    )
