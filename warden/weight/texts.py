"""Weight explained to people (S-B): each factor's title, and concrete advice for the ones holding it down.

zh (default) and en. Codes and numbers never change with the language; only `title` and `text` do.
Advice is a template filled with the factor's own values, so it says exactly what to do and how much it gives.
"""

from __future__ import annotations

from typing import Any

from warden.kernel.i18n import Catalog, Lang
from warden.weight.scoring import Breakdown, Factor

__all__ = ["FEATURE_NAMES", "FIELD_NAMES", "TABLE", "TITLES", "Lang", "advice_text", "render"]

TITLES: Catalog[str] = Catalog(
    {
        "real_name": {"zh": "实名认证", "en": "Real-name verification"},
        "account_age": {"zh": "账号注册时长", "en": "Account age"},
        "profile_complete": {
            "zh": "资料完整（头像、昵称、对外名片）",
            "en": "Complete profile (avatar, nickname, card)",
        },
        "profile_stability": {"zh": "资料稳定（不频繁修改）", "en": "Stable profile (few changes)"},
        "linked_login": {"zh": "实体手机 + 个人微信登录", "en": "Login via linked personal account on a real phone"},
        "feature_breadth": {"zh": "功能使用广度", "en": "Breadth of feature use"},
        "feature_regularity": {"zh": "功能使用规律性", "en": "Regular feature use"},
        "clean_history": {"zh": "无违规记录", "en": "Clean history"},
        "negative_feedback": {"zh": "举报与被删除", "en": "Reports and removals"},
        "enterprise_verified": {"zh": "企业实名认证", "en": "Enterprise verification"},
        "members": {"zh": "活跃成员的平均权重", "en": "Active members' mean weight"},
        "enterprise_age": {"zh": "企业注册时长", "en": "Enterprise age"},
        "restricted_members": {"zh": "近期受限成员", "en": "Recently restricted members"},
        "own_penalties": {"zh": "企业自身处罚", "en": "The enterprise's own penalties"},
    }
)

TABLE: Catalog[str] = Catalog(
    {
        "title": {"zh": "{subject} 的权重：{score} / {max:.0f}", "en": "weight of {subject}: {score} / {max:.0f}"},
        "factor": {"zh": "因素", "en": "factor"},
        "points": {"zh": "得分", "en": "points"},
        "advice": {"zh": "如何提高", "en": "how to raise it"},
    }
)
"""The headings of a weight shown as a table (`warden weight show`)."""

FEATURE_NAMES: Catalog[str] = Catalog(
    {
        "chat_message": {"zh": "聊天发言", "en": "chatting"},
        "file_download": {"zh": "下载文件", "en": "file download"},
        "clock_in": {"zh": "打卡", "en": "clock-in"},
        "attendance": {"zh": "考勤", "en": "attendance"},
        "leave_request": {"zh": "请假", "en": "leave requests"},
        "approval": {"zh": "审批", "en": "approvals"},
        "calendar": {"zh": "日程", "en": "calendar"},
        "document": {"zh": "文档", "en": "documents"},
        "meeting": {"zh": "会议", "en": "meetings"},
        "mass_send": {"zh": "群发", "en": "mass send"},
    }
)

FIELD_NAMES: Catalog[str] = Catalog(
    {
        "avatar": {"zh": "头像", "en": "avatar"},
        "nickname": {"zh": "昵称", "en": "nickname"},
        "external_card": {"zh": "对外名片", "en": "external business card"},
    }
)


def _names(items: list[str], table: Catalog[str], lang: Lang) -> str:
    sep = "、" if lang == "zh" else ", "
    return sep.join(table.lookup(i, lang, i) for i in items)


