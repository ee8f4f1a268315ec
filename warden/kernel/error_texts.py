"""What an error says, in the reader's language: one home for the HTTP problems and the command line.

A `WardenError` carries its English `detail` (logs) and may carry its own `text` (zh and en). A detail without one is
one of the services' sentences (`no account 'x'`, `this needs one of the roles: …`): `DETAILS` reads each into its
zh form, names of things through `NOUNS` (`read_detail(english)`: None when no pattern reads it);
`WardenError.said(lang)` is the sentence a reader of `lang` gets. `field_message(english, lang)` reads what is wrong
with one field (`FIELD_SENTENCES`, pydantic's templates in `PYDANTIC_ZH`), after any `where: ` locations (a policy
file's `file:line: where: what`). The HTTP edge adds a lead for its status to a detail none reads
(`warden.entrypoints.http.problem_texts.detail`); the command line prints an error after `LABELS["error"]`
(`warden.entrypoints.cli.main.fail`).

Pure: no I/O, no clock.
"""

from __future__ import annotations

import re
from functools import cache

import pydantic_core

from warden.kernel.i18n import Catalog, Lang

LABELS: Catalog[str] = Catalog(
    {
        "error": {"zh": "错误：", "en": "error: "},
        "policy_invalid": {"zh": "策略文件无效：", "en": "the policy file is invalid:"},
        "database_unread": {
            "zh": "{why}（{url}）；此命令只读：请检查 --database / WARDEN_DATABASE_URL，"
            "或先用 `warden serve` 或任一写入数据的命令建立数据库",
            "en": "{why} ({url}); this command only reads: check --database / WARDEN_DATABASE_URL, or set the "
            "database up with `warden serve` or any command that writes",
        },
        "database_unopened": {
            "zh": "无法打开数据库（{url}）：请检查 --database / WARDEN_DATABASE_URL：{why}",
            "en": "cannot open the database ({url}): check --database / WARDEN_DATABASE_URL: {why}",
        },
    }
)
"""Words the command line puts before an error's sentences (`error:`, a policy file's problems)."""

NOUNS: Catalog[str] = Catalog(
    {
        "account": {"zh": "账号", "en": "account"},
        "enterprise": {"zh": "企业", "en": "enterprise"},
        "appeal": {"zh": "申诉", "en": "appeal"},
        "strike": {"zh": "处罚记录", "en": "strike"},
        "restriction": {"zh": "限制", "en": "restriction"},
        "case": {"zh": "案件", "en": "case"},
        "backtest": {"zh": "回测", "en": "backtest"},
        "flag": {"zh": "标记", "en": "flag"},
        "unblock application": {"zh": "解封申请", "en": "unblock application"},
        "helper request": {"zh": "好友辅助请求", "en": "helper request"},
        "ban-ending proposal": {"zh": "解除封禁提议", "en": "ban-ending proposal"},
        "strike proposal": {"zh": "处罚提议", "en": "strike proposal"},
        "manual strike request": {"zh": "人工处罚请求", "en": "manual strike request"},
        "policy version": {"zh": "策略版本", "en": "policy version"},
        "rule": {"zh": "规则", "en": "rule"},
        "active token": {"zh": "有效令牌", "en": "active token"},
        "enabled person": {"zh": "已启用的人员", "en": "enabled person"},
        "docs asset": {"zh": "文档资源", "en": "docs asset"},
        "evidence": {"zh": "证据", "en": "evidence"},
        "word list": {"zh": "词表", "en": "word list"},
        "request": {"zh": "请求", "en": "request"},
        "events": {"zh": "事件", "en": "events"},
        "report": {"zh": "举报", "en": "report"},
        "usage policy": {"zh": "使用规范", "en": "usage policy"},
        "departments": {"zh": "部门", "en": "departments"},
        "document": {"zh": "材料", "en": "document"},
        "appeals": {"zh": "申诉", "en": "appeals"},
    }
)
"""Names of things the services' sentences name (`no account 'x'`)."""

