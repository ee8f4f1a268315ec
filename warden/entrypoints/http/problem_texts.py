"""The language of every Problem Details answer (API-CONVENTIONS: `?lang=zh|en` or `Accept-Language`, zh by default).

One home for it: `problems.problem(…, lang=…)` renders every answer's `title` and `detail` in the request's language,
whoever raised it — the edge's guard and rate limits, routing's 404 and 405, validation, and every service error.

- `lang_of(scope)`: the request's language, the rule `deps.get_lang` also follows (`lang` in the query when it is zh
  or en, else `Accept-Language` starting with `en`, else zh).
- `TITLES`: each title in zh and en.
- `EDGE`: the edge's own sentences (rate limits, bodies, tokens, routing), rendered with their parameters.
- A service error says what happened in English (`WardenError.detail`, kept for logs) and may carry its own `text`
  (zh and en, `WardenError.text`); a detail without one, and each field's message, are read in zh by
  `warden.kernel.error_texts` (the one home of those readings, which the command line uses too). A detail none of
  them reads is given in zh behind a lead sentence for its status (`LEADS`), its specifics (ids, times, values) as
  they are.

Machine fields (`type`, `status`, `errors[].field`, extensions' codes) never change with the language. Pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from warden.kernel.error_texts import read_detail
from warden.kernel.i18n import Catalog, Lang

TITLES: Catalog[str] = Catalog(
    {
        "Bad request": {"zh": "请求有误", "en": "Bad request"},
        "Conflict": {"zh": "冲突", "en": "Conflict"},
        "Content too large": {"zh": "内容过大", "en": "Content too large"},
        "Delivery failed": {"zh": "发送失败", "en": "Delivery failed"},
        "Forbidden": {"zh": "无权访问", "en": "Forbidden"},
        "Idempotency-Key reused with a different request": {
            "zh": "Idempotency-Key 已用于另一个请求",
            "en": "Idempotency-Key reused with a different request",
        },
        "Internal Server Error": {"zh": "服务器内部错误", "en": "Internal Server Error"},
        "Invalid input": {"zh": "输入有误", "en": "Invalid input"},
        "Malformed JSON": {"zh": "JSON 格式错误", "en": "Malformed JSON"},
        "Method Not Allowed": {"zh": "不支持该方法", "en": "Method Not Allowed"},
        "Not Found": {"zh": "未找到", "en": "Not Found"},
        "Not found": {"zh": "未找到", "en": "Not found"},
        "Not ready": {"zh": "尚未就绪", "en": "Not ready"},
        "Service unavailable": {"zh": "服务暂不可用", "en": "Service unavailable"},
        "Too many attempts": {"zh": "尝试次数过多", "en": "Too many attempts"},
        "Too many requests": {"zh": "请求过于频繁", "en": "Too many requests"},
        "Unauthorized": {"zh": "未认证", "en": "Unauthorized"},
        "Unprocessable Content": {"zh": "无法处理的内容", "en": "Unprocessable Content"},
    }
)
"""Every title an answer has, by its English form (a title not here is sent as it is)."""

EDGE: Catalog[str] = Catalog(
    {
        "too_many_requests": {
            "zh": "{per} {window}最多 {amount} {counts}（{setting}）；请在 {retry_after} 秒后重试",
            "en": "at most {amount} per {window} {counts} per {per} ({setting}); retry after {retry_after} s",
        },
        "rate_limits_unavailable": {
            "zh": "暂时无法读取限流计数，需要调用方身份的请求一律不予放行；请稍后重试",
            "en": "the rate-limit counts cannot be reached, so no request that needs a caller is let through; "
            "retry shortly",
        },
        "no_token": {
            "zh": "请发送 'Authorization: Bearer <token>'；可用 `warden token create` 创建令牌",
            "en": "send 'Authorization: Bearer <token>'; create one with `warden token create`",
        },
        "too_large": {
            "zh": "{what}最多 {limit} 字节（{mib} MiB，{setting}）；超出部分未被读取",
            "en": "{what} may be at most {limit} bytes ({mib} MiB, {setting}); nothing was read past that",
        },
        "disconnected": {
            "zh": "客户端在发送请求体时断开了连接",
            "en": "the client disconnected while sending the body",
        },
        "control": {
            "zh": "{field}：含有控制字符 {char}；文本只可含制表符和换行，不可含其他控制字符；未保存任何内容",
            "en": "{field}: contains the control character {char}; text may hold tab and newline but no other control "
            "characters; nothing was stored",
        },
        "malformed_json": {
            "zh": "请求体不是有效的 JSON；未保存任何内容",
            "en": "the request body is not valid JSON; nothing was stored",
        },
        "invalid_request": {
            "zh": "请求中有 {count} 处问题；未保存任何内容",
            "en": "{count} problem(s) in the request; nothing was stored",
        },
        "no_route": {"zh": "没有这个资源：{path}", "en": "no such resource: {path}"},
        "method_not_allowed": {"zh": "该资源只接受 {allow}", "en": "this resource answers only {allow}"},
        "internal": {
            "zh": "服务器未能处理此请求；详情见服务器日志",
            "en": "the server failed to answer this request; the server's log holds the details",
        },
        "metrics_forbidden": {
            "zh": "指标只提供给 WARDEN_METRICS_ALLOW 中的地址；{client} 不在其中",
            "en": "metrics are served to WARDEN_METRICS_ALLOW only; {client} is not in it",
        },
        "not_ready": {"zh": "不可用：{failing}", "en": "unavailable: {failing}"},
        "database_unavailable": {
            "zh": "暂时无法访问数据库；未保存任何内容，请在 {retry_after} 秒后重试",
            "en": "the database cannot be reached right now; nothing was stored; retry after {retry_after} s",
        },
    }
)
"""The edge's own sentences (`problem(…, EDGE["key"], params)`)."""

