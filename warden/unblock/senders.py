"""How one-time codes and helper requests reach a phone (S-D1, S-D2): a port with one method.

`LogSender` (the default) writes to the log and the console; `WebhookSender` POSTs JSON to a URL the
operator configures (their SMS gateway); `MemorySender` keeps what was sent, for tests and the demo.
`build_sender` picks one from the settings.
"""

from __future__ import annotations

import logging
import re
import sys
from dataclasses import dataclass, field
from typing import Protocol

import httpx

from warden.settings import Settings

log = logging.getLogger("warden.unblock")


class SendFailed(Exception):
    """The message could not be delivered."""


class OtpSender(Protocol):
    def send(self, phone: str, message: str) -> None: ...


def mask(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 8 else "****"


_SECRETS = re.compile(r"(?<![0-9])[0-9]{4,10}(?![0-9])|\bhc_[A-Za-z0-9_\-]+")
"""What a message must not show in a log: a one-time code (4–10 digits, the policy's lengths) or a helper's
confirmation token (`hc_…`)."""


def mask_secrets(message: str) -> str:
    """`message` with every one-time code and confirmation token replaced by asterisks (issue 12, item 11)."""
    return _SECRETS.sub(lambda m: "hc_****" if m.group(0).startswith("hc_") else "*" * len(m.group(0)), message)


class LogSender:
    """Development default: the message goes to the log and the console (stderr), nowhere else, with the phone
    number, the one-time code and any confirmation token masked: no secret is ever written in clear to a log. The
    real delivery is the operator's gateway (`WebhookSender`)."""

    def send(self, phone: str, message: str) -> None:
        shown = mask_secrets(message)
        log.info("to %s: %s", mask(phone), shown)
        print(f"[warden sms → {mask(phone)}] {shown}", file=sys.stderr)


class WebhookSender:
    """POSTs `{"phone": …, "message": …}` to the operator's gateway; any non-2xx answer is a failure."""

    def __init__(self, url: str, timeout: float = 5.0, token: str | None = None) -> None:
        self.url = url
        self.timeout = timeout
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def send(self, phone: str, message: str) -> None:
        try:
            r = httpx.post(
                self.url, json={"phone": phone, "message": message}, timeout=self.timeout, headers=self.headers
            )
        except httpx.HTTPError as exc:
            raise SendFailed(f"webhook {self.url} unreachable: {exc.__class__.__name__}") from exc
        if not r.is_success:
            raise SendFailed(f"webhook {self.url} answered {r.status_code}")


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
