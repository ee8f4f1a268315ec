"""`warden demo`: a demo enterprise, a realistic stream, and who got restricted and why.

The demo is a list of scenes; each adds its people and events to the stream. Later features add their own
scene to `SCENES` (unblocking, appeals, enterprise cases …).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.panel import Panel
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from warden.app import App
from warden.entrypoints.cli.unblock_demo import scene_unblocking  # unblocking (issue 5)
from warden.kernel.access import Role
from warden.kernel.model import Account, Enterprise


@dataclass
class Demo:
    """What scenes share: the application, the clock's 'now', the stream, people worth showing."""

    warden: App
    console: Console
    now: datetime
    events: list[dict[str, Any]] = field(default_factory=list)
    people: dict[str, str] = field(default_factory=dict)  # account id → who they are in the story
    after: list[Callable[[Demo], None]] = field(default_factory=list)  # run once the stream is in
    tokens: dict[str, str] = field(default_factory=dict)
    _n: int = 0

    def at(self, minutes_ago: float) -> str:
        return (self.now - timedelta(minutes=minutes_ago)).isoformat()

    def event(self, type_: str, minutes_ago: float, **fields: Any) -> None:
        self._n += 1
        self.events.append({"id": f"demo-{self._n:05d}", "type": type_, "occurred_at": self.at(minutes_ago), **fields})

    def enterprise(self, id_: str, name: str, verified: bool, age_days: int) -> None:
        self.warden.register_enterprise(Enterprise(id_, name, verified, self.now - timedelta(days=age_days)), "demo")

    def account(
        self,
        id_: str,
        ent: str,
        who: str,
        *,
        verified: bool = True,
        age_days: int = 400,
        phone: str = "",
        profile: bool = True,
    ) -> None:
        self.people[id_] = who
        phone = phone or f"138{abs(hash(id_)) % 10**8:08d}"
        self.warden.register_account(
            Account(
                id_,
                ent,
                phone,
                verified,
                self.now - timedelta(days=age_days),
                avatar="https://img.example/a.png" if profile else None,
                nickname=who if profile else None,
                external_card="card" if profile else None,
            ),
            "demo",
        )


def scene_directory(d: Demo) -> None:
    d.enterprise("ent-huaguang", "华光科技有限公司", verified=True, age_days=900)
    d.enterprise("ent-suda", "速达商贸（未认证）", verified=False, age_days=40)


def scene_ordinary_staff(d: Demo) -> None:
    for i, name in enumerate(["张敏 (HR)", "李强 (engineer)", "王芳 (finance)"]):
        aid = f"acc-staff-{i + 1}"
        d.account(aid, "ent-huaguang", f"{name} — ordinary staff")
        d.event(
            "login", 170 - i, account_id=aid, device_id=f"phone-{i}", via_linked_personal=True, client_version="4.1.30"
        )
        for j, feat in enumerate(["chat_message", "file_download", "clock_in", "attendance", "leave_request"]):
            d.event("feature_use", 160 - j * 10 - i, account_id=aid, feature=feat)
        d.event(
            "contact_request",
            90 - i,
            account_id=aid,
            method="qr_code",
            target=f"wx-client-{i}",
            greeting="您好，我是华光科技的同事，方便加个联系方式吗？",
        )


def scene_heavy_sales(d: Demo) -> None:
    aid = "acc-sales-chen"
    d.account(aid, "ent-huaguang", "陈杰 — busy but legitimate sales")
    d.event("login", 175, account_id=aid, device_id="phone-chen", via_linked_personal=True, client_version="4.1.30")
    for k in range(27):  # ~9 an hour for three hours, a burst of 12 in the last hour: warned, never restricted
        minutes = 170 - k * 6 if k < 15 else 55 - (k - 15) * 4
        d.event(
            "contact_request",
            minutes,
            account_id=aid,
            method="phone_search",
            target=f"1390000{k:04d}",
            greeting="您好，我是华光科技的陈杰，跟进上次展会的报价。",
        )


def scene_spammer(d: Demo) -> None:
    aid = "acc-spam-zhao"
    d.account(
        aid,
        "ent-huaguang",
        "赵某 — new unverified account mass-adding by phone search",
        verified=False,
        age_days=5,
        profile=False,
    )
    d.event("login", 140, account_id=aid, device_id="emu-7", device_kind="emulator", client_version="4.0.2")
    greetings = [
        "加我领红包，先到先得",
        "返利活动今天最后一天",
        "你好",
        "点击领取紅包",
        "进群返 利 哦",
        "您好，了解一下",
    ]
    for k in range(40):
        d.event(
            "contact_request",
            120 - k * 1.5,
            account_id=aid,
            method="phone_search",
            target=f"1370000{k:04d}",
            greeting=greetings[k % len(greetings)],
        )
    for k, reporter in enumerate(["wx-u1", "wx-u2", "wx-u3", "wx-u4"]):
        d.event(
            "report",
            60 - k * 5,
            account_id=aid,
            reporter_id=reporter,
            reason="spam",
            evidence_refs=[f"screenshot-{k}.png"],
        )


def scene_harasser(d: Demo) -> None:
    aid = "acc-harass-sun"
    d.account(aid, "ent-huaguang", "孙某 — reported by contacts")
    d.event("login", 150, account_id=aid, device_id="phone-sun", via_linked_personal=True, client_version="4.1.30")
    for k, reporter in enumerate(["acc-staff-1", "wx-c7", "wx-c8"]):
        d.event(
            "report",
            100 - k * 20,
            account_id=aid,
            reporter_id=reporter,
            reason="harassment",
            evidence_refs=[f"chat-{k}.txt"],
        )
    d.event("login", 10, account_id=aid, device_id="phone-sun", via_linked_personal=True, client_version="4.1.30")


