"""A small world for the console (issue 14): one enterprise, its members, a reviewer, an admin, HR and an auditor,
each with something to do, so every role's page has its job on it. The browser tests walk it, and
`warden console screenshots` photographs it (`docs/console-*.png`).

Everything goes through the services (the same paths the API takes); times are relative to the app's clock, so a
fixed clock gives the same world every time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from warden.app import App
from warden.kernel.access import Principal, Role
from warden.kernel.model import Account, Enterprise
from warden.usage_policy.model import ViolationReport

ENTERPRISE = "ent-1"
MEMBER = "acc-1"  # greeted strangers with 红包 three times: a sensitive-words restriction, and an appeal on it
HELPER = "acc-2"  # an old contact of acc-3: may help it unblock
UNBLOCKER = "acc-3"  # logged in with a plug-in two days ago: a login restriction, self-service unblockable now
SECOND = "acc-4"  # another 红包 greeter with an appeal: the reviewer's queue has two cases sharing one cause
LABELS = {
    "member": "demo member 张伟 (acc-1)",
    "unblocker": "demo member 李娜 (acc-3)",
    "helper": "demo member 王芳 (acc-2)",
    "reviewer": "demo reviewer 甲",
    "reviewer_b": "demo reviewer 乙",
    "admin": "demo admin of ent-1",
    "hr": "demo HR of ent-1",
    "auditor": "demo auditor",
    "platform": "demo platform",
}


@dataclass
class ConsoleWorld:
    """The tokens (role → bearer secret), the principals behind them, and the ids the pages show."""

    tokens: dict[str, str] = field(default_factory=dict)
    principals: dict[str, Principal] = field(default_factory=dict)
    appeals: list[str] = field(default_factory=list)
    case_id: str = ""


def _event(n: int, type_: str, account: str, at: datetime, **fields: Any) -> dict[str, Any]:
    return {"id": f"cw-{n:05d}", "type": type_, "account_id": account, "occurred_at": at.isoformat(), **fields}


def build(app: App) -> ConsoleWorld:
    """Register the enterprise and its members, play their events, open the cases; return the tokens."""
    now = app.clock.now()
    app.enforcement.register_enterprise(Enterprise(ENTERPRISE, "华光科技", True, now - timedelta(days=900)), "demo")
    for k, aid in enumerate((MEMBER, HELPER, UNBLOCKER, SECOND)):
        app.enforcement.register_account(
            Account(aid, ENTERPRISE, f"1380000{k:04d}", True, now - timedelta(days=400), "avatar.png", aid, "card"),
            "demo",
        )
    n = 0
    events: list[dict[str, Any]] = []

    def add(type_: str, account: str, at: datetime, **fields: Any) -> None:
        nonlocal n
        n += 1
        events.append(_event(n, type_, account, at, **fields))

    old = now - timedelta(days=60)  # acc-3 and acc-2 know each other: a contact and a message each way (S-D2)
    add("contact_added", UNBLOCKER, old, contact_id=HELPER)
    add("message", UNBLOCKER, old + timedelta(hours=1), text="在吗", recipient_id=HELPER)
    add("message", HELPER, old + timedelta(hours=2), text="在的", recipient_id=UNBLOCKER)
    for aid in (MEMBER, SECOND):
        for k in range(3):
            add(
                "contact_request",
                aid,
                now - timedelta(minutes=50 - k),
                method="qr_code",
                target=f"x{aid}{k}",
                greeting="您好，加我领红包",
            )
    add(
        "login",
        UNBLOCKER,
        now - timedelta(days=2),
        device_id="dev-acc-3",
        client_version="4.1.2",
        plugin_signatures=["auto-greeter-3.2"],
    )
    app.pipeline.ingest(events, actor="demo")

    w = ConsoleWorld()
    roles = {
        "member": (Role.MEMBER, None, MEMBER),
        "unblocker": (Role.MEMBER, None, UNBLOCKER),
        "helper": (Role.MEMBER, None, HELPER),
        "second": (Role.MEMBER, None, SECOND),
        "reviewer": (Role.REVIEWER, None, None),
        "reviewer_b": (Role.REVIEWER, None, None),
        "admin": (Role.ENTERPRISE_ADMIN, ENTERPRISE, None),
        "hr": (Role.HR, ENTERPRISE, None),
        "auditor": (Role.AUDITOR, None, None),
        "platform": (Role.PLATFORM, None, None),
    }
    for name, (role, ent, acc) in roles.items():
        p, secret = app.tokens.create(role, ent, acc, label=LABELS.get(name, f"demo {name}"), actor="demo")
        w.tokens[name], w.principals[name] = secret, p
    for who, statement in (("member", "那是客户先发来的红包截图，我只是转述"), ("second", "我们在做正规的返现活动")):
        acc_id = w.principals[who].account_id
        assert acc_id is not None
        strike = next(
            r["strike_id"]
            for r in app.enforcement.explain(acc_id, "zh")["restrictions"]
            if r["rule"] == "sensitive_words"
        )
        appeal, _ = app.appeals.open(w.principals[who], strike, statement, None)
        w.appeals.append(appeal.id)
    report = ViolationReport(
        HELPER, "privacy_leak", "把客户的身份证号发到了外部群", now - timedelta(hours=3), None, "high", ()
    )
    case, _ = app.cases.report_violation(w.principals["second"], ENTERPRISE, report, None)
    w.case_id = case.id
    return w


def restrict_enterprise(app: App, w: ConsoleWorld) -> None:
    """A reviewer restricts the whole enterprise (S-C2): its admin appeals with the four documents."""
    app.appeals.restrict_enterprise(w.principals["reviewer"], ENTERPRISE, "M", "多名成员集中发送返利广告")
