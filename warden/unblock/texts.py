"""What the unblocking flow says to people (zh default, en): refusals, health failures, helper refusals,
abnormal-unblock signals, the flow's states, and the titles and advice of the two S-D4 rules.

Pure. The two rules' titles (`RULE_TITLES`) are injected into the explanation catalogue by bootstrap
(`warden.enforcement.texts.Texts`); their advice is added to `ADVICE` when this module is imported
(`warden/unblock/__init__.py` imports it, so any use of the slice brings it).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from warden.enforcement.texts import ADVICE, Lang
from warden.kernel.i18n import Catalog
from warden.kernel.timefmt import DEFAULT_TIMEZONE, when

RULE_TITLES: Catalog[str] = Catalog(
    {
        "third_party_unblock": {"zh": "异常解封（第三方平台解封）", "en": "Abnormal (third-party) unblock"},
        "third_party_helper": {"zh": "为他人异常辅助解封", "en": "Helped an abnormal unblock"},
    }
)
ADVICE.extend(
    {
        "third_party_unblock": {
            "zh": "不要通过第三方平台或付费“辅助”解封；异常解封会被重新封停且不能自助解封，如有异议可以申诉。",
            "en": "Do not unblock through third-party platforms or paid helpers; abnormal unblocks are banned again "
            "without self-service. You may appeal.",
        }
    }
)


def _date(p: dict[str, Any], key: str, lang: Lang, tz: str) -> str:
    """A stored ISO time as a person reads it: minutes, in the policy's time zone `tz`, the language's way
    (`kernel.timefmt.when`: `2026年12月1日 07:38（北京时间）`); machine fields keep the full ISO value."""
    value = p.get(key)
    if not value:
        return ""
    try:
        at = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return when(at, lang, tz) if at.tzinfo is not None else str(value)


TEXT: Catalog[str] = Catalog(
    {
        "cap_reached": {
            "zh": "同一手机号 {window_days} 天内最多申请解封 {cap} 次，已用完；最早 {next_at} 后可再申请。",
            "en": "At most {cap} unblock applications per phone number within {window_days} days; none left. "
            "Next possible after {next_at}.",
        },
        "permanent": {
            "zh": "严重违规，永久封停，不可解封；如确认没有违规，可以申诉。",
            "en": "Severe violation: permanently banned and cannot be unblocked; you may appeal.",
        },
        "enterprise_decision": {
            "zh": "您所在的企业已注销该账号（依据企业使用规范，案件 {case}）。这是企业的决定，不是平台处罚，"
            "不能自助解封；请联系企业的人事（HR）或管理员。",
            "en": "Your enterprise deregistered the account under its usage policy (case {case}). This is the "
            "enterprise's decision, not a platform penalty, and cannot be unblocked by self-service: contact your "
            "HR or admin.",
        },
        "enterprise_decision.app_removed": {
            "zh": "您所在的企业已移除该账号的企业应用（依据企业使用规范，案件 {case}）。这是企业的决定，不是平台处罚，"
            "不能自助解封；请联系企业的人事（HR）或管理员。",
            "en": "Your enterprise removed the enterprise app from the account under its usage policy (case {case}). "
            "This is the enterprise's decision, not a platform penalty, and cannot be unblocked by self-service: "
            "contact your HR or admin.",
        },
        "not_self_unblockable": {
            "zh": "当前限制不支持自助解封（到期自动解除，或需申诉）。",
            "en": "This restriction cannot be lifted by self-service (it ends by itself, or needs an appeal).",
        },
        "enterprise_restricted": {
            "zh": "企业整体受限，需由企业管理员携资质材料申诉。",
            "en": "The whole enterprise is restricted; the enterprise admin appeals with its documents.",
        },
        "too_early": {
            "zh": "还未到可申请解封的时间，最早 {earliest_at} 起可申请。",
            "en": "Too early: unblocking can be requested from {earliest_at}.",
        },
        "disabled": {
            "zh": "自助解封暂未开放。",
            "en": "Self-service unblocking is switched off.",
        },
        "no_longer_restricted": {
            "zh": "限制已经结束，无需解封。",
            "en": "The restriction has already ended; nothing to unblock.",
        },
        "too_many_attempts": {
            "zh": "验证码错误次数过多，本次申请已终止。",
            "en": "Too many wrong codes; this application is closed.",
        },
        "abnormal_unblock": {
            "zh": "本次解封被判定为异常（第三方平台解封，风险分 {score} ≥ {threshold}），已重新封停，且不能自助解封。",
            "en": "This unblock was judged abnormal (third-party unblocking, risk score {score} ≥ "
            "{threshold}); the account is banned again without self-service.",
        },
        "health.malware": {
            "zh": "检测到手机可能中了木马病毒，请先查杀。",
            "en": "Malware was detected on the phone; remove it first.",
        },
        "health.outdated_client": {
            "zh": "客户端版本 {client_version} 过旧，请升级到 {min_version} 或以上。",
            "en": "Client version {client_version} is outdated; update to {min_version} or later.",
        },
        "health.plugins": {
            "zh": "仍检测到外挂：{signatures}，请卸载后再试。",
            "en": "Plug-ins still present: {signatures}; uninstall them first.",
        },
        "helper.recent_violation": {
            "zh": "辅助者半年内有违规（{last_at}），不能辅助解封。",
            "en": "The helper had a violation within the last six months ({last_at}) and cannot help.",
        },
        "helper.restricted": {
            "zh": "辅助者自己正处于限制中，不能辅助解封。",
            "en": "The helper is restricted and cannot help.",
        },
        "helper.too_new": {
            "zh": "辅助者注册不满 {min_days} 天（{age_days} 天）。",
            "en": "The helper's account is younger than {min_days} days ({age_days} days).",
        },
        "helper.not_real_name": {
            "zh": "辅助者未完成实名认证。",
            "en": "The helper is not real-name verified.",
        },
        "helper.assisted_recently": {
            "zh": "辅助者 {window_days} 天内已辅助解封 {assists} 次，达到上限 {max} 次。",
            "en": "The helper already assisted {assists} time(s) within {window_days} days (limit {max}).",
        },
        "helper.no_relationship": {
            "zh": "辅助者与申请人不是满 {min_days} 天的好友，或没有过双向聊天。",
            "en": "The helper has not been a contact for {min_days} days with a two-way conversation.",
        },
        "helper.not_eligible": {
            "zh": "该用户不符合辅助解封条件（辅助者须是申请人的联系人）。",
            "en": "This person is not eligible to help (a helper must be one of the requester's contacts).",
        },
        "helper.expired": {
            "zh": "辅助确认已过期。",
            "en": "The helper confirmation has expired.",
        },
        "helper.declined": {
            "zh": "好友婉拒了这次协助请求，可以另请一位好友协助，或改用平台的人脸/身份核验。",
            "en": "The friend declined to help; ask another friend, or use the platform's face/ID check.",
        },
        "helper.used": {
            "zh": "辅助确认已使用过。",
            "en": "The helper confirmation was already used.",
        },
        "signal.helper_many_accounts": {
            "zh": "辅助者 {helper_id} 在 {days} 天内辅助了 {accounts} 个不同账号。",
            "en": "Helper {helper_id} assisted {accounts} different accounts within {days} days.",
        },
        "signal.helper_many_accounts.strangers": {
            "zh": "辅助者 {helper_id} 在 {days} 天内辅助了 {accounts} 个不同账号（其中 {strangers} 个不是好友）。",
            "en": "Helper {helper_id} assisted {accounts} different accounts within {days} days "
            "({strangers} of them strangers).",
        },
        "signal.no_relationship": {
            "zh": "辅助者 {helper_id} 与申请人此前没有好友关系或聊天记录。",
            "en": "Helper {helper_id} had no prior contact or conversation with the requester.",
        },
        "signal.shared_device": {
            "zh": "{who}与{with}共用设备或网络（{what}）。",
            "en": "{who} shares a device or network ({what}) with {with}.",
        },
        "signal.shared_device.requester": {
            "zh": "{who}与申请人共用设备或网络（{what}）。",
            "en": "{who} shares a device or network ({what}) with the requester.",
        },
        "signal.shared_device.other_unblocks": {
            "zh": "{who}使用的设备或网络（{what}）也出现在其他 {unblocks} 次他人的解封中。",
            "en": "{who} used a device or network ({what}) that also appears in {unblocks} other people's unblock(s).",
        },
        "signal.third_party_report": {
            "zh": "平台报告：本次解封是通过第三方平台“{platform}”完成的。",
            "en": 'The platform reports this unblock was obtained through the third-party platform "{platform}".',
        },
        "health.seen_plugins": {
            "zh": "客户端报告没有外挂，但 {seen_at} 该账号在设备 {device_id} 登录时检测到外挂：{signatures}；"
            "请卸载后重新登录，再做检测。",
            "en": "The client reports no plug-ins, but warden saw {signatures} when this account logged in on device "
            "{device_id} at {seen_at}; uninstall them, log in again, then re-check.",
        },
        "health.seen_malware": {
            "zh": "客户端报告没有木马，但 {seen_at} 该账号在设备 {device_id} 登录时检测到木马病毒；"
            "请查杀后重新登录，再做检测。",
            "en": "The client reports no malware, but warden saw malware when this account logged in on device "
            "{device_id} at {seen_at}; remove it, log in again, then re-check.",
        },
        "health.seen_version": {
            "zh": "客户端报告版本 {client_version}，但 {seen_at} 在设备 {device_id} 登录的版本是 {seen_version}；"
            "请用新版本重新登录，再做检测。",
            "en": "The client reports version {client_version}, but version {seen_version} logged in on device "
            "{device_id} at {seen_at}; log in again with the new version, then re-check.",
        },
        "signal.assist_burst": {
            "zh": "{key} 在 {minutes} 分钟内确认了 {count} 次辅助解封。",
            "en": "{key} confirmed {count} assists within {minutes} minutes.",
        },
    }
)
"""One sentence per refusal, health failure, helper refusal and abnormal signal (dates as people read them)."""


_DATES = ("next_at", "earliest_at", "last_at", "seen_at")
"""Parameters holding a stored ISO time, filled as people read them (`_date`)."""


def text(code: str, p: dict[str, Any], lang: Lang, tz: str = DEFAULT_TIMEZONE) -> str:
    """One sentence for a refusal, a health failure, a helper refusal or an abnormal signal (`TEXT`), its times in
    the policy's time zone `tz` (IANA name); an unknown code is returned as it is. Signals whose sentence has
    optional parts pick their variant here (`_variant`)."""
    key, extra = _variant(code, p, lang)
    entry = TEXT.get(key)
    if entry is None:
        return code
    params = dict(p) | extra
    for name in _DATES:
        if name in entry.params:
            params[name] = _date(p, name, lang, tz)
    if "signatures" in entry.params:
        params["signatures"] = ("、" if lang == "zh" else ", ").join(p["signatures"])
    return entry.render(lang, **params)


def _variant(code: str, p: dict[str, Any], lang: Lang) -> tuple[str, dict[str, Any]]:
    """The catalogue key for `code` with these parameters, and the parameters only the sentence needs."""
    if code == "enterprise_decision" and p.get("outcome") == "app_removed":
        return "enterprise_decision.app_removed", {}
    if code == "signal.helper_many_accounts" and p.get("strangers"):
        return "signal.helper_many_accounts.strangers", {}
    if code == "signal.shared_device":
        helper = p.get("helper_id")
        who = (f"辅助者 {helper} " if lang == "zh" else f"Helper {helper}") if helper else _REQUESTER[lang]
        if p.get("with") in ("requester", "other_unblocks"):
            return f"signal.shared_device.{p['with']}", {"who": who, "unblocks": p.get("unblocks", 1)}
        return code, {"who": who}  # verdicts stored before issue 15 named the other unblocks in `with`
    return code, {}


_REQUESTER = {"zh": "申请人", "en": "The requester"}


STATE_TEXT: Catalog[str] = Catalog(
    {
        "awaiting_health_check": {"zh": "待手机安全检测", "en": "waiting for the client health check"},
        "awaiting_verification": {
            "zh": "待验证（短信验证码，以及好友辅助或平台人脸/身份核验）",
            "en": "waiting for verification (the code, and helpers or the platform's face/ID check)",
        },
        "lifted": {"zh": "已解封", "en": "unblocked"},
        "refused": {"zh": "已拒绝", "en": "refused"},
        "reversed": {"zh": "异常解封，已重新封停", "en": "abnormal unblock, banned again"},
    }
)


def explained(code: str, params: dict[str, Any], lang: Lang, tz: str = DEFAULT_TIMEZONE) -> dict[str, Any]:
    """`{code, params, text}`: the stable code, its stored parameters, the sentence (times in `tz`)."""
    return {"code": code, "params": params, "text": text(code, params, lang, tz)}


# --- messages sent to a phone ---------------------------------------------------------------------------------


MESSAGES: Catalog[str] = Catalog(
    {
        "code": {
            "zh": "【warden】你的解封验证码是 {code}，{minutes} 分钟内有效，请勿告诉他人。",
            "en": "[warden] Your unblock code is {code}. Valid for {minutes} minutes; do not share it.",
        },
        "helper_refused": {
            "zh": "【warden】{requester_id} 请你辅助解封，但你暂不能辅助：{reasons}",
            "en": "[warden] {requester_id} asked you to help unblock, but you cannot: {reasons}",
        },
        "helper_asked": {
            "zh": "【warden】{requester_id} 请你辅助解封。确认码 {token}，{minutes} 分钟内有效，仅限一次。"
            "如不认识对方，请勿确认。",
            "en": "[warden] {requester_id} asks you to help unblock. Confirmation {token}, valid "
            "{minutes} minutes, once. Do not confirm for someone you do not know.",
        },
    }
)


COUNTING_TEXT: Catalog[str] = Catalog(
    {
        "counted": {
            "zh": "本次申请已计入该手机号 {days} 天内 {cap} 次的上限（无论结果如何）；重复提交同一申请不会再计一次。",
            "en": "This application used one of the phone number's {cap} in {days} days, whatever becomes of it; "
            "repeating the same request does not use another.",
        },
        "cap_reached": {
            "zh": "已达上限，本次申请未计次。",
            "en": "The cap is reached; this refusal used no application.",
        },
        "not_counted": {
            "zh": "本次申请不可能成功，已在计次前拒绝，未占用申请次数。",
            "en": "This request could not succeed, so it was refused before it was counted: it used no application.",
        },
    }
)
"""What an application did to the phone's cap (S-D3; issue 15)."""


