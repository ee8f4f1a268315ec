"""How one-time codes and helper requests reach a phone (S-D1, S-D2): a port with one method.

`LogSender` (the default) writes to the log and the console; `WebhookSender` POSTs JSON to a URL the
operator configures (their SMS gateway); `MemorySender` keeps what was sent, for tests and the demo.
`build_sender` picks one from the settings.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Protocol

import httpx

from warden.adapters.logs import announce
from warden.settings import Settings, mask_url

log = logging.getLogger("warden.unblock")


class SendFailed(Exception):
    """The message could not be delivered."""


class OtpSender(Protocol):
    def send(self, phone: str, message: str) -> None: ...


def mask(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 8 else "****"


_SECRET = re.compile(r"\d{4,}|hc_[A-Za-z0-9_-]+")


def redact(message: str) -> str:
    """`message` fit for a log: one-time codes (runs of 4 or more digits) and helper links' tokens (`hc_…`) become
    `*`, so a log reader cannot use them; the rest (which message, its language, the minutes) stays readable."""
    return _SECRET.sub(lambda m: "hc_***" if m.group().startswith("hc_") else "*" * len(m.group()), message)


class LogSender:
    """Default: the message, masked (`redact`), at INFO on `warden.unblock` (stderr when logging is not configured:
    `adapters.logs.announce`), nowhere else. Codes never appear in clear, so with this sender nobody can finish a
    code verification: production configures the webhook; development reads codes from a local webhook receiver or
    uses the demo (`warden demo`), whose sender keeps them in memory."""

    def send(self, phone: str, message: str) -> None:
        announce(log, "sms to %s: %s", mask(phone), redact(message), to=mask(phone), sender="log")


class WebhookSender:
    """POSTs `{"phone": …, "message": …}` to the operator's gateway; any non-2xx answer is a failure. Each send is
    logged at INFO (phone and message masked) after the gateway accepted it."""

    def __init__(self, url: str, timeout: float = 5.0, token: str | None = None) -> None:
        self.url = url
        self.timeout = timeout
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}
        # the gateway as a failure names it (the member reads it in a 502, operators in the log): scheme and host,
        # never a key in its path or query string (`settings.mask_url`, as `warden config show` prints it)
        self._shown = mask_url(url, path=False)

    def send(self, phone: str, message: str) -> None:
        try:
            r = httpx.post(
                self.url, json={"phone": phone, "message": message}, timeout=self.timeout, headers=self.headers
            )
        except httpx.HTTPError as exc:
            raise SendFailed(f"webhook {self._shown} unreachable: {exc.__class__.__name__}") from exc
        if not r.is_success:
            raise SendFailed(f"webhook {self._shown} answered {r.status_code}")
        log.info(
            "sms to %s via webhook: %s", mask(phone), redact(message), extra={"to": mask(phone), "sender": "webhook"}
        )


@dataclass
class MemorySender:
    """Keeps every (phone, message); optionally passes them on (the demo echoes to the console)."""

    sent: list[tuple[str, str]] = field(default_factory=list)
    echo: OtpSender | None = None

    def send(self, phone: str, message: str) -> None:
        self.sent.append((phone, message))
        if self.echo is not None:
            self.echo.send(phone, message)

    def last_to(self, phone: str) -> str:
        return next(m for p, m in reversed(self.sent) if p == phone)


def build_sender(settings: Settings) -> OtpSender:
    """`WARDEN_UNBLOCK_SENDER=log|webhook`; a webhook needs `WARDEN_UNBLOCK_WEBHOOK_URL` (and may have a token)."""
    if settings.unblock_sender == "webhook":
        if not settings.unblock_webhook_url:
            raise ValueError("WARDEN_UNBLOCK_SENDER=webhook needs WARDEN_UNBLOCK_WEBHOOK_URL")
        return WebhookSender(
            settings.unblock_webhook_url, settings.unblock_webhook_timeout, settings.unblock_webhook_token
        )
    return LogSender()