NOUN_PATTERN = "|".join(sorted((re.escape(k) for k in NOUNS), key=len, reverse=True))

SENTENCES: dict[str, str] = {
    # whole sentences the services raise as they are (no value in them): their zh, word for word (break23: under zh
    # they were the 输入有误：/无权执行： lead with the English sentence after it, `输入有误：give account_id`)
    "give account_id": "请填写 account_id",
    "give helper_id": "请填写 helper_id",
    "name the account to unblock": "请指明要解封的账号",
    "verdict": "verdict 有误",
    "outcome": "outcome 有误",
    "a strike can only be voided or overturned": "处罚记录只能作废或推翻",
    "four eyes: the person who proposed ending a ban cannot confirm or decline it, with any of their tokens; "
    "a different person must": "四眼原则：提议解除封禁的人不能用自己的任何令牌确认或驳回，须由另一人处理",
    "a rejection needs a reason the appellant can act on": "驳回须附上申诉人能据以补正的理由",
    "appeals are opened by the member (own penalty) or the enterprise admin (enterprise's)": (
        "申诉由成员本人（自己的处罚）或企业管理员（企业的处罚）提起"
    ),
    "this needs the reviewer role": "此操作需要审核员角色",
    "the review queue is for reviewers": "审核队列仅供审核员使用",
    "the notification outbox is for reviewers and auditors": "通知发件箱仅供审核员和审计员查看",
    "this role sees no appeals": "此角色无权查看申诉",
    "documents are served only to the appellant's side and reviewers": "材料只提供给申诉方和审核员",
    "this token cannot appeal that penalty": "此令牌不能对该处罚提出申诉",
    "a member appeals their own penalty (我要申诉); the admin cannot do it for them": (
        "成员本人对自己的处罚申诉（我要申诉）；管理员不能代为申诉"
    ),
    "If-Match must be the appeal's version": "If-Match 必须是该申诉的版本号",
    "you proposed this decision; a different reviewer must confirm it (four eyes)": (
        "此决定由你提议；须由另一位审核员确认（四眼原则）"
    ),
    "case ids are appeal:<id> or flag:<id>": "案件 id 应为 appeal:<id> 或 flag:<id>",
    "you cannot reassign a case to yourself": "不能把案件转给自己",
    "four eyes: the reviewer who proposed a permanent strike cannot confirm it": (
        "四眼原则：提议永久处罚的审核员不能自己确认"
    ),
    "say why you appeal": "请说明申诉理由",
    "internal notes are written by reviewers": "内部备注由审核员填写",
    "internal notes are for the review desk": "内部备注仅供审核台使用",
    "the exemption is not valid": "豁免无效",
    "four eyes: the reviewer who proposed a decision cannot confirm it, with any of their tokens": (
        "四眼原则：提议决定的审核员不能用自己的任何令牌确认"
    ),
    "the policy does not allow verification by code": "策略不允许用验证码验证",
    "no code is outstanding; request one first": "没有待验证的验证码；请先获取",
    "this code has had all its checks; request a new one": "此验证码的尝试次数已用完；请重新获取",
    "only the platform reports its face/ID check": "只有平台可以报告其人脸/证件核验结果",
    "only the platform reports third-party unblocks": "只有平台可以报告第三方解封",
    "the policy does not allow friend-assisted verification": "策略不允许好友辅助验证",
    "no such helper confirmation": "没有这个好友辅助确认",
    "occurred_at is in the future": "occurred_at 晚于当前时间",
    "only the account's owner (or the platform acting for them) drives an unblock": (
        "只有账号本人（或代其操作的平台）可以办理解封"
    ),
    "only the named helper (or the platform for them) can decline": "只有被指定的好友（或代其操作的平台）可以拒绝",
    "only the named helper (or the platform for them) can confirm": "只有被指定的好友（或代其操作的平台）可以确认",
    "this token does not cover that application": "此令牌无权访问该申请",
    "the policy does not allow verification by the platform's face/ID check": "策略不允许用平台的人脸/证件核验",
    "too many simultaneous unblock applications for this phone number; try again": (
        "此手机号同时提交的解封申请过多；请稍后重试"
    ),
    "a member screens with their own enterprise's lists only": "成员只能使用本企业的词表检测",
    "this token does not cover that enterprise's lists": "此令牌无权访问该企业的词表",
    "the platform's lists are kept by platform reviewers": "平台词表由平台审核员维护",
    "word lists need the evasion-resistant engine (policy rules.sensitive_words.engine: evasion)": (
        "词表需要抗规避引擎（策略 rules.sensitive_words.engine: evasion）"
    ),
    "the case's content is not shown to this role (enterprise_usage.case_access)": (
        "案件内容不向此角色展示（enterprise_usage.case_access）"
    ),
    "four eyes: the person who proposed reversing an outcome that banned the account cannot confirm or decline it, "
    "with any of their tokens; a different person must": (
        "四眼原则：提议撤销封禁处理结果的人不能用自己的任何令牌确认或驳回，须由另一人处理"
    ),
    "the window is empty": "时间窗口为空",
    "say why": "请说明理由",
    "a staged rollout needs a share between 1 and 99 percent of enterprises": "分阶段发布需要 1% 到 99% 的企业比例",
    "the live stage cannot end; promote another version or roll back": "生效中的版本不能结束；请发布另一版本或回滚",
    "policy versions are read by the platform's roles only": "策略版本只有平台角色可以查看",
    "only the platform or a reviewer may write or promote a policy version": "只有平台或审核员可以编写或发布策略版本",
    "backtests are not available": "回测不可用",
    "policy versions are not available": "策略版本不可用",
}
"""Sentences the services raise as they stand, and their zh; `DETAILS` reads each (a test finds every such sentence
in the source: `tests/e2e/test_problem_language.py`)."""