def counting_text(counted: bool, refusal: str | None, cap: int, window_days: float, lang: Lang) -> str:
    """What this application did to the phone's cap (S-D3; issue 15), in one sentence."""
    if counted:
        return COUNTING_TEXT.render("counted", lang, days=f"{window_days:g}", cap=cap)
    return COUNTING_TEXT.render("cap_reached" if refusal == "cap_reached" else "not_counted", lang)


def code_message(code: str, minutes: int, lang: Lang) -> str:
    """The one-time code, to the requester's bound phone (S-D1)."""
    return MESSAGES.render("code", lang, code=code, minutes=minutes)


def helper_refused_message(
    requester_id: str, refusals: list[tuple[str, dict[str, Any]]], lang: Lang, tz: str = DEFAULT_TIMEZONE
) -> str:
    """To a named helper who may not vouch, with every reason (S-D2), times in the policy's time zone `tz`."""
    reasons = "；".join(text(c, p, lang, tz) for c, p in refusals)
    return MESSAGES.render("helper_refused", lang, requester_id=requester_id, reasons=reasons)


def helper_asked_message(requester_id: str, token: str, minutes: int, lang: Lang) -> str:
    """To a named helper who may vouch: the single-use confirmation token (S-D2)."""
    return MESSAGES.render("helper_asked", lang, requester_id=requester_id, token=token, minutes=minutes)


