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
        case "helper.not_eligible":
            return (
                "该用户不符合辅助解封条件（辅助者须是申请人的联系人）。"
                if zh
                else "This person is not eligible to help (a helper must be one of the requester's contacts)."
            )
        case "helper.expired":
            return "辅助确认已过期。" if zh else "The helper confirmation has expired."
        case "helper.used":
            return "辅助确认已使用过。" if zh else "The helper confirmation was already used."
        # abnormal signals (S-D4)
        case "signal.helper_many_accounts":
            return (
                f"辅助者 {p['helper_id']} 在 {p['days']} 天内辅助了 {p['accounts']} 个不同账号。"
                if zh
                else f"Helper {p['helper_id']} assisted {p['accounts']} different accounts within {p['days']} days."
            )
        case "signal.no_relationship":
            return (
                f"辅助者 {p['helper_id']} 与申请人此前没有好友关系或聊天记录。"
                if zh
                else f"Helper {p['helper_id']} had no prior contact or conversation with the requester."
            )
        case "signal.shared_device":
            return (
                f"辅助者 {p['helper_id']} 与{p['with']}共用设备或网络（{p['what']}）。"
                if zh
                else f"Helper {p['helper_id']} shares a device or network ({p['what']}) with {p['with']}."
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
    "awaiting_verification": {
        "zh": "待验证（短信验证码，以及好友辅助或平台人脸/身份核验）",
        "en": "waiting for verification (the code, and helpers or the platform's face/ID check)",
    },
    "lifted": {"zh": "已解封", "en": "unblocked"},
    "refused": {"zh": "已拒绝", "en": "refused"},
    "reversed": {"zh": "异常解封，已重新封停", "en": "abnormal unblock, banned again"},
}


def explained(code: str, params: dict[str, Any], lang: Lang) -> dict[str, Any]:
    return {"code": code, "params": params, "text": text(code, params, lang)}


# --- messages sent to a phone ---------------------------------------------------------------------------------


def counting_text(counted: bool, refusal: str | None, cap: int, window_days: float, lang: Lang) -> str:
    """What this application did to the phone's cap (S-D3; issue 15), in one sentence."""
    zh = lang == "zh"
    days = f"{window_days:g}"
    if counted:
        return (
            f"本次申请已计入该手机号 {days} 天内 {cap} 次的上限（无论结果如何）；重复提交同一申请不会再计一次。"
            if zh
            else f"This application used one of the phone number's {cap} in {days} days, whatever becomes of it; "
            "repeating the same request does not use another."
        )
    if refusal == "cap_reached":
        return "已达上限，本次申请未计次。" if zh else "The cap is reached; this refusal used no application."
    return (
        "本次申请不可能成功，已在计次前拒绝，未占用申请次数。"
        if zh
        else "This request could not succeed, so it was refused before it was counted: it used no application."
    )


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
