"""The speed work of issue 13 changes no result: the shortcuts give what the plain computation gives."""

from __future__ import annotations

import random

from pypinyin import Style, lazy_pinyin

from warden.bench.screen import COMMON
from warden.screening.forms import _EACH_CHARACTER, toned_readings


def test_readings_in_context_are_pypinyin_tone3_with_u_umlaut_neutral_tones_and_non_chinese() -> None:
    rnd = random.Random(13)
    texts = ["绿色女孩旅行", "佣金返环", "银航转账", "了解一下吧", "hong2包 ok", "这个的呢"]
    texts += ["".join(rnd.choices(COMMON + "绿律女吕略虐了吗呢ab1 ，", k=9)) for _ in range(2000)]
    for text in texts:
        assert toned_readings.__wrapped__(text) == tuple(lazy_pinyin(text, style=Style.TONE3, errors=_EACH_CHARACTER))