DETAILS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(pattern, re.S), zh)
    for pattern, zh in (
        (rf"no (?P<thing>{NOUN_PATTERN}) (?P<id>.+)", "没有{thing} {id}"),
        (rf"this token does not cover that (?P<thing>{NOUN_PATTERN})", "此令牌无权访问该{thing}"),
        (r"this needs one of the roles: (?P<roles>.+)", "此操作需要以下角色之一：{roles}"),
        (
            rf"(?P<count>\d+) problem\(s\) in the (?P<thing>{NOUN_PATTERN}); nothing (?:was stored|was saved|changed)",
            "{thing}中有 {count} 处问题；未保存任何内容",
        ),
        (
            r"(?P<count>\d+) event\(s\) dated impossibly; nothing was stored",
            "{count} 个事件的时间不可能；未保存任何内容",
        ),
        (
            r"event id (?P<ids>.+) reused with different content; nothing was stored",
            "事件 id {ids} 已用于内容不同的另一个事件；未保存任何内容",
        ),
        (
            r"(?P<count>\d+) event\(s\) name unknown accounts; nothing was stored",
            "{count} 个事件指向未知账号；未保存任何内容",
        ),
        (r"unknown enterprise (?P<id>.+)", "未知企业 {id}"),
        (r"the cursor is not one this API gave out", "此游标不是本接口给出的"),
        (
            r"the token is unknown or revoked; create one with `warden token create`",
            "令牌未知或已被吊销；可用 `warden token create` 创建",
        ),
        (r"the token was revoked at (?P<at>.+)", "令牌已于 {at} 被吊销"),
        (r"the token's person (?P<who>.+) is disabled", "令牌所属人员 {who} 已被停用"),
        (
            r"the token expired at (?P<at>.+); ask for a new one \(`warden token create`\)",
            "令牌已于 {at} 过期；请申请新令牌（`warden token create`）",
        ),
        (r"the policy is invalid: (?P<count>\d+) problem\(s\); nothing was stored", "策略有 {count} 处问题；未保存"),
        (r"no database file at (?P<path>.+)", "{path} 处没有数据库文件"),
        (r"the database has no warden schema", "该数据库中没有 warden 的表"),
        (
            r"an in-memory SQLite database holds nothing another command wrote",
            "内存中的 SQLite 数据库没有其他命令写入的内容",
        ),
        (r"the database cannot be read \((?P<why>.+)\)", "无法读取该数据库（{why}）"),
        *((re.escape(english), zh.replace("{", "{{").replace("}", "}}")) for english, zh in SENTENCES.items()),
    )
]
"""The services' English sentences a zh reader gets in zh: (pattern over the whole detail, its zh template filled
with the pattern's groups; a `thing` through `NOUNS`). The English is the detail itself."""


