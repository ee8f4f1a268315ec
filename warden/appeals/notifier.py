"""How appellants and enterprise admins hear of each change: the `Notifier` port and its senders.

The service writes notifications to an outbox in the same transaction as the change, each with an
idempotency key; delivery sends them through a `Notifier` and marks them sent, retrying failures with
backoff. A sender raises on failure. The webhook sender passes the key as `Idempotency-Key`, so a receiver
that saw a send whose answer was lost can drop the repeat.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx

from warden.settings import Settings

log = logging.getLogger("warden.notifications")


@dataclass(frozen=True)
class Notification:
    key: str  # idempotency key: the same change always yields the same key
    recipient_type: str  # account | enterprise (its admins)
    recipient_id: str
    kind: str  # appeal.submitted, appeal.document_rejected, appeal.decided …
    payload: dict[str, Any]


class Notifier(Protocol):
    def send(self, notification: Notification) -> None: ...


class LogNotifier:
    """The default: one log line per notification (the console in development)."""

    def send(self, notification: Notification) -> None:
        log.info(
            "notify %s:%s %s %s",
            notification.recipient_type,
            notification.recipient_id,
            notification.kind,
            notification.payload.get("text", {}).get("zh", ""),
        )


@dataclass
class MemoryNotifier:
    """Keeps what it was asked to send; `fail_next` makes the next sends raise (for retry paths)."""

    sent: list[Notification] = field(default_factory=list)
    fail_next: int = 0

    def send(self, notification: Notification) -> None:
        if self.fail_next > 0:
            self.fail_next -= 1
            raise ConnectionError("recipient unreachable")
        self.sent.append(notification)


class WebhookNotifier:
    """POSTs each notification as JSON; a non-2xx answer or a network error is a failure to retry.

    With a `secret`, the body is signed: `X-Warden-Signature: sha256=<hex HMAC of the body>`.
    """

    def __init__(self, url: str, secret: str | None = None, timeout: float = 5.0) -> None:
        self.url = url
        self.secret = secret
        self.client = httpx.Client(timeout=timeout)

    def send(self, notification: Notification) -> None:
        body = json.dumps(
            {
                "key": notification.key,
                "recipient_type": notification.recipient_type,
                "recipient_id": notification.recipient_id,
                "kind": notification.kind,
                **notification.payload,
            },
            ensure_ascii=False,
            sort_keys=True,
        ).encode("utf-8")
        headers = {"Content-Type": "application/json", "Idempotency-Key": notification.key}
        if self.secret:
            mac = hmac.new(self.secret.encode(), body, hashlib.sha256).hexdigest()
            headers["X-Warden-Signature"] = f"sha256={mac}"
        resp = self.client.post(self.url, content=body, headers=headers)
        if resp.status_code // 100 != 2:
            raise ConnectionError(f"webhook answered {resp.status_code}")


def build_notifier(s: Settings) -> Notifier:
    """The sender `WARDEN_NOTIFIER` names: log (default) or webhook (`WARDEN_WEBHOOK_URL`, `WARDEN_WEBHOOK_SECRET`)."""
    if s.notifier == "webhook":
        if not s.webhook_url:
            raise ValueError("WARDEN_NOTIFIER=webhook needs WARDEN_WEBHOOK_URL")
        return WebhookNotifier(s.webhook_url, s.webhook_secret)
    if s.notifier == "log":
        return LogNotifier()
    raise ValueError(f"WARDEN_NOTIFIER={s.notifier!r} is not available (use log or webhook)")
