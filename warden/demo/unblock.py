"""The demo's unblocking scene (issue 5): one self-service unblock (code + the platform's face check), a helper refused
for a recent violation (半年内有违规), a double tap that is the same application, and a sixth application in a month
for one phone number, written five ways, refused by the per-phone cap."""

from __future__ import annotations

import re

from rich.table import Table

from warden.demo.base import Demo
from warden.kernel.access import Principal, Role
from warden.unblock.senders import MemorySender

HE, MA, ZHOU = "acc-unblock-he", "acc-unblock-ma", "acc-helper-zhou"
MA_PHONE = "13912345678"
SHOPS = {  # Ma's shops' accounts, bound to her number as each shop wrote it (one number: one cap, issue 12)
    "acc-unblock-ma-shop1": "+86 139 1234 5678",
    "acc-unblock-ma-shop2": "008613912345678",
    "acc-unblock-ma-shop3": "8613912345678",
    "acc-unblock-ma-shop4": "１３９１２３４５６７８",
    "acc-unblock-ma-shop5": "139-1234-5678",
}
DAY = 1440
CLIENT = "4.1.30"  # a current client, no malware, no plug-in: a healthy check


def scene_unblocking(d: Demo) -> None:
    # Each restricted character in an enterprise of its own, so S-A5 (two restricted members of a small,
    # new enterprise cascade) does not turn this scene into a cascade story.
    d.enterprise("ent-kaiyuan", "开元物流有限公司", verified=True, age_days=700)
    d.enterprise("ent-minghe", "明禾家居有限公司", verified=True, age_days=800)
    d.account(HE, "ent-kaiyuan", "何某 — plug-in ban yesterday, unblocks herself (自助解封)")
    d.account(MA, "ent-minghe", "马某 — plug-in ban; asks a helper, taps again, her shops apply too", phone=MA_PHONE)
    d.account(ZHOU, "ent-kaiyuan", "周某 — helper with a violation two months ago (半年内有违规)")
    for n, (shop, phone) in enumerate(SHOPS.items(), 1):  # each shop in an enterprise of its own (no S-A5 story)
        d.enterprise(f"ent-minghe-shop{n}", f"明禾家居第{n}分店", verified=True, age_days=800)
        d.account(shop, f"ent-minghe-shop{n}", f"马某的第{n}家店 — plug-in ban; the same phone number", phone=phone)
    for aid, minutes in ((HE, 26 * 60), (MA, 30 * 60), *((shop, 30 * 60) for shop in SHOPS)):
        d.event(
            "login",
            minutes,
            account_id=aid,
            device_id=f"phone-{aid}",
            client_version="4.0.8",
            plugin_signatures=["red-packet-grabber-2.1"],
        )
    d.event("contact_added", 200 * DAY, account_id=MA, contact_id=ZHOU)
    d.event("message", 200 * DAY - 60, account_id=MA, text="周哥好", recipient_id=ZHOU)
    d.event("message", 200 * DAY - 90, account_id=ZHOU, text="你好", recipient_id=MA)
    for k in range(45):  # two months ago: above even a doubled (high-weight) hourly limit: a strike on record
        d.event(
            "contact_request",
            60 * DAY - k,
            account_id=ZHOU,
            method="phone_search",
            target=f"1350000{k:04d}",
            greeting="您好",
        )
    d.after.append(_play)


def _play(d: Demo) -> None:
    svc = d.app.unblocking
    sender = MemorySender()
    svc.sender = sender
    rows: list[tuple[str, str, str, str]] = []
    me = {aid: Principal("demo", Role.MEMBER, account_id=aid) for aid in (HE, MA, *SHOPS)}  # each drives their own

    def note(who: str, step: str, app_id: str) -> None:
        zh, en = svc.view(me[who], app_id, "zh"), svc.view(me[who], app_id, "en")
        why_zh = zh["refusal"]["text"] if zh["refusal"] else zh["state_text"]
        why_en = en["refusal"]["text"] if en["refusal"] else en["state_text"]
        left = zh["applications"]["remaining"]
        rows.append((who, step, f"{why_zh}\n剩余申请次数 {left}", f"{why_en}\n{left} application(s) left"))

    # 1. He: health check → code to the bound phone → the platform's face check → lifted (POLICY-DEFAULTS §2.4).
    app_id, _ = svc.apply(me[HE])
    svc.health_check(me[HE], app_id, client_version=CLIENT, malware_flag=False, plugin_signatures=[])
    svc.send_code(me[HE], app_id)
    code = re.search(r"\d{6}", sender.last_to(d.app.enforcement.get_account(HE).phone))
    assert code is not None
    svc.verify_code(me[HE], app_id, code.group(0))
    note(HE, "self-service: check → code (one of two methods)", app_id)
    platform = Principal("demo-platform", Role.PLATFORM)
    svc.report_platform_check(platform, app_id, kind="face", passed=True, reference="face-demo-1")
    note(HE, "the platform's face check → 已解封", app_id)

    # 2. Ma asks Zhou, who had a violation two months ago: refused, and both are told why.
    app_id, _ = svc.apply(me[MA])
    svc.health_check(me[MA], app_id, client_version=CLIENT, malware_flag=False, plugin_signatures=[])
    svc.nominate(me[MA], app_id, [ZHOU])
    helper = svc.view(me[MA], app_id, "zh")["verification"]["helpers"][0]
    helper_en = svc.view(me[MA], app_id, "en")["verification"]["helpers"][0]
    rows.append(
        (
            f"{MA} ← {ZHOU}",
            "friend-assisted: helper refused",
            helper["refusals"][0]["text"],
            helper_en["refusals"][0]["text"],
        )
    )

    # 3. Ma taps "apply" again: the same application, not a second one (issue 15).
    again, _ = svc.apply(me[MA])
    note(MA, "a double tap: the same application", again)

    # 4. Her shops' accounts share her number (written five ways, one E.164 key): the sixth application is refused.
    shops = list(SHOPS)
    for shop in shops[:4]:
        app_id, _ = svc.apply(platform, shop)
    note(shops[3], "fifth application for +8613912345678", app_id)
    app_id, _ = svc.apply(platform, shops[4])
    note(shops[4], "sixth application (cap)", app_id)

    table = Table(title="The way back: unblocking (S-D1, S-D2, S-D3)", show_lines=True)
    for col in ("account", "step", "result (zh)", "result (en)"):
        table.add_column(col, overflow="fold")  # wrap, never cut: every cell readable at 80 columns
    for row in rows:
        table.add_row(*row)
    d.console.print(table)