def advice_text(f: Factor, lang: Lang) -> str:
    """What to do about one factor that holds the score down, filled with its values."""
    d = f.detail
    gain = round(f.max - f.points, 1)
    zh = lang == "zh"
    match f.code:
        case "real_name":
            return (
                f"完成账号实名认证（+{gain} 分）；未认证账号的加好友上限也会减半。"
                if zh
                else f"Complete real-name verification (+{gain}); unverified accounts also get half the add limits."
            )
        case "account_age":
            return (
                f"账号已注册 {d['age_days']} 天，满 {d['full_days']} 天得满分；这段时间正常使用、不违规即可，无捷径。"
                if zh
                else f"The account is {d['age_days']} days old; full points at {d['full_days']} days. "
                "Keep using it normally without violations; there is no shortcut."
            )
        case "profile_complete":
            missing = _names(d["missing"], FIELD_NAMES, lang)
            return (
                f"补全资料：设置{missing}（+{gain} 分），设置后不要频繁修改。"
                if zh
                else f"Complete your profile: set your {missing} (+{gain}), then leave it unchanged."
            )
        case "profile_stability":
            return (
                f"近 {d['window_days']} 天修改资料 {d['changes']} 次；资料设定后不要频繁更改"
                f"（{d['free_changes']} 次以内不扣分），不改动后分数会逐日恢复。"
                if zh
                else f"You changed your profile {d['changes']} times in {d['window_days']} days; keep it stable "
                f"(up to {d['free_changes']} changes cost nothing) and the points come back as the changes age out."
            )
        case "linked_login":
            return (
                f"近 {d['window_days']} 天 {d['logins']} 次登录中只有 {d['linked_real_phone']} 次"
                "是在实体手机上通过绑定的"
                f"个人微信登录；请用绑定个人微信的实体手机登录，不要用模拟器（最多 +{gain} 分）。"
                if zh
                else f"Only {d['linked_real_phone']} of {d['logins']} logins in {d['window_days']} days were through "
                f"your linked personal WeChat on a real phone; log in that way, not from an emulator (up to +{gain})."
            )
        case "feature_breadth":
            unused = _names(d["unused"][:5], FEATURE_NAMES, lang)
            used = _names(d["used"], FEATURE_NAMES, lang) or ("无" if zh else "none")
            return (
                f"近 {d['window_days']} 天用过：{used}；多使用产品功能，如 {unused}"
                f"（用满 {d['full_at']} 种得满分，+{gain} 分）。"
                if zh
                else f"In {d['window_days']} days you used: {used}. Use more of the product, e.g. {unused} "
                f"({d['full_at']} kinds give full points, +{gain})."
            )
        case "feature_regularity":
            return (
                f"近 {d['window_days']} 天只有 {d['active_days']} 天在使用功能；"
                f"日常持续使用（{d['full_days']} 天以上得满分，+{gain} 分）。"
                if zh
                else f"You used features on {d['active_days']} of the last {d['window_days']} days; use them day to "
                f"day ({d['full_days']} days give full points, +{gain})."
            )
        case "clean_history":
            return (
                f"近 {d['window_days']} 天有 {len(d['strikes'])} 次违规记录；"
                f"遵守规则，记录满 {d['window_days']} 天后不再计入；"
                "如处罚有误可申诉，撤销后分数自动恢复。"
                if zh
                else f"{len(d['strikes'])} violation(s) in the last {d['window_days']} days; they stop counting after "
                f"{d['window_days']} days. If a penalty was wrong, appeal: an overturned strike restores the points."
            )
        case "negative_feedback":
            return (
                f"近 {d['window_days']} 天被举报 {d['reports']} 次、被删除 {d['removed_by']} 次"
                f"（新增联系人 {d['new_contacts']} 位）；"
                "只添加有业务往来的人，打招呼说明来意，不要反复打扰。"
                if zh
                else f"In {d['window_days']} days you were reported {d['reports']} time(s) "
                f"and removed {d['removed_by']} "
                f"time(s) ({d['new_contacts']} new contacts); add only people you do business with, say who you are, "
                "and do not insist."
            )
        case "enterprise_verified":
            return (
                f"由企业管理员完成企业实名认证（+{gain} 分）；未认证企业的客户上限更低。"
                if zh
                else f"Have an admin verify the enterprise (+{gain}); unverified enterprises get tighter caps."
            )
        case "members":
            counted = d.get("counted_members", d["active_members"])
            few = d.get("prior_members") and counted < 3 * d["prior_members"]
            fresh = d["active_members"] - counted
            if fresh > 0:
                prior_note = (
                    f"；其中 {fresh} 名成员注册未满 {d.get('min_history_days')} 天，暂按中性值计"
                    if zh
                    else f"; {fresh} of them younger than {d.get('min_history_days')} days count at the neutral prior"
                )
            else:
                prior_note = ""
            prior = (
                (
                    f"（活跃成员尚少，平均值向中性值 {d['prior']:g} 收缩，按 {d['prior_members']:g} 名成员计）"
                    if zh
                    else f" (few active members yet: the mean is drawn toward a neutral {d['prior']:g}, "
                    f"counted as {d['prior_members']:g} members)"
                )
                if few
                else ""
            )
            return (
                f"活跃成员 {d['active_members']} 人，平均权重 {d['mean_weight']}{prior}{prior_note}；"
                "督促成员实名认证、补全资料、用实体手机和个人微信登录、日常使用办公功能（见各成员的权重说明）。"
                if zh
                else f"{d['active_members']} active members with a mean weight of "
                f"{d['mean_weight']}{prior}{prior_note}; have "
                "members verify, complete their profiles, log in on real phones and use the work features "
                "(see each member's weight)."
            )
        case "enterprise_age":
            return (
                f"企业已注册 {d['age_days']} 天，满 {d['full_days']} 天得满分；正常经营即可。"
                if zh
                else f"The enterprise is {d['age_days']} days old; full points at {d['full_days']} days."
            )
        case "restricted_members":
            return (
                f"近 {d['window_days']} 天有 {len(d['members'])} 名成员受限；逐一查看他们的限制说明并整改，"
                "违规成员过多且权重过低时整个企业会被连带限制。"
                if zh
                else f"{len(d['members'])} member(s) restricted in the last {d['window_days']} days; read each one's "
                "explanation and fix the cause — too many, with a low weight, restrict the whole enterprise."
            )
        case "own_penalties":
            return (
                f"近 {d['window_days']} 天企业受处罚 {len(d['strikes'])} 次；按要求整改，如有误可携资质材料申诉。"
                if zh
                else f"The enterprise was penalised {len(d['strikes'])} time(s) in {d['window_days']} days; fix the "
                "cause, or appeal with the qualification documents if it was wrong."
            )
    return f.code


def render(bd: Breakdown, kind: str, lang: Lang) -> dict[str, Any]:
    """The score, every factor (contribution, maximum, minimum, values) and advice, biggest gain first."""
    factors: list[dict[str, Any]] = []
    advice: list[dict[str, Any]] = []
    for f in bd.factors:
        text = advice_text(f, lang) if f.held_down else None
        factors.append(
            {
                "code": f.code,
                "title": TITLES.lookup(f.code, lang, f.code),
                "points": f.points,
                "max": f.max,
                "min": f.min,
                "detail": f.detail,
                "advice": text,
            }
        )
        if text:
            advice.append({"code": f.code, "gain": round(f.max - f.points, 1), "text": text})
    advice.sort(key=lambda a: -a["gain"])
    return {"score": bd.score, "max": 100.0, "factors": factors, "advice": advice}