def read_detail(english: str) -> str | None:
    """The zh form of a service's English `detail` as `DETAILS` reads it (a `thing` through `NOUNS`), else None."""
    for pattern, zh in DETAILS:
        m = pattern.fullmatch(english.strip())
        if m is not None:
            return zh.format_map({k: NOUNS.lookup(v, "zh", v) if k == "thing" else v for k, v in m.groupdict().items()})
    return None


_HAN = re.compile(r"[\u3400-\u9fff]")

FIELD_SENTENCES: list[tuple[str, str]] = [
    # warden's own words for a field (kernel.events.field_errors, the services' FieldErrors)
    (r"unknown field", "未知字段"),
    (r"unknown event type (?P<t>.+); expected one of: (?P<list>.+)", "未知事件类型 {t}；应为以下之一：{list}"),
    (r"missing 'type'; expected one of: (?P<list>.+)", "缺少 'type'；应为以下之一：{list}"),
    (r"malformed JSON at line (?P<l>\d+) column (?P<c>\d+): (?P<why>.+)", "JSON 格式错误，第 {l} 行第 {c} 列：{why}"),
    (r"malformed JSON: (?P<why>.+)", "JSON 格式错误：{why}"),
    (r"not text in UTF-8, so not JSON", "不是 UTF-8 文本，因而不是 JSON"),
    (r"at most (?P<n>\d+) events per batch", "每批最多 {n} 个事件"),
    (r"(?P<t>\S+) is in the future", "{t} 晚于当前时间"),
    (r"(?P<t>\S+) is before (?P<d>\S+); no platform event is that old", "{t} 早于 {d}；平台上没有这么早的事件"),
    (r"(?P<t>\S+) is before (?P<d>\S+)", "{t} 早于 {d}"),
    (
        r"(?P<t>\S+) is more than (?P<n>\d+) days old \(the policy's longest window plus (?P<g>\d+) days' grace\); "
        r"it comes too late to be decided",
        "{t} 已超过 {n} 天（策略最长的时间窗口加 {g} 天宽限），来得太晚，无法判定",
    ),
    (
        r"event id (?P<id>.+) was already used for a different event; an id is sent again only to retry the very same "
        r"event",
        "事件 id {id} 已用于另一个事件；只有重试完全相同的事件时才可重复使用 id",
    ),
    (rf"unknown (?P<thing>{NOUN_PATTERN}) (?P<id>.+); register it first", "未知{thing} {id}；请先登记"),
    (r"no such enterprise; register it first", "没有这个企业；请先登记"),
    (r"must not be empty", "不能为空"),
    (r"no such file", "文件不存在"),
    (r"not valid YAML: (?P<why>.+)", "不是有效的 YAML：{why}"),
    (
        r"contains the control character (?P<c>U\+[0-9A-F]{4,6}); text may hold tab and newline but no other control "
        r"characters",
        "含有控制字符 {c}；文本只能包含制表符和换行符，不能包含其他控制字符",
    ),
    (r"at most (?P<n>\d+) characters; got (?P<got>\d+)", "最多 {n} 个字符；实际 {got} 个"),
    (r"at most (?P<n>\d+) characters", "最多 {n} 个字符"),
    (r"at least (?P<n>\d+) characters?", "至少 {n} 个字符"),
    (r"(?P<a>\d+) to (?P<b>\d+) characters", "{a} 到 {b} 个字符"),
    (r"between (?P<a>\d+) and (?P<b>\d+)", "应在 {a} 到 {b} 之间"),
    (r"one of the ladder's classes: (?P<list>.+)", "应为处罚阶梯中的类别之一：{list}"),
    (r"one of: (?P<list>.+)", "应为以下之一：{list}"),
    (r"(?P<a>[a-z_]+) or (?P<b>[a-z_]+)", "应为 {a} 或 {b}"),
    (r"more than 0, at most (?P<n>\d+) days", "应大于 0，最多 {n} 天"),
    (r"at most (?P<n>\d+) bytes", "最多 {n} 字节"),
    (r"(?P<id>\S+) is not a member here", "{id} 不是本企业成员"),
    (r"required for this role", "此角色必须填写"),
    (r"invalid", "无效"),
    (r"bad", "格式有误"),
    (r"a number", "应为数字"),
    (r"disabled", "已停用"),
    (r"not accepted", "未被接受"),
    (r"outside the appeal window", "已超出申诉期限"),
    (r"already used with different (?P<what>.+)", "已用于不同的{what}"),
    (r"differs from the first request under this key", "与使用此键的第一个请求不同"),
    (r"must not be later than now", "不能晚于当前时间"),
    (r"the requester cannot help themself", "申请人不能为自己辅助"),
    (r"a colleague", "应为另一位同事"),
    (r"name a colleague who holds a reviewer token \(their person id\)", "请填写一位持有审核员令牌的同事（其人员 id）"),
    (r"not an unblock application of (?P<id>.+)", "不是 {id} 的解封申请"),
    (
        r"may contain only letters A–Z and a–z, digits and the characters _ \. : @ -",
        "只能包含字母 A–Z 和 a–z、数字及字符 _ . : @ -",
    ),
    (r"must be a version number like 4\.1\.0 \(digits separated by dots\)", "应为版本号，例如 4.1.0（以点分隔的数字）"),
    (
        r"contains a control character; text may hold tab and newline but no other control characters",
        "含有控制字符；文本只可含制表符和换行，不可含其他控制字符",
    ),
    (r"the code has expired; request a new one", "验证码已过期；请重新获取"),
    (r"wrong code; (?P<n>\d+) attempt\(s\) left with this code", "验证码错误；此验证码还可尝试 {n} 次"),
    # the checks of inputs every API takes (kernel.inputs, kernel.durations, kernel.events, enforcement.phones, …)
    (r"Input should be an object", "应为对象"),
    (
        r"expected a date and time as text with its zone \(ISO 8601, e\.g\. (?P<e>\S+)\), not a number",
        "应为带时区的日期时间文本（ISO 8601，例如 {e}），不能是数字",
    ),
    (r"(?P<t>\S+) is not from the years (?P<a>\d+) to (?P<b>\d+); (?P<why>.+)", "{t} 不在 {a} 到 {b} 年之间；{why}"),
    (r"(?P<t>\S+) is not from the years (?P<a>\d+) to (?P<b>\d+)", "{t} 不在 {a} 到 {b} 年之间"),
    (r"expected a duration such as 24h, 7d or a number of seconds", "应为时长，例如 24h、7d 或秒数"),
    (
        r"(?P<v>.+) is not a duration; write e\.g\. 90s, 10m, 24h, 7d or 2w",
        "{v} 不是时长；请写成 90s、10m、24h、7d 或 2w 等",
    ),
    (r"(?P<v>.+) is too long; a duration is at most (?P<n>[\d,]+) days", "{v} 太长；时长最多 {n} 天"),
    (r"(?P<v>.+) is negative; a duration is 0 or more", "{v} 为负数；时长应为 0 或以上"),
    (r"not a phone number", "不是电话号码"),
    (r"not a valid phone number \(read in region (?P<r>\S+)\)", "不是有效的电话号码（按地区 {r} 解读）"),
    (
        r"unknown phone region (?P<r>.+) \(an ISO 3166 code such as CN\)",
        "未知的电话地区 {r}（应为 ISO 3166 代码，例如 CN）",
    ),
    (
        r"an account cannot report itself \(reporter_id equals account_id\)",
        "账号不能举报自己（reporter_id 与 account_id 相同）",
    ),
    (r"give exactly one of account_id or enterprise_id", "account_id 与 enterprise_id 须且只能填写其中一个"),
    (r"at most (?P<n>\d+) members in all departments together", "所有部门合计最多 {n} 名成员"),
    (r"a token's lifetime is more than 0 and at most (?P<n>\d+) days", "令牌有效期应大于 0，最多 {n} 天"),
    (r"unknown (?:condition )?feature (?P<f>.+); known: (?P<list>.+)", "未知功能 {f}；已知：{list}"),
    (
        r"steps must be numbered 0, 1, 2 … in order; step #(?P<i>\d+) says (?P<s>.+)",
        "阶梯各级须按 0、1、2 … 依次编号；第 {i} 级写的是 {s}",
    ),
    (r"the last step must be the permanent ban \(duration: null\)", "最后一级必须是永久封禁（duration: null）"),
    (
        r"only the last step may be permanent; step (?P<i>\d+) has duration null",
        "只有最后一级可以是永久的；第 {i} 级的 duration 为 null",
    ),
    (
        r"severity (?P<s>.+) starts at step (?P<a>\d+), but the ladder ends at (?P<b>\d+)",
        "严重程度 {s} 从第 {a} 级开始，但阶梯只到第 {b} 级",
    ),
    (r"soft limit (?P<a>\S+) is above hard limit (?P<b>\S+)", "软上限 {a} 高于硬上限 {b}"),
    (r"full_days \((?P<a>\S+)\) must be above from_days \((?P<b>\S+)\)", "full_days（{a}）必须大于 from_days（{b}）"),
    (r"empty term", "词条为空"),
    (r"severity (?P<s>.+) of (?P<t>.+) is not one of (?P<list>.+)", "{t} 的严重程度 {s} 不是以下之一：{list}"),
    (r"unknown forms (?P<f>.+) for (?P<t>.+)", "{t} 的变体 {f} 未知"),
    (
        r"initials (?P<a>.+) of (?P<t>.+): '\*' or two Latin letters at least, '\?' after",
        "{t} 的首字母缩写 {a}：应为 '*' 或至少两个拉丁字母，可在末尾加 '?'",
    ),
    (r"require\[(?P<i>\d+)\] is empty: name the methods that may pass it", "require[{i}] 为空：请写出可通过它的方式"),
    (
        r"require\[(?P<i>\d+)\] \((?P<list>.+)\) names no method allowed by `methods`",
        "require[{i}]（{list}）中没有 `methods` 允许的方式",
    ),
    (
        r"initiated_by and contact_age_\* describe a contact: give contact: established too",
        "initiated_by 和 contact_age_* 描述的是已建立的联系：请同时写 contact: established",
    ),
    (r"two contexts with one name", "两个情境同名"),
    (r"(?P<v>.+) is too large; at most (?P<n>[\d,]+)", "{v} 过大；最多 {n}"),
    (
        r"wrong code; 0 attempt\(s\) left with this code: request a new one \((?P<n>\d+) left\)",
        "验证码错误；此验证码已无尝试次数：请重新获取（还可获取 {n} 次）",
    ),
]
"""warden's own English sentences about one field and their zh forms (a `thing` through `NOUNS`)."""

