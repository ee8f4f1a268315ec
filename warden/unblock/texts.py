"""What the unblocking flow says to people (zh default, en): refusals, health failures, helper refusals,
abnormal-unblock signals, the flow's states, and the titles and advice of the two S-D4 rules.

Pure. The two rules' titles (`RULE_TITLES`) are injected into the explanation catalogue by bootstrap
(`warden.enforcement.texts.Texts`); their advice is added to `ADVICE` when this module is imported
(`warden/unblock/__init__.py` imports it, so any use of the slice brings it).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from warden.enforcement.texts import ADVICE, Lang

RULE_TITLES: dict[str, dict[str, str]] = {
    "third_party_unblock": {"zh": "异常解封（第三方平台解封）", "en": "Abnormal (third-party) unblock"},
    "third_party_helper": {"zh": "为他人异常辅助解封", "en": "Helped an abnormal unblock"},
}
ADVICE.setdefault(
    "third_party_unblock",
    {
        "zh": "不要通过第三方平台或付费“辅助”解封；异常解封会被重新封停且不能自助解封，如有异议可以申诉。",
        "en": "Do not unblock through third-party platforms or paid helpers; abnormal unblocks are banned again "
        "without self-service. You may appeal.",
    },
)


def _date(p: dict[str, Any], key: str) -> str:
    """A stored ISO time as a person reads it (minutes, UTC); machine fields keep the full ISO value."""
    value = p.get(key)
    if not value:
        return ""
    try:
        return datetime.fromisoformat(str(value)).astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    except ValueError:
        return str(value)


def text(code: str, p: dict[str, Any], lang: Lang) -> str:
    """One sentence for a refusal, a health failure, a helper refusal or an abnormal signal."""
    zh = lang == "zh"
    match code:
        case "cap_reached":
            return (
                f"同一手机号 {p['window_days']} 天内最多申请解封 {p['cap']} 次，已用完；"
                f"最早 {_date(p, 'next_at')} 后可再申请。"
                if zh
                else f"At most {p['cap']} unblock applications per phone number within {p['window_days']} days; "
                f"none left. Next possible after {_date(p, 'next_at')}."
            )
        case "permanent":
            return (
                "严重违规，永久封停，不可解封；如确认没有违规，可以申诉。"
                if zh
                else "Severe violation: permanently banned and cannot be unblocked; you may appeal."
            )
        case "not_self_unblockable":
            return (
                "当前限制不支持自助解封（到期自动解除，或需申诉）。"
                if zh
                else "This restriction cannot be lifted by self-service (it ends by itself, or needs an appeal)."
            )
        case "enterprise_restricted":
            return (
                "企业整体受限，需由企业管理员携资质材料申诉。"
                if zh
                else "The whole enterprise is restricted; the enterprise admin appeals with its documents."
            )
        case "too_early":
            return (
                f"还未到可申请解封的时间，最早 {_date(p, 'earliest_at')} 起可申请。"
                if zh
                else f"Too early: unblocking can be requested from {_date(p, 'earliest_at')}."
            )
        case "disabled":
            return "自助解封暂未开放。" if zh else "Self-service unblocking is switched off."
        case "no_longer_restricted":
            return "限制已经结束，无需解封。" if zh else "The restriction has already ended; nothing to unblock."
        case "too_many_attempts":
            return "验证码错误次数过多，本次申请已终止。" if zh else "Too many wrong codes; this application is closed."
        case "abnormal_unblock":
            return (
                f"本次解封被判定为异常（第三方平台解封，风险分 {p['score']} ≥ {p['threshold']}），"
                "已重新封停，且不能自助解封。"
                if zh
                else f"This unblock was judged abnormal (third-party unblocking, risk score {p['score']} ≥ "
                f"{p['threshold']}); the account is banned again without self-service."
            )
        # health (S-D7)
        case "health.malware":
            return (
                "检测到手机可能中了木马病毒，请先查杀。"
                if zh
                else "Malware was detected on the phone; remove it first."
            )
        case "health.outdated_client":
            return (
                f"客户端版本 {p['client_version']} 过旧，请升级到 {p['min_version']} 或以上。"
                if zh
                else f"Client version {p['client_version']} is outdated; update to {p['min_version']} or later."
            )
        case "health.plugins":
            return (
                f"仍检测到外挂：{'、'.join(p['signatures'])}，请卸载后再试。"
                if zh
                else f"Plug-ins still present: {', '.join(p['signatures'])}; uninstall them first."
            )
        # helpers (S-D2)
        case "helper.recent_violation":
            return (
                f"辅助者半年内有违规（{_date(p, 'last_at')}），不能辅助解封。"
                if zh
                else f"The helper had a violation within the last six months ({_date(p, 'last_at')}) and cannot help."
            )
        case "helper.restricted":
            return "辅助者自己正处于限制中，不能辅助解封。" if zh else "The helper is restricted and cannot help."
        case "helper.too_new":
            return (
                f"辅助者注册不满 {p['min_days']} 天（{p['age_days']} 天）。"
                if zh
                else f"The helper's account is younger than {p['min_days']} days ({p['age_days']} days)."
            )
        case "helper.not_real_name":
            return "辅助者未完成实名认证。" if zh else "The helper is not real-name verified."
        case "helper.assisted_recently":
            return (
                f"辅助者 {p['window_days']} 天内已辅助解封 {p['assists']} 次，达到上限 {p['max']} 次。"
                if zh
                else f"The helper already assisted {p['assists']} time(s) within {p['window_days']} days "
                f"(limit {p['max']})."
            )
        case "helper.no_relationship":
            return (
                f"辅助者与申请人不是满 {p['min_days']} 天的好友，或没有过双向聊天。"
                if zh
                else f"The helper has not been a contact for {p['min_days']} days with a two-way conversation."
            )
        case "helper.expired":
            return "辅助确认已过期。" if zh else "The helper confirmation has expired."
        case "helper.used":
            return "辅助确认已使用过。" if zh else "The helper confirmation was already used."
        # abnormal signals (S-D4)
        case "signal.helper_many_accounts":
            strangers = p.get("strangers", 0)
            return (
                f"辅助者 {p['helper_id']} 在 {p['days']} 天内辅助了 {p['accounts']} 个不同账号"
                + (f"（其中 {strangers} 个不是好友）" if strangers else "")
                + "。"
                if zh
                else f"Helper {p['helper_id']} assisted {p['accounts']} different accounts within {p['days']} days"
                + (f" ({strangers} of them strangers)" if strangers else "")
                + "."
            )
        case "signal.no_relationship":
            return (
                f"辅助者 {p['helper_id']} 与申请人此前没有好友关系或聊天记录。"
                if zh
                else f"Helper {p['helper_id']} had no prior contact or conversation with the requester."
            )
        case "signal.shared_device":
            who_zh = f"辅助者 {p['helper_id']} " if p.get("helper_id") else "申请人"
            who_en = f"Helper {p['helper_id']}" if p.get("helper_id") else "The requester"
            if p.get("with") == "requester":
                return (
                    f"{who_zh}与申请人共用设备或网络（{p['what']}）。"
                    if zh
                    else f"{who_en} shares a device or network ({p['what']}) with the requester."
                )
            if p.get("with") == "other_unblocks":
                n = p.get("unblocks", 1)
                return (
                    f"{who_zh}使用的设备或网络（{p['what']}）也出现在其他 {n} 次他人的解封中。"
                    if zh
                    else f"{who_en} used a device or network ({p['what']}) that also appears in {n} other "
                    "people's unblock(s)."
                )
            return (  # verdicts stored before issue 15 named the other unblocks in `with`
                f"{who_zh}与{p['with']}共用设备或网络（{p['what']}）。"
                if zh
                else f"{who_en} shares a device or network ({p['what']}) with {p['with']}."
            )
        case "signal.third_party_report":
            return (
                f"平台报告：本次解封是通过第三方平台“{p['platform']}”完成的。"
                if zh
                else f"The platform reports this unblock was obtained through the third-party platform "
                f'"{p["platform"]}".'
            )
        case "health.seen_plugins":
            return (
                f"客户端报告没有外挂，但 {_date(p, 'seen_at')} 该账号在设备 {p['device_id']} 登录时检测到外挂："
                f"{'、'.join(p['signatures'])}；请卸载后重新登录，再做检测。"
                if zh
                else f"The client reports no plug-ins, but warden saw {', '.join(p['signatures'])} when this account "
                f"logged in on device {p['device_id']} at {_date(p, 'seen_at')}; uninstall them, log in again, "
                "then re-check."
            )
        case "health.seen_malware":
            return (
                f"客户端报告没有木马，但 {_date(p, 'seen_at')} 该账号在设备 {p['device_id']} 登录时检测到木马病毒；"
                "请查杀后重新登录，再做检测。"
                if zh
                else f"The client reports no malware, but warden saw malware when this account logged in on device "
                f"{p['device_id']} at {_date(p, 'seen_at')}; remove it, log in again, then re-check."
            )
        case "health.seen_version":
            return (
                f"客户端报告版本 {p['client_version']}，但 {_date(p, 'seen_at')} 在设备 {p['device_id']} 登录的版本是 "
                f"{p['seen_version']}；请用新版本重新登录，再做检测。"
                if zh
                else f"The client reports version {p['client_version']}, but version {p['seen_version']} logged in on "
                f"device {p['device_id']} at {_date(p, 'seen_at')}; log in again with the new version, then re-check."
            )
        case "signal.assist_burst":
            return (
                f"{p['key']} 在 {p['minutes']} 分钟内确认了 {p['count']} 次辅助解封。"
                if zh
                else f"{p['key']} confirmed {p['count']} assists within {p['minutes']} minutes."
            )
    return code


STATE_TEXT: dict[str, dict[str, str]] = {
    "awaiting_health_check": {"zh": "待手机安全检测", "en": "waiting for the client health check"},
    "awaiting_verification": {"zh": "待验证（验证码或好友辅助）", "en": "waiting for verification (code or helpers)"},
    "lifted": {"zh": "已解封", "en": "unblocked"},
    "refused": {"zh": "已拒绝", "en": "refused"},
    "reversed": {"zh": "异常解封，已重新封停", "en": "abnormal unblock, banned again"},
}


def explained(code: str, params: dict[str, Any], lang: Lang) -> dict[str, Any]:
    return {"code": code, "params": params, "text": text(code, params, lang)}


# --- messages sent to a phone ---------------------------------------------------------------------------------


def code_message(code: str, minutes: int, lang: Lang) -> str:
    """The one-time code, to the requester's bound phone (S-D1)."""
    return (
        f"【warden】你的解封验证码是 {code}，{minutes} 分钟内有效，请勿告诉他人。"
        if lang == "zh"
        else f"[warden] Your unblock code is {code}. Valid for {minutes} minutes; do not share it."
    )


