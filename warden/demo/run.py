"""`warden demo`: a demo enterprise, a realistic stream, and who got restricted and why.

The demo is a list of scenes (`SCENES`, in this order); each adds its people and events to the stream, and may
add a step to run once the stream is in. A new feature adds its scene module here and one line to `SCENES`.
"""

from __future__ import annotations

from datetime import datetime

from rich.console import Console
from rich.panel import Panel
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from warden.app import App
from warden.demo import appeals, enforcement, unblock, usage_policy, weight
from warden.demo.base import Demo, Scene
from warden.kernel.access import Principal, Role
from warden.kernel.timefmt import when

SCENES: list[Scene] = [
    enforcement.scene_directory,
    enforcement.scene_ordinary_staff,
    enforcement.scene_heavy_sales,
    enforcement.scene_spammer,
    enforcement.scene_harasser,
    enforcement.scene_unverified_enterprise,
    enforcement.scene_plugin,
    weight.scene_weight,  # weight (issue 4)
    unblock.scene_unblocking,  # unblocking (issue 5)
    appeals.scene_enterprise_appeal,  # appeals (issue 6)
    usage_policy.scene_usage_policy,  # enterprise usage policy (issue 7)
    appeals.scene_open_desk,  # two member appeals left waiting: the review desk is not empty (issue 14)
]


def run_demo(database: str, console: Console, port: int = 8000) -> App:
    """Start `database` over (a SQLite file is deleted; a server database's tables are emptied), play every
    scene, print who was restricted and why, and return the running `App` (the caller closes it)."""
    from warden.adapters.clock import SystemClock
    from warden.adapters.database import start_over
    from warden.bootstrap import bootstrap
    from warden.settings import Settings

    start_over(database)
    app = bootstrap(Settings(database_url=database))
    d = Demo(app, console, SystemClock().now().replace(microsecond=0))
    console.print(
        Panel.fit(
            f"warden demo — database [bold]{database}[/], policy {app.loaded.policy.version} ({app.loaded.short_hash})",
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
            result = app.pipeline.ingest(chunk, actor="demo")
            d.decisions.update((o.event_id, o) for o in result.outcomes)
            bar.advance(task, len(chunk))
    for step in d.after:
        step(d)
    show(d)
    return app


def _until(r: dict[str, object], lang: str, tz: str) -> str:
    """A restriction's end as people read it (Babel, the policy's time zone), or forever."""
    ends = r.get("ends_at")
    if not isinstance(ends, str):
        return "永久" if lang == "zh" else "forever"
    return when(datetime.fromisoformat(ends), lang, tz)


def restricted_table(d: Demo) -> Table:
    """Who was restricted and why, one row per account, three columns that fit an 80-column terminal: the
    account and who it is; its state (zh / en); each restriction's reason in zh then en, with its end."""
    app, tz = d.app, d.app.rules.policy.timezone
    table = Table(title="Who was restricted, and why (S-A7)", show_lines=True, expand=False)
    table.add_column("account / who", overflow="fold", min_width=18, max_width=24)
    table.add_column("state", min_width=8, max_width=12)
    table.add_column("why (zh / en)", overflow="fold", min_width=30)
    for aid, who in d.people.items():
        zh, en = app.enforcement.explain(aid, "zh"), app.enforcement.explain(aid, "en")
        lines = []
        for rz, re_ in zip(zh["restrictions"], en["restrictions"], strict=True):
            lines.append(f"• {rz['reason_text']} → {rz['scope_text']}，至 {_until(rz, 'zh', tz)}")
            lines.append(f"  [dim]{re_['reason_text']} → {re_['scope_text']}, until {_until(re_, 'en', tz)}[/]")
        style = {"normal": "green", "paused": "yellow", "restricted": "yellow"}.get(en["state"], "red")
        table.add_row(
            f"[bold]{aid}[/]\n{who}",
            f"[{style}]{zh['state_text']}\n{en['state_text']}[/]",
            "\n".join(lines) or "—",
        )
    return table


def show(d: Demo) -> None:
    """Who was restricted and why (zh and en), the audit chain's state, what waits on the review desk, and a
    token for every role to look further."""
    app, console = d.app, d.console
    console.print(restricted_table(d))
    report = app.enforcement.audit_verify()
    console.print(f"audit chain: {'[green]intact' if report.ok else '[red]BROKEN'}[/] ({report.checked} entries)")
    create = app.tokens.create
    tokens = {
        "platform": create(Role.PLATFORM, label="demo platform")[1],
        "reviewer": create(Role.REVIEWER, label="demo reviewer 丙")[1],
        "auditor": create(Role.AUDITOR, label="demo auditor")[1],
        "admin of ent-huaguang": create(Role.ENTERPRISE_ADMIN, "ent-huaguang", label="demo admin of 华光")[1],
        "admin of ent-jinxin": create(Role.ENTERPRISE_ADMIN, "ent-jinxin", label="demo admin of 金鑫")[1],
        "investigator of ent-huaguang": create(Role.INVESTIGATOR, "ent-huaguang", label="demo investigator of 华光")[1],
        "member acc-spam-zhao": create(Role.MEMBER, account_id="acc-spam-zhao", label="demo member acc-spam-zhao")[1],
    }
    d.tokens.update(tokens)
    queue = app.appeals.queue(Principal("demo", Role.AUDITOR), "en", 50, None)["items"]
    console.print(
        f"review desk: [bold]{len(queue)}[/] case(s) waiting"
        + (f" ({', '.join(str(i['subject']) for i in queue[:5])})" if queue else "")
    )
    t = Table(title="A token for every role (warden demo --serve, or warden serve -d <db>)")
    t.add_column("role", overflow="fold")
    t.add_column("bearer token", no_wrap=True)
    for role, secret in d.tokens.items():
        t.add_row(role, secret)
    console.print(t)
    console.print(
        "Try: [bold]curl -H 'Authorization: Bearer <member token>' "
        "'http://127.0.0.1:8000/v1/accounts/acc-spam-zhao/explanation?lang=en'[/]\n"
        "Console: http://127.0.0.1:8000/console/ (paste a token above) · API docs: http://127.0.0.1:8000/docs"
    )