PYDANTIC_ZH: dict[str, str] = {
    "missing": "必须填写",
    "extra_forbidden": "未知字段",
    "json_invalid": "JSON 无效：{error}",
    "none_required": "应为 null",
    "greater_than": "应大于 {gt}",
    "greater_than_equal": "应大于或等于 {ge}",
    "less_than": "应小于 {lt}",
    "less_than_equal": "应小于或等于 {le}",
    "multiple_of": "应为 {multiple_of} 的倍数",
    "finite_number": "应为有限的数",
    "too_short": "至少应有 {min_length} 项，实际 {actual_length} 项",
    "too_long": "最多 {max_length} 项，实际 {actual_length} 项",
    "string_type": "应为字符串",
    "string_unicode": "应为有效的 Unicode 字符串",
    "string_too_short": "至少 {min_length} 个字符",
    "string_too_long": "最多 {max_length} 个字符",
    "string_pattern_mismatch": "应符合格式 '{pattern}'",
    "enum": "应为以下之一：{expected}",
    "literal_error": "应为以下之一：{expected}",
    "dict_type": "应为对象",
    "model_type": "应为对象",
    "model_attributes_type": "应为对象",
    "list_type": "应为列表",
    "tuple_type": "应为列表",
    "set_type": "应为列表（不重复）",
    "bool_type": "应为布尔值（true 或 false）",
    "bool_parsing": "应为布尔值（true 或 false），无法识别此输入",
    "int_type": "应为整数",
    "int_parsing": "应为整数，无法将此字符串解析为整数",
    "int_parsing_size": "无法解析为整数：数值过大",
    "int_from_float": "应为整数，不能带小数部分",
    "float_type": "应为数字",
    "float_parsing": "应为数字，无法将此字符串解析为数字",
    "value_error": "取值无效：{error}",
    "date_type": "应为日期",
    "date_parsing": "应为 YYYY-MM-DD 格式的日期（{error}）",
    "date_from_datetime_parsing": "应为日期或日期时间（{error}）",
    "datetime_type": "应为日期时间",
    "datetime_parsing": "应为有效的日期时间（{error}）",
    "datetime_from_date_parsing": "应为日期时间或日期（{error}）",
    "datetime_past": "应为过去的时间",
    "datetime_future": "应为将来的时间",
    "timezone_naive": "不应带时区",
    "timezone_aware": "应带时区（例如 +08:00 或 Z）",
    "time_delta_type": "应为时长",
    "time_delta_parsing": "应为有效的时长（{error}）",
    "url_type": "应为 URL 字符串",
    "url_parsing": "应为有效的 URL（{error}）",
    "url_scheme": "URL 协议应为 {expected_schemes}",
    "url_too_long": "URL 最多 {max_length} 个字符",
    "uuid_parsing": "应为有效的 UUID（{error}）",
    "union_tag_invalid": "标签 '{tag}'（{discriminator}）不是以下之一：{expected_tags}",
    "union_tag_not_found": "无法通过 {discriminator} 确定类型",
}
"""pydantic's error messages (by error type, pydantic_core's own templates) in zh; the parameters as pydantic gave
them."""


