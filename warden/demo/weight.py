"""Demo scene for weight (issue 4): an S-A5 cascade in a low-weight enterprise, and two weights explained."""

from __future__ import annotations

from datetime import timedelta

from rich.panel import Panel

from warden.demo.base import Demo
from warden.kernel.access import Principal, Role
from warden.kernel.model import Account
from warden.kernel.timefmt import when
from warden.weight.cli import print_weight

ENT = "ent-jiayuan"


def scene_weight(d: Demo) -> None:
    """A young unverified enterprise of bare accounts: three members get reported within the hour, the
    enterprise weight is below the bar, so the whole enterprise is restricted (S-A5)."""
    d.enterprise(ENT, "佳源推广（未认证）", verified=False, age_days=25)
    filler = [f"acc-jy-{i:02d}" for i in range(12)]
    for aid in filler:  # bare new accounts: no real name, no profile, emulator logins
        d.app.enforcement.register_account(
            Account(aid, ENT, f"1370{abs(hash(aid)) % 10**7:07d}", False, d.now - timedelta(days=20)), "demo"
        )
    d.account(
        "acc-jy-bystander",
        ENT,
        "何某 — did nothing wrong; restricted with the enterprise",
        verified=False,
        age_days=20,
        profile=False,
    )
    reported = ["acc-jy-pusher-1", "acc-jy-pusher-2", "acc-jy-pusher-3"]
    for k, aid in enumerate(reported):
        d.account(aid, ENT, f"推广员 {k + 1} — reported by three people", verified=False, age_days=15, profile=False)
    for i, aid in enumerate([*filler, "acc-jy-bystander", *reported]):
        d.event("login", 178 - i, account_id=aid, device_id=f"emu-{i}", device_kind="emulator", client_version="4.0.9")
    for k, aid in enumerate(reported):
        for j in range(3):
            d.event(
                "report",
                50 - k * 15 - j,
                account_id=aid,
                reporter_id=f"wx-victim-{k}-{j}",
                reason="spam",
                evidence_refs=[f"jy-{k}-{j}.png"],
            )
    d.after.append(show_weight)


def show_weight(d: Demo) -> None:
    app, console = d.app, d.console
    svc, reviewer = app.weight, Principal("demo", Role.REVIEWER)
    ent = svc.enterprise(reviewer, ENT, "en").model_dump()
    cascades = [r for r in app.enforcement.restrictions("enterprise", ENT) if r.rule_id == "cascade"]
    why = app.enforcement.explain("acc-jy-bystander", "zh")
    lines = [f"enterprise {ENT}: weight now [bold]{ent['score']}[/] / 100"]
    for r in cascades:
        ev = r.evidence
        lines.append(
            f"cascade {r.id} ({ev['why']}): {ev['restricted_members']} of {ev['active_members']} active members "
            f"restricted within {ev['window_days']} days, enterprise weight {ev['enterprise_weight']} < "
            f"{ev['below_weight']} → whole enterprise {r.scope.value} until "
            + (when(r.ends_at, "en", app.loaded.policy.timezone) if r.ends_at else "an appeal lifts it")
        )
    lines += [
        f"bystander acc-jy-bystander: {why['state_text']} — "
        + "; ".join(f"{r['rule_title']}（{r['scope_text']}）" for r in why["restrictions"]),
        "advice: " + " ".join(a["text"] for a in why["advice"] if a["code"] == "cascade"),
        "lifting the one enterprise restriction restores every member at once (members carry no copy of it)",
    ]
    title = "S-A5 cascade: members restricted → the whole enterprise"
    console.print(Panel("\n".join(lines), title=title, style="magenta"))
    print_weight(svc.account(reviewer, "acc-staff-1", "zh"), console, "权重 acc-staff-1（正常员工）")
    print_weight(svc.account(reviewer, "acc-spam-zhao", "en"), console, "weight of acc-spam-zhao (new spammer account)")
