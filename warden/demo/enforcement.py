"""The core scenes (S-A): two enterprises, ordinary staff, a busy but legitimate salesman, a spammer, a harasser,
a salesman of an unverified enterprise (tighter limits) and a plug-in user."""

from __future__ import annotations

from warden.demo.base import Demo


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