PARSE_ERRORS_ZH: list[tuple[str, str]] = [
    (r"input is too short", "输入太短"),
    (r"input is too long", "输入太长"),
    (r"invalid character in (?P<part>year|month|day|hour|minute|second|second fraction)", "{part}中有无效字符"),
    (r"invalid date separator, expected `-`", "日期分隔符无效，应为 `-`"),
    (r"invalid time separator, expected `:`", "时间分隔符无效，应为 `:`"),
    (
        r"invalid datetime separator, expected `T`, `t`, `_` or space",
        "日期与时间之间的分隔符无效，应为 `T`、`t`、`_` 或空格",
    ),
    (r"(?P<part>month|day|hour|minute|second|timezone minute) value is outside expected range(?: of (?P<r>\S+))?", ""),
    (r"second fraction value is more than (?P<n>\d+) digits long", "秒的小数部分超过 {n} 位"),
    (r"second fraction digits missing after `\.`", "`.` 之后缺少秒的小数位"),
    (r"invalid timezone (?P<part>sign|hour|minute)", "时区的{part}无效"),
    (r"timezone offset must be less than 24 hours", "时区偏移必须小于 24 小时"),
    (r"unexpected extra characters at the end of the input", "输入末尾有多余的字符"),
    (r"invalid timestamp", "时间戳无效"),
    (r"dates (?P<when>before 0000|after 9999) are not supported as unix timestamps", "不支持该日期作为 Unix 时间戳"),
    (r"numeric times may not exceed 86,399 seconds", "数字形式的时间不能超过 86,399 秒"),
    (r"duration not correctly formatted", "时长格式不正确"),
    (r"a numeric value in the duration is too large", "时长中的数值过大"),
    (r"durations may not exceed (?P<n>.+)", "时长不能超过 {n}"),
]
"""The reasons pydantic's date and time parser (speedate) gives inside `{error}`, in zh (an unknown one is kept)."""

