"""Durations as the policy writes them (`90s`, `10m`, `24h`, `7d`, `2w`) and the strict base model of every
policy section."""

from __future__ import annotations

import math
import re
from datetime import timedelta
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, model_validator

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d|w)\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


MAX_DURATION = timedelta(days=36_500)
"""The longest duration anything takes (about a century): longer ones are typos, and would overflow the dates
computed from them (an event-age bound of `now − window` made every event fail once such a policy went live)."""


def parse_duration(value: Any) -> Any:
    """`90s`, `10m`, `24h`, `7d`, `2w`, or a number of seconds; never negative, at most `MAX_DURATION`.
    Raises ValueError (a pydantic field error) naming what is wrong."""
    if isinstance(value, timedelta):
        seconds = value.total_seconds()
    elif isinstance(value, bool):
        raise ValueError("expected a duration such as 24h, 7d or a number of seconds")
    elif isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str) and (m := _DURATION.match(value)):
        seconds = float(m.group(1)) * _UNITS[m.group(2)]
    else:
        raise ValueError(f"{value!r} is not a duration; write e.g. 90s, 10m, 24h, 7d or 2w")
    if not math.isfinite(seconds) or seconds > MAX_DURATION.total_seconds():
        raise ValueError(f"{value!r} is too long; a duration is at most {MAX_DURATION.days:,} days")
    if seconds < 0:
        raise ValueError(f"{value!r} is negative; a duration is 0 or more")
    return value if isinstance(value, timedelta) else timedelta(seconds=seconds)


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]


MAX_INT = 2**53
"""The largest whole number a policy holds (JavaScript's safe integer): a larger one is a typo, and no audit entry
or console could carry it (a `repeat_count` of 10^23 made every screened text a 500 once live)."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _bounded_numbers(cls, data: Any) -> Any:
        """Refuse whole numbers beyond ±`MAX_INT` in this section's own fields (each nested section checks its own),
        naming the field."""
        if isinstance(data, dict):
            for key, value in data.items():
                values = value if isinstance(value, list) else [value]
                if any(isinstance(v, int) and not isinstance(v, bool) and abs(v) > MAX_INT for v in values):
                    raise ValueError(f"{key}: {value!r} is too large; at most {MAX_INT:,}")
        return data
