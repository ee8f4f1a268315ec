"""Texts for people (zh default, en) of the enterprise usage policy: outcomes, responsibilities, detectors, the
restriction titles of the case outcomes and the `usage_policy.*` reason codes on message decisions. Pure."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from warden.kernel.i18n import Catalog, Lang
from warden.kernel.model import APP_REMOVED_RULE, DEREGISTERED_RULE
from warden.kernel.timefmt import when

OUTCOME_TEXT: Catalog[str] = Catalog(
    {
        "warning": {"zh": "警告", "en": "warning"},
        "training": {"zh": "安排培训", "en": "training assigned"},
        "deregister": {"zh": "注销账号", "en": "account deregistered"},
        "app_removed": {"zh": "移除企业应用", "en": "enterprise app removed"},
        "escalate_illegal": {"zh": "定性为违法或有害，已上报", "en": "escalated as illegal or harmful"},
        "dismissed": {"zh": "不构成违规，已撤销", "en": "dismissed, no violation"},
    }
)
RESPONSIBILITY_TEXT: Catalog[str] = Catalog(
    {
        "oversight_self_reported": {"zh": "本人疏忽，主动上报", "en": "own oversight, self-reported"},
        "misled_or_instructed": {
            "zh": "受误导或受他人指使（附证据）",
            "en": "misled or instructed by someone (with evidence)",
        },
    }
)
DETECTOR_TEXT: Catalog[str] = Catalog(
    {
        "id_number": {"zh": "身份证号", "en": "resident ID number"},
        "mobile_number": {"zh": "手机号", "en": "mobile number"},
        "bank_card": {"zh": "银行卡号", "en": "bank card number"},
        "email": {"zh": "邮箱地址", "en": "email address"},
        "confidential_marking": {"zh": "密级标识", "en": "confidentiality marking"},
        "confidential_file": {"zh": "涉密文件", "en": "file marked confidential"},
        "external_file": {"zh": "向外部联系人发送文件", "en": "file sent to an external contact"},
    }
)
RULE_TITLES: Catalog[str] = Catalog(
    {
        DEREGISTERED_RULE: {
            "zh": "企业已注销该账号（违反企业使用规范）",
            "en": "Deregistered by the enterprise (usage policy)",
        },
        APP_REMOVED_RULE: {"zh": "企业已移除该账号的企业应用", "en": "Enterprise app removed by the enterprise"},
    }
)


REASONS: Catalog[str] = Catalog(
    {
        "usage_policy.blocked": {
            "zh": "消息违反企业使用规范（{titles}）：含{what}，已拦截并通知管理员和人事",
            "en": "the message breaks the enterprise's usage policy ({titles}): contains {what}; "
            "it was blocked and admins and HR were told",
        },
        "usage_policy.warned": {
            "zh": "消息可能违反企业使用规范（{titles}）：含{what}，请注意；已通知管理员和人事",
            "en": "the message may break the enterprise's usage policy ({titles}): contains {what}; "
            "take care — admins and HR were told",
        },
    }
)
"""The `usage_policy.*` reason sentences: `titles` the broken rules, `what` the detected kinds or terms."""


def reason_text(code: str, p: dict[str, Any], lang: Lang) -> str:
    """Texts for the `usage_policy.*` reason codes on message decisions."""
    zh = lang == "zh"
    found = "、" if zh else ", "
    what = found.join(
        dict.fromkeys(
            DETECTOR_TEXT[h["category"]][lang] if h["category"] in DETECTOR_TEXT else f"“{h['term']}”"
            for r in p.get("rules", [])
            for h in r["hits"]
        )
    )
    titles = found.join(r["title"] for r in p.get("rules", []))
    key = "usage_policy.blocked" if code == "usage_policy.blocked" else "usage_policy.warned"
    return REASONS.render(key, lang, titles=titles, what=what)


def way_back(evidence: dict[str, Any], lang: str) -> str:
    """S-E4: what an employee reads about an enterprise's own outcome on their account (deregistration, the app's
    removal): the enterprise decided it, not the platform; no self-service, no appeal to the platform; whom to ask."""
    case = evidence.get("case", "")
    removed = evidence.get("outcome") == "app_removed"
    if lang == "zh":
        what = "已移除您账号的企业应用" if removed else "已注销您的企业账号"
        return (
            f"您所在的企业{what}（依据企业使用规范，案件编号 {case}）。这是企业的决定，不是平台处罚："
            "无法自助解封，也不能向平台申诉。如有异议，请联系企业的人事（HR）或企业管理员，并提供案件编号。"
        )
    what = "removed the enterprise app from your account" if removed else "deregistered your account"
    return (
        f"Your enterprise {what} under its usage policy (case {case}). This is the enterprise's decision, not a "
        "platform penalty: self-service unblocking and appeals to the platform do not apply. If you disagree, "
        "contact your enterprise's HR or admin and give the case number."
    )


CASE_NOTICE_TEXT: Catalog[str] = Catalog(
    {
        "opened": {
            "zh": "新的企业使用规范案件 {case}（{severity}），请在 {deadline} 前处理。",
            "en": "New usage-policy case {case} ({severity}); decide it by {deadline}.",
        },
        "overdue": {
            "zh": "案件 {case} 已超过处理期限（{deadline}），已升级至调查人员。",
            "en": "Case {case} is past its deadline ({deadline}) and was escalated to investigators.",
        },
    }
)


SEVERITY_TEXT: Catalog[str] = Catalog(
    {
        "low": {"zh": "轻微", "en": "low"},
        "medium": {"zh": "一般", "en": "medium"},
        "high": {"zh": "严重", "en": "high"},
    }
)
"""A case's severity as people read it (the codes stay in the payload's `severity`)."""


def case_notice(kind: str, case_id: str, severity: str, deadline_at: datetime, timezone: str) -> dict[str, str]:
    """The zh/en sentence of a case notice (`opened`, `overdue`) to the roles it is routed to; the deadline as a
    person in the policy's `timezone` reads it (`kernel.timefmt.when`)."""
    return {
        lang: CASE_NOTICE_TEXT.render(
            kind,
            lang,
            case=case_id,
            severity=SEVERITY_TEXT.lookup(severity, lang, severity),
            deadline=when(deadline_at, lang, timezone),
        )
        for lang in ("zh", "en")
    }