REVERSAL_TEXT: Catalog[str] = Catalog(
    {
        "requester": {
            "zh": "【warden】你的解封（{app_id}）被判定为异常（第三方平台解封），已重新封停，且不能自助解封。"
            "依据：{evidence}如有异议可以申诉。",
            "en": "[warden] Your unblock ({app_id}) was judged abnormal (a third-party unblock): the account is banned "
            "again without self-service. Evidence: {evidence} You may appeal.",
        },
        "helper": {
            "zh": "【warden】你辅助 {requester_id} 的解封（{app_id}）被判定为异常（第三方平台解封），已撤销，"
            "你的账号也因此受到处罚。依据：{evidence}如有异议可以申诉。",
            "en": "[warden] The unblock of {requester_id} you confirmed ({app_id}) was judged abnormal (a third-party "
            "unblock) and reversed; your account is penalised too. Evidence: {evidence} You may appeal.",
        },
        "helper_view": {
            "zh": "你辅助 {requester_id} 的解封被判定为异常（第三方平台解封），已撤销，"
            "你的账号也因此受到处罚；依据见下。",
            "en": "The unblock of {requester_id} you confirmed was judged abnormal (a third-party unblock) and "
            "reversed; your account is penalised too. The evidence follows.",
        },
    }
)
"""What each side of a reversed unblock is told (S-D4)."""


def reversal_message(
    app_id: str, requester_id: str | None, signals: list[dict[str, Any]], tz: str = DEFAULT_TIMEZONE
) -> str:
    """To each side of a reversed unblock (S-D4), in Chinese then English: the requester (`requester_id` None) is
    banned again without self-service; a helper learns that the unblock they confirmed was reversed and that they
    are penalised too. Names the evidence (each signal's sentence, times in `tz`), nobody else's data beyond it."""
    evidence = {
        "zh": "；".join(text(s["code"], s["params"], "zh", tz) for s in signals),
        "en": " ".join(text(s["code"], s["params"], "en", tz) for s in signals),
    }
    key = "requester" if requester_id is None else "helper"
    return "\n".join(
        REVERSAL_TEXT.render(key, lang, app_id=app_id, requester_id=requester_id or "", evidence=evidence[lang])
        for lang in ("zh", "en")
    )


def reversal_text(requester_id: str, lang: Lang) -> str:
    """What a helper reads in their helper requests when the unblock they confirmed was reversed (S-D4)."""
    return REVERSAL_TEXT.render("helper_view", lang, requester_id=requester_id)
