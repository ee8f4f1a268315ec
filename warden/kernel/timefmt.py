"""Times people read (issue 14): in the policy's time zone, written the language's way (Babel's CLDR data), never a
raw ISO-8601 stamp or `UTC` inside a Chinese sentence. Pure: no clock, no I/O.

    >>> from datetime import datetime, UTC
    >>> at = datetime(2026, 11, 30, 16, 8, 54, tzinfo=UTC)
    >>> when(at, "zh")
    '2026年12月1日 00:08（北京时间）'
    >>> when(at, "en")
    '1 Dec 2026, 00:08 (China Standard Time)'
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime, get_timezone_name

DEFAULT_TIMEZONE = "Asia/Shanghai"
_LOCALES = {"zh": "zh_CN", "en": "en_GB"}
_PATTERNS = {"zh": "y年M月d日 HH:mm", "en": "d MMM y, HH:mm"}


def when(at: datetime, lang: str, tz: str = DEFAULT_TIMEZONE) -> str:
    """`at` (aware) as a person in `tz` reads it in `lang` (zh|en; anything else: en), with the zone's name:
    Asia/Shanghai is 北京时间 in Chinese."""
    lang = lang if lang in _LOCALES else "en"
    zone = ZoneInfo(tz)
    local = at.astimezone(zone)
    text = format_datetime(local, _PATTERNS[lang], tzinfo=zone, locale=_LOCALES[lang])
    if lang == "zh":
        name = "北京时间" if tz == "Asia/Shanghai" else get_timezone_name(local, width="long", locale="zh_CN")
        return f"{text}（{name}）"
    return f"{text} ({get_timezone_name(local, width='long', locale='en_GB')})"