def scene_unverified_enterprise(d: Demo) -> None:
    aid = "acc-suda-liu"
    d.account(aid, "ent-suda", "刘某 — sales of an unverified enterprise (tighter limits)")
    for k in range(18):  # the unverified enterprise halves the hourly limit (×1.4 for weight: 14); 18 is over
        d.event(
            "contact_request",
            56 - k * 3,
            account_id=aid,
            method="phone_search",
            target=f"1360000{k:04d}",
            greeting="您好，速达商贸为您服务",
        )


def scene_plugin(d: Demo) -> None:
    aid = "acc-plugin-wu"
    d.account(aid, "ent-suda", "吴某 — logs in with a plug-in")
    d.event(
        "login",
        30,
        account_id=aid,
        device_id="phone-wu",
        client_version="4.1.2",
        plugin_signatures=["auto-greeter-3.2"],
    )


# --- enterprise usage policy (issue 7) ---
from warden.entrypoints.cli.usage_policy_demo import scene_usage_policy  # noqa: E402

SCENES: list[Callable[[Demo], None]] = [
    scene_directory,
    scene_ordinary_staff,
    scene_heavy_sales,
    scene_spammer,
    scene_harasser,
    scene_unverified_enterprise,
    scene_plugin,
    # --- weight (issue 4) ---
    __import__("warden.entrypoints.cli.weight_demo", fromlist=["_"]).scene_weight,  # lazy: it imports Demo
    # --- unblocking (issue 5) ---
    scene_unblocking,
    # --- appeals (issue 6) ---
    __import__("warden.entrypoints.cli.appeals_demo", fromlist=["_"]).scene_enterprise_appeal,
    # --- enterprise usage policy (issue 7) ---
    scene_usage_policy,
]


def _fresh_sqlite(url: str) -> None:
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)


def run_demo(database: str, console: Console, port: int = 8000) -> App:
    from warden.adapters.clock import SystemClock
    from warden.bootstrap import bootstrap
    from warden.settings import Settings

    _fresh_sqlite(database)
    w = bootstrap(Settings(database_url=database))
    if not database.startswith("sqlite"):
        from warden.adapters.tables import metadata

        with w.engine.begin() as conn:  # a demo on a server database starts from empty tables
            for table in reversed(metadata.sorted_tables):
                conn.execute(table.delete())
        w.start()
    d = Demo(w, console, SystemClock().now().replace(microsecond=0))
    console.print(
        Panel.fit(
            f"warden demo — database [bold]{database}[/], policy {w.loaded.policy.version} ({w.loaded.short_hash})",
            style="cyan",
        )
    )
    for scene in SCENES:
        scene(d)
    d.events.sort(key=lambda e: e["occurred_at"])
    with Progress(
        TextColumn("[bold]playing the stream"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console
    ) as bar:
        task = bar.add_task("events", total=len(d.events))
        for i in range(0, len(d.events), 25):
            chunk = d.events[i : i + 25]
            w.ingest(chunk, actor="demo")
            bar.advance(task, len(chunk))
    for step in d.after:
        step(d)
    show(d)
    return w


def show(d: Demo) -> None:
    w, console = d.warden, d.console
    table = Table(title="Who was restricted, and why (S-A7)", show_lines=True)
    table.add_column("account")
    table.add_column("who")
    table.add_column("state")
    table.add_column("why (zh)")
    table.add_column("why (en)")
    for aid, who in d.people.items():
        zh, en = w.explain(aid, "zh"), w.explain(aid, "en")
        why_zh = "\n".join(f"[{r['rule']}] {r['reason_text']} → {r['scope_text']}" for r in zh["restrictions"]) or "—"
        why_en = (
            "\n".join(
                f"{r['reason_text']} → {r['scope_text']}, until {r['ends_at'] or 'forever'}" for r in en["restrictions"]
            )
            or "—"
        )
        style = {"normal": "green", "paused": "yellow", "restricted": "yellow"}.get(en["state"], "red")
        table.add_row(aid, who, f"[{style}]{zh['state_text']}\n{en['state_text']}[/]", why_zh, why_en)
    console.print(table)
    report = w.audit_verify()
    console.print(f"audit chain: {'[green]intact' if report.ok else '[red]BROKEN'}[/] ({report.checked} entries)")
    tokens = {
        "platform": w.create_token(Role.PLATFORM, label="demo")[1],
        "reviewer": w.create_token(Role.REVIEWER, label="demo")[1],
        "auditor": w.create_token(Role.AUDITOR, label="demo")[1],
        "admin of ent-huaguang": w.create_token(Role.ENTERPRISE_ADMIN, "ent-huaguang", label="demo")[1],
        "member acc-spam-zhao": w.create_token(Role.MEMBER, account_id="acc-spam-zhao", label="demo")[1],
    }
    d.tokens.update(tokens)
    t = Table(title="Tokens to look further (serve with `warden demo --serve` or `warden serve -d <db>`)")
    t.add_column("role")
    t.add_column("bearer token")
    for role, secret in tokens.items():
        t.add_row(role, secret)
    console.print(t)
    console.print(
        "Try: [bold]curl -H 'Authorization: Bearer <member token>' "
        "'http://127.0.0.1:8000/v1/accounts/acc-spam-zhao/explanation?lang=en'[/]\n"
        "Console: http://127.0.0.1:8000/console/ (paste a token above) · API docs: http://127.0.0.1:8000/docs"
    )
