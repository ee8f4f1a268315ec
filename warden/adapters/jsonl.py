"""Reading JSON Lines files: the events `warden replay` / `warden policy backtest` replay, the events `warden publish`
puts on the stream, the checkpoints `warden audit verify --anchors` compares. The one home of the idea.

A file warden reads is refused whole, before anything is written, when one of its lines cannot be used; each
problem reads `FILE:LINE: field: what is wrong` (`(line)` when the whole line is wrong), the same shape as a policy
file's problems (`warden.policy.PolicyError`). A line is wrong when its bytes are not UTF-8, it is not JSON, it is
JSON but not an object, a number in it cannot be held (beyond ±1e308, NaN, Infinity, or an integer of more than
`MAX_DIGITS` digits), a string in it holds a control character (the rule every HTTP body obeys,
`warden.kernel.inputs.first_control`), or the format's own `check` finds a field wrong. Blank lines are skipped; a
UTF-8 byte-order mark and Windows line ends are accepted.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from warden.kernel.inputs import CONTROL_MESSAGE, first_control

MAX_PROBLEMS = 20
"""How many problems one refusal lists (the rest are counted)."""
MAX_DIGITS = 40
"""An integer longer than this is refused as unreadable (no column holds one; Python itself stops at 4,300)."""

Check = Callable[[int, dict[str, Any]], list[tuple[str, str]]]
"""A format's own check of one line's object (given its line number): its problems as (field, what is wrong); empty
when it is good."""


class BadFile(ValueError):
    """A file that cannot be used: `problems`, one sentence each (`FILE:LINE: field: what is wrong`, or `FILE: what`
    for the file as a whole); str() joins them with newlines."""

    def __init__(self, path: Path | str, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.path = str(path)
        self.problems = problems


def problem(path: Path | str, line: int, field: str, message: str) -> str:
    """One problem as people read it: `FILE:LINE: field: what is wrong`."""
    return f"{path}:{line}: {field or '(line)'}: {message}"


@dataclass(frozen=True)
class _Unreadable:
    """A number json would read as something no field can hold (the sentinel `_number_problem` finds)."""

    text: str
    why: str


def _float(text: str) -> float | _Unreadable:
    value = float(text)
    return value if math.isfinite(value) else _Unreadable(text, f"the number {text[:40]} is beyond ±1e308")


def _int(text: str) -> int | _Unreadable:
    digits = len(text.lstrip("-"))
    if digits > MAX_DIGITS:
        return _Unreadable(text, f"an integer of {digits:,} digits is beyond any field (at most {MAX_DIGITS})")
    return int(text)


def _constant(text: str) -> _Unreadable:
    return _Unreadable(text, f"{text} is not a JSON number")


def _number_problem(value: Any, path: str = "") -> tuple[str, str] | None:
    """(field, why) of the first unreadable number in a parsed line; None when there is none."""
    if isinstance(value, _Unreadable):
        return path, value.why
    if isinstance(value, Mapping):
        for k, v in value.items():
            found = _number_problem(v, f"{path}.{k}" if path else str(k))
            if found is not None:
                return found
    elif isinstance(value, list):
        for i, v in enumerate(value):
            found = _number_problem(v, f"{path}[{i}]")
            if found is not None:
                return found
    return None


def _kind(value: Any) -> str:
    return {list: "a list", str: "a string", bool: "true or false", type(None): "null"}.get(type(value), "a number")


def parse_line(raw: bytes) -> dict[str, Any] | tuple[str, str]:
    """One line's object, or (field, what is wrong) — `field` empty when the whole line is wrong."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return "", f"byte 0x{raw[exc.start]:02x} at column {exc.start + 1} is not UTF-8 text"
    try:
        obj = json.loads(text, parse_float=_float, parse_int=_int, parse_constant=_constant)
    except json.JSONDecodeError as exc:
        return "", f"not JSON ({exc.msg} at column {exc.colno})"
    except RecursionError:
        return "", "not JSON warden reads: nested too deeply"
    if not isinstance(obj, dict):
        return "", f"expected a JSON object ({{…}}), found {_kind(obj)}"
    number = _number_problem(obj)
    if number is not None:
        return number
    control = first_control(obj)
    if control is not None:
        return control[0], CONTROL_MESSAGE.format(control[1])
    return obj


def read_objects(path: Path, check: Check | None = None) -> list[tuple[int, dict[str, Any]]]:
    """Every non-blank line of the JSON Lines file at `path` as (line number from 1, object), each checked by
    `check` when given. `BadFile` listing the problems (at most `MAX_PROBLEMS`, then how many more) when the file
    cannot be read or a line cannot be used: nothing of a bad file is returned."""
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise BadFile(path, [f"{path}: no such file"]) from exc
    except IsADirectoryError as exc:
        raise BadFile(path, [f"{path}: is a directory, not a file"]) from exc
    except OSError as exc:
        raise BadFile(path, [f"{path}: cannot be read ({exc.strerror or exc})"]) from exc
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    out: list[tuple[int, dict[str, Any]]] = []
    problems: list[str] = []
    more = 0
    for n, raw in enumerate(data.split(b"\n"), 1):
        raw = raw.rstrip(b"\r")
        if not raw.strip():
            continue
        parsed = parse_line(raw)
        found = [parsed] if isinstance(parsed, tuple) else check(n, parsed) if check is not None else []
        if not found:
            assert isinstance(parsed, dict)
            out.append((n, parsed))
            continue
        for field, message in found:
            if len(problems) < MAX_PROBLEMS:
                problems.append(problem(path, n, field, message))
            else:
                more += 1
    if more:
        problems.append(f"{path}: … and {more:,} more problem(s)")
    if problems:
        raise BadFile(path, problems)
    return out
