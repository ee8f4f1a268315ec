"""Bounds every input shares, whatever edge it comes through (HTTP, the broker, a replayed file).

- **Text** holds no control characters: C0 controls (U+0000–U+001F) and DEL (U+007F) are refused, except tab,
  newline and carriage return, which free text may carry. A NUL cannot be stored by PostgreSQL at all, and the
  others are terminal escapes and log-line forgeries waiting to be shown. `refuse_controls` checks a value
  (a string, or strings nested in lists and mappings, keys included); the HTTP edge applies the same rule to
  every JSON body, path and query before a route sees it (`warden.entrypoints.http.guard`).
- **Instants** are dates with a time and a zone, given as text (ISO 8601); a number is refused (pydantic would
  otherwise read it as seconds since 1970). Years are bounded to [`EARLIEST_YEAR`, `LATEST_YEAR`), so every
  instant converts to UTC and fits every database column.
- **Integers** are bounded by the column that stores them: `Int32` (INTEGER) and `Int64` (BIGINT).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Annotated, Any

from pydantic import AwareDatetime, Field, ValidatorFunctionWrapHandler, WrapValidator

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
"""A control character text may not hold (tab, newline and carriage return are allowed)."""
NO_CONTROLS = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
"""The same rule as a pattern, checked by pydantic's own (Rust) regex engine: no Python call per field."""
Text = Annotated[str, Field(pattern=NO_CONTROLS)]
"""A string without control characters but tab and newline; add `Field(max_length=…)` as the field needs."""

INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1
Int32 = Annotated[int, Field(ge=-(2**31), le=INT32_MAX)]
Int64 = Annotated[int, Field(ge=-(2**63), le=INT64_MAX)]
Count32 = Annotated[int, Field(ge=0, le=INT32_MAX)]
"""A non-negative integer an INTEGER column holds (versions, steps, days, counts)."""
Count64 = Annotated[int, Field(ge=0, le=INT64_MAX)]
"""A non-negative integer a BIGINT column holds (sequence numbers, sizes in bytes)."""

EARLIEST_YEAR = 1900
LATEST_YEAR = 9000


def control_in(text: str) -> str | None:
    """The first control character `text` may not hold, as `U+0000`; None when it is clean."""
    m = CONTROL.search(text)
    return None if m is None else f"U+{ord(m.group()):04X}"


CONTROL_MESSAGE = "contains the control character {}; text may hold tab and newline but no other control characters"


def refuse_controls(value: Any) -> Any:
    """`value` unchanged, or ValueError naming the first control character in a string it holds."""
    bad = first_control(value)
    if bad is not None:
        raise ValueError(CONTROL_MESSAGE.format(bad[1]))
    return value


def first_control(value: Any, path: str = "") -> tuple[str, str] | None:
    """(path, `U+XXXX`) of the first string in `value` holding a control character: `value` is a string, or a
    JSON-like nest of lists and mappings (keys are checked too); the path reads `a.b[2].c`. None when clean."""
    if isinstance(value, str):
        bad = control_in(value)
        return None if bad is None else (path, bad)
    if isinstance(value, Mapping):
        for k, v in value.items():
            here = f"{path}.{k}" if path else str(k)
            if isinstance(k, str) and (bad := control_in(k)) is not None:
                return here, bad
            found = first_control(v, here)
            if found is not None:
                return found
    elif isinstance(value, list | tuple):
        for i, v in enumerate(value):
            found = first_control(v, f"{path}[{i}]")
            if found is not None:
                return found
    return None


_NUMERIC = re.compile(r"\s*[-+]?\d+(\.\d*)?\s*")


def not_a_number(value: Any) -> Any:
    """`value`, unless it is a number (or digits as text) where a date is expected."""
    if value.__class__ is str and ":" in value:  # the usual case: a time of day (digits alone hold no colon)
        return value
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if number or (isinstance(value, str) and _NUMERIC.fullmatch(value)):
        raise ValueError(
            "expected a date and time as text with its zone (ISO 8601, e.g. 2026-11-25T08:00:00+08:00), not a number"
        )
    return value


def _bounded(value: datetime) -> str | None:
    """What is wrong with an aware `value` as an instant, or None."""
    if EARLIEST_YEAR < value.year < LATEST_YEAR - 1:  # a zone moves an instant by less than a day: no year to check
        return None
    try:
        utc = value.astimezone(UTC)
    except OverflowError:
        return "early" if value.year < EARLIEST_YEAR else "late"
    for year in (utc.year, value.year):
        if year < EARLIEST_YEAR:
            return "early"
        if year >= LATEST_YEAR:
            return "late"
    return None


_ZONES: dict[timedelta, tzinfo] = {timedelta(0): UTC}


def standard_zone(value: datetime) -> datetime:
    """The same instant with the same UTC offset, its zone as the standard library's own `timezone` (`UTC` itself
    for offset 0). pydantic gives parsed times a zone object of its own, whose offset Python asks for again at every
    comparison, subtraction and `timestamp()` (~1 µs each); with `UTC` shared, comparing two UTC times compares
    their fields (~40 ns). The text a time is written as (`isoformat`, JSON) is unchanged."""
    offset = value.utcoffset()
    if offset is None:
        return value
    zone = _ZONES.get(offset)
    if zone is None:
        zone = timezone(offset)
        if len(_ZONES) < 1440:  # one per minute of offset at most: offsets are whole minutes in practice
            _ZONES[offset] = zone
    return value if value.tzinfo is zone else value.replace(tzinfo=zone)


def within_years(too_early: str = "") -> Callable[[Any, ValidatorFunctionWrapHandler], datetime]:
    """The check of an `Instant` (a `WrapValidator` around pydantic's aware datetime): not a number (`not_a_number`),
    then, parsed, an instant in the bounded years (`too_early` is added to the message for one before
    `EARLIEST_YEAR`), which comes back in a `standard_zone`. One Python call per value (issue 16: an event's time is
    validated on the hot path)."""

    def check(value: Any, parse: ValidatorFunctionWrapHandler) -> datetime:
        parsed: datetime = parse(not_a_number(value))
        wrong = _bounded(parsed)
        if wrong is not None:
            why = f"; {too_early}" if wrong == "early" and too_early else ""
            raise ValueError(f"{parsed.isoformat()} is not from the years {EARLIEST_YEAR} to {LATEST_YEAR - 1}{why}")
        return standard_zone(parsed)

    return check


Instant = Annotated[AwareDatetime, WrapValidator(within_years())]
"""A date and time with its zone, given as ISO 8601 text, in years `EARLIEST_YEAR` to `LATEST_YEAR - 1`."""


def representable(value: datetime) -> bool:
    """Whether `value` is an `Instant`: aware, and within the bounded years in its zone and in UTC."""
    return value.tzinfo is not None and _bounded(value) is None
