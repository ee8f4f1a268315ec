"""Logging for the long-running processes (`warden serve`, `warden consume`): one JSON object a line by default,
readable text on a terminal (`WARDEN_LOG_FORMAT=auto|json|text`, `WARDEN_LOG_LEVEL`).

A JSON line carries `timestamp` (ISO 8601, UTC), `level`, `logger`, `message`, and every field the call passed in
`extra` (`route`, `status`, `duration_ms`, …), formatted by python-json-logger. The loggers in use:

| logger | what |
| --- | --- |
| `warden.access` | one line per HTTP request: method, route template, path, status, duration_ms, client |
| `warden.intake` | `warden consume`: start, progress, batches handed back, shutdown |
| `warden.notifications` | each appeal notification the log notifier "sends" (the default notifier) |
| `warden.unblock` | each message the log sender "sends", one-time codes and helper links masked |
| `warden.server` | `warden serve`: start and shutdown |

`announce` is how a sender that only logs (the default notifier and SMS sender) reports: at INFO through logging
when that reaches a handler, else straight to stderr, so nothing is marked sent while printing nothing.
"""

from __future__ import annotations

import logging
import sys
from typing import Any, TextIO

from pythonjsonlogger.json import JsonFormatter

from warden.settings import Settings

_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime", "taskName"}


class TextFormatter(logging.Formatter):
    """`2026-11-29 23:40:01 INFO warden.access: GET /v1/ping 200  route=/v1/ping duration_ms=1.2`: the message,
    then the extra fields as key=value."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s", "%Y-%m-%d %H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        extra = {k: v for k, v in record.__dict__.items() if k not in _STANDARD and not k.startswith("_")}
        if extra:
            line += "  " + " ".join(f"{k}={v}" for k, v in extra.items())
        return line


def json_formatter() -> logging.Formatter:
    return JsonFormatter(
        "{levelname}{name}{message}",
        style="{",
        rename_fields={"levelname": "level", "name": "logger"},
        timestamp=True,
        json_ensure_ascii=False,
    )


def resolve_format(settings: Settings, stream: TextIO) -> str:
    """`json` or `text`: the setting, with `auto` meaning text on a terminal and JSON otherwise."""
    if settings.log_format != "auto":
        return settings.log_format
    try:
        return "text" if stream.isatty() else "json"
    except (AttributeError, ValueError):
        return "json"


def configure(settings: Settings, stream: TextIO | None = None) -> str:
    """Send every logger's records at `settings.log_level` and above to `stream` (default stdout) in the chosen
    format; uvicorn's loggers go the same way (their own access log stays off: `warden.access` replaces it).
    Calling it again replaces the handler it installed. Returns the format in use (`json` or `text`)."""
    stream = stream or sys.stdout
    fmt = resolve_format(settings, stream)
    handler = logging.StreamHandler(stream)
    handler.setFormatter(json_formatter() if fmt == "json" else TextFormatter())
    handler.set_name("warden")
    handler.addFilter(_drop_colour)
    handler.addFilter(_lost_connection_is_a_warning)
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == "warden"]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(settings.log_level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    logging.getLogger("uvicorn.access").disabled = True
    for chatty in (
        "httpx",
        "httpcore",
        "pikepdf",
    ):  # a line per webhook request (the senders log their own), a bridge notice
        logging.getLogger(chatty).setLevel(logging.WARNING)
    return fmt


def _drop_colour(record: logging.LogRecord) -> bool:
    """uvicorn adds `color_message` (its message with ANSI colours) to its records: not for a log line."""
    record.__dict__.pop("color_message", None)
    return True


_POOL_NOTICES = ("Exception during reset or similar", "Exception closing connection")


def _lost_connection_is_a_warning(record: logging.LogRecord) -> bool:
    """SQLAlchemy's pool logs at ERROR, with a traceback, when it cannot reset or close a connection it is given
    back; when that is because the server dropped the connection (a restart, a failover, `pg_terminate_backend`),
    the pool discards it and the next checkout opens a new one, so nothing failed: one WARNING line saying so, with
    the server's own words, instead."""
    if not (record.name.startswith("sqlalchemy.pool") and record.msg in _POOL_NOTICES and record.exc_info):
        return True
    error = record.exc_info[1]
    if error is None or not any(c.__name__ in _LOST for c in type(error).__mro__):
        return True
    reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    record.levelno, record.levelname = logging.WARNING, "WARNING"
    record.msg, record.args = "a pooled database connection was lost and is discarded: %s", (reason,)
    record.exc_info, record.exc_text = None, None
    return True


_LOST = frozenset({"OperationalError", "InterfaceError"})
"""The driver errors that mean the connection itself is gone (psycopg's and sqlite3's class names and their
subclasses, such as psycopg's `AdminShutdown`)."""


def announce(logger: logging.Logger, message: str, *args: Any, **fields: Any) -> None:
    """Report at INFO with `fields` as extras; when no handler would show it (logging not configured, or the level
    above INFO), write `logger: message` to stderr instead: a sender that only logs must never be silent."""
    if logger.isEnabledFor(logging.INFO) and _reaches_handler(logger):
        logger.info(message, *args, extra=fields)
        return
    text = message % args if args else message
    print(f"{logger.name}: {text}", file=sys.stderr, flush=True)


def _reaches_handler(logger: logging.Logger) -> bool:
    """True when a handler that would emit an INFO record is on the logger's path to the root."""
    current: logging.Logger | None = logger
    while current is not None:
        if any(h.level <= logging.INFO for h in current.handlers):
            return True
        if not current.propagate:
            return False
        current = current.parent
    return False
