"""Compatibility re-exports for the merge of issue 11 (delete once no module imports `warden.domain.explain`).

The catalogue is `warden.enforcement.texts`, the explanations `warden.enforcement.explain`. Here they are bound to
the catalogue bootstrap builds (the enterprise usage policy's titles and sentences included), as before.
"""

from __future__ import annotations

import functools

from warden.enforcement import explain as _explain
from warden.enforcement.explain import (
    account_state,
    advice_for,
    restriction_reason_code,
    triggering_event_ids,
    unblock_text,
)
from warden.enforcement.texts import (
    ADVICE,
    CASCADE_PUBLIC_EVIDENCE,
    REPORT_REASON_TEXT,
    SCOPE_TEXT,
    STATE_TEXT,
    Lang,
    Texts,
    cascade_evidence,
    cascade_text,
    window_text,
)
from warden.unblock import texts as unblock_texts
from warden.usage_policy import texts as usage_policy

TEXTS = Texts(
    {**unblock_texts.RULE_TITLES, **usage_policy.RULE_TITLES},
    {"usage_policy.blocked": usage_policy.reason_text, "usage_policy.warned": usage_policy.reason_text},
)
RULE_TITLES = TEXTS.titles
reason_text = TEXTS.reason_text
refusal = functools.partial(_explain.refusal, texts=TEXTS)
explain_restriction = functools.partial(_explain.explain_restriction, texts=TEXTS)

__all__ = [
    "ADVICE",
    "CASCADE_PUBLIC_EVIDENCE",
    "REPORT_REASON_TEXT",
    "RULE_TITLES",
    "SCOPE_TEXT",
    "STATE_TEXT",
    "Lang",
    "account_state",
    "advice_for",
    "cascade_evidence",
    "cascade_text",
    "explain_restriction",
    "reason_text",
    "refusal",
    "restriction_reason_code",
    "triggering_event_ids",
    "unblock_text",
    "window_text",
]