_PARTS_ZH = {
    "year": "年份",
    "month": "月份",
    "day": "日",
    "hour": "小时",
    "minute": "分钟",
    "second": "秒",
    "second fraction": "秒的小数部分",
    "timezone minute": "时区的分钟",
    "sign": "正负号",
}


def _parse_error_zh(reason: str) -> str:
    """pydantic's parser `reason` (`month value is outside expected range of 1-12`) in zh, else itself."""
    for pattern, zh in PARSE_ERRORS_ZH:
        m = re.fullmatch(pattern, reason.strip())
        if m is None:
            continue
        values = {k: _PARTS_ZH.get(v, v) if k == "part" else v for k, v in m.groupdict().items() if v is not None}
        if not zh:  # the `… value is outside expected range` family
            return f"{values['part']}超出范围" + (f" {values['r']}" if "r" in values else "")
        return zh.format_map(values)
    return reason


def _template_pattern(template: str) -> re.Pattern[str]:
    out, pos = [], 0
    for m in re.finditer(r"\{(\w+)\}", template):
        out.append(re.escape(template[pos : m.start()]))
        out.append(f"(?P<{m.group(1)}>.*?)")
        pos = m.end()
    out.append(re.escape(template[pos:]))
    return re.compile("".join(out), re.S)


@cache
def _field_readers() -> list[tuple[re.Pattern[str], str]]:
    ours = [(re.compile(p, re.S), zh) for p, zh in FIELD_SENTENCES]
    templates = [
        (e["message_template_python"], PYDANTIC_ZH[e["type"]])
        for e in pydantic_core._pydantic_core.list_all_errors()
        if e["type"] in PYDANTIC_ZH
    ]
    # the most specific template first: "Input should be {expected}" reads anything "Input should be a valid …" does
    templates.sort(key=lambda t: len(re.sub(r"\{\w+\}", "", t[0])), reverse=True)
    return ours + [(_template_pattern(t), zh) for t, zh in templates]