BUDGET_WORDS: Catalog[str] = Catalog(
    {
        "failed authentications": {"zh": "次认证失败", "en": "failed authentications"},
        "screenings": {"zh": "次筛查", "en": "screenings"},
        "writes": {"zh": "次写操作", "en": "writes"},
        "client address": {"zh": "每个客户端地址", "en": "client address"},
        "principal": {"zh": "每个调用方", "en": "principal"},
        "platform token": {"zh": "每个平台令牌", "en": "platform token"},
        "second": {"zh": "{n} 秒内", "en": "{n} second"},
        "minute": {"zh": "{n} 分钟内", "en": "{n} minute"},
        "hour": {"zh": "{n} 小时内", "en": "{n} hour"},
        "day": {"zh": "{n} 天内", "en": "{n} day"},
        "month": {"zh": "{n} 个月内", "en": "{n} month"},
        "year": {"zh": "{n} 年内", "en": "{n} year"},
    }
)
"""What a rate-limit budget counts, per what, and its windows, in words (`throttle.Budget`)."""

LEADS: dict[int, str] = {
    400: "请求有误",
    401: "未认证",
    403: "无权执行此操作",
    404: "未找到所请求的对象",
    409: "请求与当前状态冲突",
    413: "内容过大",
    422: "输入有误",
    429: "尝试过于频繁",
    502: "发送失败",
    503: "服务暂不可用",
}
"""For a detail no text reads: its status's sentence in zh, before the detail's specifics (which stay as they are)."""


def lang_of(scope: Mapping[str, Any]) -> Lang:
    """The request's language: `lang` in the query when it is zh or en, else en when `Accept-Language` starts with
    `en`, else zh (the default)."""
    query = scope.get("query_string", b"")
    for key, value in parse_qsl(query.decode("latin-1") if isinstance(query, bytes) else str(query)):
        if key == "lang" and value in ("zh", "en"):
            return "zh" if value == "zh" else "en"
    for name, value in scope.get("headers", ()):
        if name == b"accept-language":
            return "en" if value.decode("latin-1").strip().lower().startswith("en") else "zh"
    return "zh"


def title(english: str, lang: Lang) -> str:
    """An answer's title in `lang` (as it is when `TITLES` does not have it)."""
    return TITLES.lookup(english, lang, english)


def detail(status: int, english: str, lang: Lang) -> str:
    """A service's English `detail` for a reader of `lang`: itself in en; in zh, the sentence `DETAILS` reads it
    as, else the status's lead (`LEADS`) with the English specifics after it."""
    if lang == "en" or not english:
        return english
    read = read_detail(english)
    if read is not None:
        return read
    lead = LEADS.get(status)
    return f"{lead}：{english}" if lead else english
