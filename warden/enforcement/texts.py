"""The enforcement catalogue (zh default, en): rule titles, scopes, states, reason sentences, advice.

Other slices' titles and reason sentences are injected (`Texts`, built by bootstrap), never imported.

Everything here is rendered from stable codes and the evidence stored with each decision: a reason's
text is a template filled with the values that made the rule fire. Machine fields never change with the
language; only the `text` fields do.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from warden.kernel.i18n import Catalog, Lang
from warden.kernel.model import Scope

__all__ = [
    "ADVICE",
    "APPEAL_WAY_TEXT",
    "CORE",
    "ENTERPRISE_STATE_TEXT",
    "RULE_TITLES",
    "SCOPE_TEXT",
    "STATE_TEXT",
    "Lang",
    "Texts",
    "reason_text",
    "window_text",
]

RULE_TITLES: Catalog[str] = Catalog(
    {
        "phone_search_velocity": {"zh": "搜索手机号加好友太频繁", "en": "Adding contacts by phone search too often"},
        "inbound_add_burst": {"zh": "短时间内被大量添加", "en": "Burst of inbound contact adds"},
        "late_event": {"zh": "迟到事件：较晚的处罚待复核", "en": "Late event: later strikes to review"},
        "reports": {"zh": "被好友举报", "en": "Reported by contacts"},
        "unverified_enterprise_cap": {
            "zh": "企业未实名认证的客户上限",
            "en": "Customer cap of an unverified enterprise",
        },
        "sensitive_words": {"zh": "加好友话术或消息含敏感词", "en": "Sensitive words in greetings or messages"},
        "plugin_software": {"zh": "使用外挂软件", "en": "Plug-in (cheat) software"},
        "manual": {"zh": "审核员处理", "en": "Reviewer decision"},
        "cascade": {"zh": "企业连带限制", "en": "Enterprise-wide cascade"},
        "restriction": {"zh": "已有限制", "en": "Existing restriction"},
    }
)

SCOPE_TEXT: Catalog[Scope] = Catalog(
    {
        Scope.ADD_CONTACTS: {"zh": "暂停主动添加好友", "en": "proactive contact adding paused"},
        Scope.FEATURES: {
            "zh": "限制添加外部联系人、打招呼和群发",
            "en": "external adds, greetings and mass sending restricted",
        },
        Scope.LOGIN: {"zh": "限制登录（阶段处罚）", "en": "login restricted (staged penalty)"},
        Scope.ACCOUNT: {"zh": "永久封号", "en": "permanently banned"},
    }
)

STATE_TEXT: Catalog[str] = Catalog(
    {
        "normal": {"zh": "正常", "en": "in good standing"},
        "capped": {
            "zh": "正常，但暂不能添加新的外部联系人",
            "en": "in good standing, but new external contacts are refused",
        },
        "paused": {"zh": "已暂停主动加好友", "en": "proactive adding paused"},
        "restricted": {"zh": "功能受限", "en": "features restricted"},
        "login_restricted": {"zh": "限制登录", "en": "login restricted"},
        "banned": {"zh": "永久封号", "en": "permanently banned"},
    }
)

WINDOW_TEXT: Catalog[str] = Catalog(
    {
        "days": {"zh": "{n} 天", "en": "{n} day(s)"},
        "hours": {"zh": "{n} 小时", "en": "{n} hour(s)"},
        "minutes": {"zh": "{n} 分钟", "en": "{n} minute(s)"},
    }
)

ENTERPRISE_STATE_TEXT: Catalog[str] = Catalog(
    {
        "normal": {
            "zh": "企业状态正常，没有生效中的处罚",
            "en": "The enterprise is in good standing: no restriction in force",
        },
        "restricted": {
            "zh": "企业自 {since} 起受到处罚（{reasons}），{until}。",
            "en": "The enterprise is restricted since {since} ({reasons}), {until}.",
        },
        "until": {"zh": "至 {until} 结束", "en": "until {until}"},
        "open_ended": {"zh": "没有结束时间，需申诉解除", "en": "with no end: it ends only on appeal"},
    }
)

APPEAL_WAY_TEXT: Catalog[str] = Catalog(
    {
        "enterprise": {
            "zh": "企业管理员可对此处罚提出申诉：POST /v1/appeals，strike_id 为 {strike}，并按清单上传营业执照等材料。",
            "en": "The enterprise admin may appeal it: POST /v1/appeals with strike_id {strike}, then upload the "
            "documents of the checklist (business licence …).",
        },
        "none": {
            "zh": "此限制由成员处罚连带产生，没有可申诉的企业处罚编号；请处理成员的处罚。",
            "en": "This restriction has no enterprise strike to appeal; handle the members' penalties instead.",
        },
        "ended": {"zh": "此处罚已结束，无需申诉。", "en": "This restriction is over; there is nothing to appeal."},
    }
)


def window_text(seconds: int, lang: Lang) -> str:
    """A window's length in whole days, else whole hours, else minutes: `86400` → "1 天" / "1 day(s)"."""
    s = int(seconds)
    if s % 86400 == 0 and s >= 86400:
        return WINDOW_TEXT.render("days", lang, n=s // 86400)
    if s % 3600 == 0:
        return WINDOW_TEXT.render("hours", lang, n=s // 3600)
    return WINDOW_TEXT.render("minutes", lang, n=s // 60)


def _hits(params: dict[str, Any]) -> str:
    return "、".join(dict.fromkeys(f"“{h['matched']}”({h['term']})" for h in params.get("hits", [])))


REASONS: Catalog[str] = Catalog(
    {
        "velocity.hard_limit": {
            "zh": "{w}内通过搜索手机号发出 {count} 次加好友请求，超过上限 {hard} 次（系数 ×{factor}）",
            "en": "{count} phone-search contact requests within {w}, above the hard limit of {hard} (limits ×{factor})",
        },
        "velocity.soft_limit": {
            "zh": "{w}内通过搜索手机号发出 {count} 次加好友请求，已超过提醒线 {soft} 次，请放慢速度",
            "en": "{count} phone-search requests within {w}, above the warning line of {soft}; slow down",
        },
        "greeting.sensitive": {
            "zh": "{where}中含敏感词 {hits_text}；{w}内第 {count} 次（满 {repeat_count} 次将处罚）",
            "en": "the {where} contains sensitive words {hits_text}; hit {count} within {w} ({repeat_count} "
            "lead to a penalty)",
        },
        "message.sensitive": {
            "zh": "{where}中含敏感词 {hits_text}；{w}内第 {count} 次（满 {repeat_count} 次将处罚）",
            "en": "the {where} contains sensitive words {hits_text}; hit {count} within {w} ({repeat_count} "
            "lead to a penalty)",
        },
        "greeting.sensitive_weak": {
            "zh": "含可疑词 {hits_text}，请注意措辞",
            "en": "contains doubtful words {hits_text}; mind the wording",
        },
        "message.sensitive_weak": {
            "zh": "含可疑词 {hits_text}，请注意措辞",
            "en": "contains doubtful words {hits_text}; mind the wording",
        },
        "greeting.sensitive_context": {
            "zh": "{hits_text} 在此情形（{context}）下按策略不计",
            "en": "{hits_text} left alone: the policy allows them in this situation ({context})",
        },
        "message.sensitive_context": {
            "zh": "{hits_text} 在此情形（{context}）下按策略不计",
            "en": "{hits_text} left alone: the policy allows them in this situation ({context})",
        },
        "reports.negative_feedback": {
            "zh": "{w}内新增 {new_contacts} 位联系人中 {negative} 位举报或删除了你"
            "（{ratio:.0%}，上限 {max_ratio:.0%}）",
            "en": "{negative} of {new_contacts} new contacts within {w} reported or removed you ({ratio:.0%}, "
            "limit {max_ratio:.0%})",
        },
        "inbound_burst.flagged": {
            "zh": "{w}内被添加 {count} 次，已提交人工复核",
            "en": "added by {count} people within {w}; flagged for review",
        },
        "paused.restricted": {
            "zh": "账号处于限制中，主动添加好友已暂停",
            "en": "the account is restricted; proactive adding is paused",
        },
        "plugin.detected": {
            "zh": "检测到外挂软件：{signatures_text}",
            "en": "plug-in software detected: {signatures_text}",
        },
    }
)
"""Reason sentences filled from a decision's evidence (`reason_text`): `w` is the window in words, `hits_text` the
words that matched, `where` greeting or message, `signatures_text` the plug-ins found."""


def reason_text(code: str, params: dict[str, Any], lang: Lang) -> str:
    """One sentence for one reason code, filled with its evidence: `REASONS`, or below for the sentences that are
    built from parts (the report reasons, a ban with or without an end, the cascade, the cap's zh count)."""
    p = params
    w = window_text(p["window_seconds"], lang) if "window_seconds" in p else ""
    zh = lang == "zh"
    entry = REASONS.get(code)
    if entry is not None:
        values = {**p, "w": w}
        if "hits_text" in entry.params:
            values["hits_text"] = _hits(p)
        if "where" in entry.params:
            greeting = code.startswith("greeting")
            values["where"] = ("加好友话术" if greeting else "消息") if zh else ("greeting" if greeting else "message")
        if "signatures_text" in entry.params:
            values["signatures_text"] = ", ".join(p.get("signatures", []))
        return entry.render(lang, **values)
    match code:
        case "reports.threshold":
            by = _report_reasons(p, lang)
            return (
                f"{w}内被 {p['distinct_reporters']} 位不同用户举报（阈值 {p['threshold']}）"
                + (f"；举报原因：{by}" if by else "")
                if zh
                else f"reported by {p['distinct_reporters']} different people within {w} (threshold {p['threshold']})"
                + (f"; reasons: {by}" if by else "")
            )
        case "cap.unverified_enterprise":
            return (
                f"企业未实名认证，外部联系人已达上限 {p['cap']}（当前 {p['external_contacts']}）"
                if zh
                else f"the enterprise is not verified and has reached its cap of {p['cap']} external contacts"
            )
        case "login.restricted":
            until = p.get("until")
            if until is None:
                return "账号已被永久封停" if zh else "the account is permanently banned"
            return f"账号限制登录至 {until}" if zh else f"login is restricted until {until}"
        case "manual" | "manual.reviewer":
            return (f"审核员处理：{p.get('note', '')}" if zh else f"reviewer action: {p.get('note', '')}").rstrip(
                "：: "
            )
        case "cascade.members" | "cascade.share" | "cascade.severe":
            return cascade_text(code, p, lang)
    return code


REPORT_REASON_TEXT: Catalog[str] = Catalog(
    {
        "spam": {"zh": "骚扰广告", "en": "spam"},
        "harassment": {"zh": "骚扰", "en": "harassment"},
        "fraud": {"zh": "欺诈", "en": "fraud"},
        "prohibited_content": {"zh": "违禁内容", "en": "prohibited content"},
        "impersonation": {"zh": "冒充他人", "en": "impersonation"},
        "other": {"zh": "其他", "en": "other"},
    }
)


def _report_reasons(p: dict[str, Any], lang: Lang) -> str:
    """`{"harassment": 6, "spam": 1}` → "harassment 6, spam 1" (evidence of reports strikes since issue 10)."""
    by = p.get("reasons") or {}
    sep = "、" if lang == "zh" else ", "
    return sep.join(f"{REPORT_REASON_TEXT.lookup(r, lang, r)} {n}" for r, n in by.items())


# --- the S-A5 cascade, as a member sees it ----------------------------------------------------------------

# What a member is told about an enterprise cascade: the numbers, never who (issue 10). Colleagues' account ids,
# the trigger account, its strike, event and rule stay with reviewers and the enterprise's admins.
CASCADE_PUBLIC_EVIDENCE = (
    "spec",
    "why",
    "restricted_members",
    "active_members",
    "enterprise_weight",
    "below_weight",
    "min_members",
    "min_share",
    "share_min_active",
    "window_days",
)


def cascade_evidence(evidence: dict[str, Any]) -> dict[str, Any]:
    """A cascade's evidence without anything that names a colleague (`CASCADE_PUBLIC_EVIDENCE` only)."""
    return {k: evidence[k] for k in CASCADE_PUBLIC_EVIDENCE if k in evidence}


def cascade_text(code: str, p: dict[str, Any], lang: Lang) -> str:
    """The cascade's numbers in one sentence: restricted and active members, the window, the enterprise weight
    and its bar (S-A5). Nothing here names a member."""
    zh = lang == "zh"
    n, active = p.get("restricted_members", 0), p.get("active_members", 0)
    days, weight, bar = p.get("window_days", 7), p.get("enterprise_weight"), p.get("below_weight")
    if code == "cascade.severe":
        return (
            f"企业有成员因严重违规被处罚，整个企业随即受限（企业权重 {weight}，严重违规不看权重）"
            if zh
            else f"a member was penalised for a severe violation, which restricts the whole enterprise at once "
            f"(enterprise weight {weight}; a severe violation does so whatever the weight)"
        )
    if code == "cascade.share":
        share = n / active if active else 0.0
        return (
            f"{days} 天内企业 {active} 名活跃成员中有 {n} 名被限制（{share:.0%}，达到 {p.get('min_share', 0):.0%}），"
            f"且不计这些限制时企业权重 {weight} 低于 {bar}，因此整个企业受限"
            if zh
            else f"{n} of the enterprise's {active} active members were restricted within {days} day(s) "
            f"({share:.0%}, at least {p.get('min_share', 0):.0%}), and the enterprise weight without those "
            f"restrictions, {weight}, is below {bar}: the whole enterprise is restricted"
        )
    return (
        f"{days} 天内企业有 {n} 名成员被限制（达到 {p.get('min_members')} 名；活跃成员 {active} 名），"
        f"且不计这些限制时企业权重 {weight} 低于 {bar}，因此整个企业受限"
        if zh
        else f"{n} members of the enterprise were restricted within {days} day(s) (at least "
        f"{p.get('min_members')}; {active} active members), and the enterprise weight without those "
        f"restrictions, {weight}, is below {bar}: the whole enterprise is restricted"
    )


ADVICE: Catalog[str] = Catalog(
    {
        "check_first": {
            "zh": "先查漏补缺：对照下面每条原因，确认是哪个环节出了问题；限制期间请暂停主动加好友。",
            "en": "First find what went wrong, reason by reason below; "
            "pause proactive contact adding while restricted.",
        },
        "phone_search_velocity": {
            "zh": "放慢通过手机号搜索加好友的节奏，改用二维码或名片让客户主动添加。",
            "en": "Slow down adding by phone search; let customers add you by QR code or business card instead.",
        },
        "sensitive_words": {
            "zh": "修改加好友话术，去掉“红包”“返利”等营销敏感词及其变体。",
            "en": "Rewrite your greeting without marketing words such as 红包 (red packet) or 返利 (rebate), "
            "in any form.",
        },
        "reports": {
            "zh": "停止联系不希望被打扰的人；如认为举报不实，可以申诉。",
            "en": "Stop contacting people who do not want it; if the reports are unfounded, you can appeal.",
        },
        "plugin_software": {
            "zh": "立即停止并卸载外挂软件，更新到官方最新版本，否则解封后会再次被封。",
            "en": "Stop and uninstall the plug-in software now and update to the latest official client, "
            "or you will be banned again.",
        },
        "unverified_account": {
            "zh": "完成账号实名认证：未认证账号的加好友上限减半。",
            "en": "Complete real-name verification: unverified accounts get half the adding limits.",
        },
        "unverified_enterprise": {
            "zh": "请企业管理员完成企业实名认证：未认证企业的限额更低。",
            "en": "Ask your enterprise admin to verify the enterprise: unverified enterprises get tighter limits.",
        },
        "unverified_enterprise_cap": {
            "zh": "企业未实名认证，外部联系人已达上限，添加外部联系人会被拒绝：请企业管理员完成企业实名认证"
            "（认证后不受此上限）；删除不再联系的外部联系人也会腾出名额。",
            "en": "Your enterprise is not verified and has reached its cap of external contacts, so adds are refused: "
            "ask your enterprise admin to verify the enterprise (verified enterprises have no such cap); removing "
            "external contacts you no longer need also frees places.",
        },
        "cascade": {
            "zh": "这是企业整体受限，由企业管理员携资质材料申诉。",
            "en": "The whole enterprise is restricted; your enterprise admin appeals with its documents.",
        },
    }
)


ReasonText = Callable[[str, dict[str, Any], Lang], str]
"""Renders one reason code with its evidence in one language: `(code, params, lang) -> sentence`."""


WayBack = Callable[[dict[str, Any], Lang], str]
"""For a restriction another party imposed (an enterprise's deregistration, issue 15): `(evidence, lang) -> text`
saying who decided it and whom to contact, instead of the self-service or appeal advice."""


class Texts:
    """The catalogue explanations render with: the core titles and sentences above, plus other slices' rule titles
    (`{rule: {lang: title}}`), reason renderers (`{code: ReasonText}`) and ways back (`{rule: WayBack}`: the
    restriction is not the platform's, so neither self-service nor an appeal to the platform applies), injected by
    bootstrap."""

    def __init__(
        self,
        titles: Mapping[str, Mapping[str, str]] | None = None,
        reasons: Mapping[str, ReasonText] | None = None,
        ways_back: Mapping[str, WayBack] | None = None,
    ) -> None:
        self.titles: dict[str, Mapping[str, str]] = {**RULE_TITLES, **(titles or {})}
        self.reasons: dict[str, ReasonText] = dict(reasons or {})
        self.ways_back: dict[str, WayBack] = dict(ways_back or {})

    def title(self, rule: str, lang: Lang) -> str:
        return self.titles.get(rule, {"zh": rule, "en": rule})[lang]

    def reason_text(self, code: str, params: dict[str, Any], lang: Lang) -> str:
        """One sentence for one reason code, filled with its evidence (an injected renderer first)."""
        render = self.reasons.get(code)
        return render(code, params, lang) if render is not None else reason_text(code, params, lang)


CORE = Texts()
"""The enforcement catalogue alone (what tests and tools without bootstrap render with)."""