_WHERE = re.compile(r"(?P<where>[^\s:]+(?::\d+)?): (?P<rest>.+)", re.S)
"""`where: what`: a location (`policy:12`, `rules.x.hard`, `events[3].text`) before what is wrong there."""


def field_message(english: str, lang: Lang) -> str:
    """What is wrong with one field (`errors[].message`) for a reader of `lang`: itself in en; in zh, the sentence
    `FIELD_SENTENCES` or pydantic's template (`PYDANTIC_ZH`) reads it as (after any `where: ` locations, kept as
    they are), whatever the values it quotes are written in; else itself when it is already in Chinese, else
    `有误：` before the English."""
    if lang == "en" or not english:
        return english
    said = _read_field(english.strip())
    if said is not None:
        return said
    where = _WHERE.fullmatch(english.strip())
    while where is not None:
        said = _read_field(where["rest"])
        if said is not None:
            return f"{english.strip()[: where.start('rest')]}{said}"
        where = _WHERE.fullmatch(english.strip(), where.start("rest"))
    return english if _HAN.search(english) else f"有误：{english}"


def _read_field(english: str) -> str | None:
    for pattern, zh in _field_readers():
        m = pattern.fullmatch(english.strip())
        if m is not None:
            values = {k: NOUNS.lookup(v, "zh", v) if k == "thing" else v for k, v in m.groupdict().items()}
            if "error" in values:
                values["error"] = _parse_error_zh(values["error"])
            if "expected" in values:
                values["expected"] = re.sub(r",? or ", "、", values["expected"]).replace(", ", "、")
            return zh.format_map(values)
    return None
