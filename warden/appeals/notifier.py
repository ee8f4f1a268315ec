"""How appellants and enterprise admins hear of each change: the `Notifier` port and its senders.

The service writes notifications to an outbox in the same transaction as the change, each with an
idempotency key; delivery sends them through a `Notifier` and marks them sent, retrying failures with
backoff. A sender raises on failure. The webhook sender passes the key as `Idempotency-Key`, so a receiver
that saw a send whose answer was lost can drop the repeat.

**Webhook signatures** follow the Standard Webhooks scheme (https://www.standardwebhooks.com), so a receiver can
refuse a forged, altered or replayed delivery:

- `webhook-id`: the notification's idempotency key (the same on every retry; also sent as `Idempotency-Key`);
- `webhook-timestamp`: when this attempt was sent, in whole Unix seconds (fresh on every retry);
- `webhook-signature`: `v1,<base64 of HMAC-SHA256(key, "<webhook-id>.<webhook-timestamp>.<body>")>`.

The key is `WARDEN_WEBHOOK_SECRET`: `whsec_<base64>` as Standard Webhooks libraries expect (the key is the decoded
bytes), or any other string, whose UTF-8 bytes are the key. A receiver recomputes the signature over the raw body,
compares in constant time, refuses a timestamp further than its tolerance from its own clock (5 minutes is
usual), and drops an id it has already processed: a captured delivery then cannot be replayed once the tolerance
has passed, nor twice within it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx

from warden.adapters.logs import announce
from warden.settings import Settings

log = logging.getLogger("warden.notifications")


@dataclass(frozen=True)
class Notification:
    key: str  # idempotency key: the same change always yields the same key
    recipient_type: str  # account | enterprise (its admins) | a role of that enterprise (cases, issue 15)
    recipient_id: str
    kind: str  # appeal.submitted, appeal.document_rejected, appeal.decided …
    payload: dict[str, Any]


class Notifier(Protocol):
    def send(self, notification: Notification) -> None: ...


class LogNotifier:
    """The default: one INFO line per notification on `warden.notifications` (a JSON line under `serve`), with the
    recipient, kind, idempotency key and the Chinese text; to stderr when logging is not configured
    (`adapters.logs.announce`), so a notification is never marked sent while nothing was written anywhere."""

    def send(self, notification: Notification) -> None:
        text = notification.payload.get("text", {})
        announce(
            log,
            "notify %s:%s %s %s",
            notification.recipient_type,
            notification.recipient_id,
            notification.kind,
            text.get("zh", "") if isinstance(text, dict) else str(text),
            recipient=f"{notification.recipient_type}:{notification.recipient_id}",
            kind=notification.kind,
            key=notification.key,
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


def webhook_key(secret: str) -> bytes:
    """The signing key of `secret`: the decoded bytes of `whsec_<base64>`, else the string's UTF-8 bytes.
    Raises ValueError for a `whsec_` secret that is not base64."""
    if secret.startswith("whsec_"):
        try:
            return base64.b64decode(secret.removeprefix("whsec_"), validate=True)
        except binascii.Error as exc:
            raise ValueError("WARDEN_WEBHOOK_SECRET: after whsec_ comes the key in base64") from exc
    return secret.encode("utf-8")


def webhook_signature(key: bytes, msg_id: str, timestamp: int, body: bytes) -> str:
    """The Standard Webhooks signature of one delivery: `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`."""
    mac = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode("ascii")


class WebhookNotifier:
    """POSTs each notification as JSON; a non-2xx answer or a network error is a failure to retry.

    Every delivery carries `webhook-id` and `webhook-timestamp`; with a `secret`, also `webhook-signature` (the
    Standard Webhooks scheme, see the module docstring). `now` gives the timestamp (Unix seconds; the wall clock:
    receivers compare it with theirs).
    """

    def __init__(
        self, url: str, secret: str | None = None, timeout: float = 5.0, now: Callable[[], float] = time.time
    ) -> None:
        self.url = url
        self.key = webhook_key(secret) if secret else None
        self.now = now
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
        timestamp = int(self.now())
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": notification.key,
            "webhook-id": notification.key,
            "webhook-timestamp": str(timestamp),
        }
        if self.key is not None:
            headers["webhook-signature"] = webhook_signature(self.key, notification.key, timestamp, body)
        resp = self.client.post(self.url, content=body, headers=headers)
        if resp.status_code // 100 != 2:
            raise ConnectionError(f"webhook answered {resp.status_code}")
        log.info(
            "notified %s:%s %s via webhook",
            notification.recipient_type,
            notification.recipient_id,
            notification.kind,
            extra={"kind": notification.kind, "key": notification.key, "status": resp.status_code},
        )


def build_notifier(s: Settings) -> Notifier:
    """The sender `WARDEN_NOTIFIER` names: log (default) or webhook (`WARDEN_WEBHOOK_URL`; deliveries signed with
    `WARDEN_WEBHOOK_SECRET`, the Standard Webhooks scheme). ValueError for a configuration that cannot work."""
    if s.notifier == "webhook":
        if not s.webhook_url:
            raise ValueError("WARDEN_NOTIFIER=webhook needs WARDEN_WEBHOOK_URL")
        return WebhookNotifier(s.webhook_url, s.webhook_secret)
    if s.notifier == "log":
        return LogNotifier()
    raise ValueError(f"WARDEN_NOTIFIER={s.notifier!r} is not available (use log or webhook)")