def helper_refused_message(requester_id: str, refusals: list[tuple[str, dict[str, Any]]], lang: Lang) -> str:
    """To a named helper who may not vouch, with every reason (S-D2)."""
    reasons = "；".join(text(c, p, lang) for c, p in refusals)
    return (
        f"【warden】{requester_id} 请你辅助解封，但你暂不能辅助：{reasons}"
        if lang == "zh"
        else f"[warden] {requester_id} asked you to help unblock, but you cannot: {reasons}"
    )


def helper_asked_message(requester_id: str, token: str, minutes: int, lang: Lang) -> str:
    """To a named helper who may vouch: the single-use confirmation token (S-D2)."""
    return (
        f"【warden】{requester_id} 请你辅助解封。确认码 {token}，{minutes} 分钟内有效，仅限一次。"
        "如不认识对方，请勿确认。"
        if lang == "zh"
        else f"[warden] {requester_id} asks you to help unblock. Confirmation {token}, valid "
        f"{minutes} minutes, once. Do not confirm for someone you do not know."
    )


def reversal_message(app_id: str, requester_id: str | None, signals: list[dict[str, Any]]) -> str:
    """To each side of a reversed unblock (S-D4), in Chinese then English: the requester (`requester_id` None) is
    banned again without self-service; a helper learns that the unblock they confirmed was reversed and that they
    are penalised too. Names the evidence (each signal's sentence), nobody else's data beyond it."""
    zh = "；".join(text(s["code"], s["params"], "zh") for s in signals)
    en = " ".join(text(s["code"], s["params"], "en") for s in signals)
    if requester_id is None:
        return (
            f"【warden】你的解封（{app_id}）被判定为异常（第三方平台解封），已重新封停，且不能自助解封。依据：{zh}"
            "如有异议可以申诉。\n"
            f"[warden] Your unblock ({app_id}) was judged abnormal (a third-party unblock): the account is banned "
            f"again without self-service. Evidence: {en} You may appeal."
        )
    return (
        f"【warden】你辅助 {requester_id} 的解封（{app_id}）被判定为异常（第三方平台解封），已撤销，"
        "你的账号也因此受到处罚。"
        f"依据：{zh}如有异议可以申诉。\n"
        f"[warden] The unblock of {requester_id} you confirmed ({app_id}) was judged abnormal (a third-party "
        f"unblock) and reversed; your account is penalised too. Evidence: {en} You may appeal."
    )


def reversal_text(requester_id: str, lang: Lang) -> str:
    """What a helper reads in their helper requests when the unblock they confirmed was reversed (S-D4)."""
    return (
        f"你辅助 {requester_id} 的解封被判定为异常（第三方平台解封），已撤销，你的账号也因此受到处罚；依据见下。"
        if lang == "zh"
        else f"The unblock of {requester_id} you confirmed was judged abnormal (a third-party unblock) and reversed; "
        "your account is penalised too. The evidence follows."
    )
