"""Notifications through the webhook sender to a real local HTTP server: retries keep their idempotency key."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import World
from tests.http_receiver import Receiver
from warden.app import App
from warden.appeals.document_store import LocalDocumentStore
from warden.appeals.notifier import Notification, WebhookNotifier, build_notifier
from warden.appeals.service import Appeals
from warden.kernel.access import Principal, Role
from warden.kernel.clock import FixedClock
from warden.settings import Settings

MEMBER = Principal("mem-1", Role.MEMBER, enterprise_id="ent-1", account_id="acc-1")


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver(fail=1)
    yield r
    r.close()


def test_webhook_notifications_are_retried_with_the_same_key_and_delivered_once(
    world: World, warden: App, clock: FixedClock, tmp_path: Path, receiver: Receiver
) -> None:
    notifier = build_notifier(
        Settings(notifier="webhook", webhook_url=receiver.url, webhook_secret="s3cret", document_dir=str(tmp_path))
    )
    assert isinstance(notifier, WebhookNotifier)
    desk = Appeals(warden.uow, warden.enforcement, warden.rules, LocalDocumentStore(tmp_path), notifier)
    world.send(*[world.phone_search() for _ in range(21)])
    strike = warden.enforcement.subject("acc-1").strikes[0].id
    appeal, _ = desk.open(MEMBER, strike, "我没有违规")

    assert [s for s, _, _ in receiver.requests] == [503]  # the first send failed and waits for its retry
    clock.advance(minutes=1)
    assert desk.deliver().sent == 1
    assert desk.deliver().sent == 0
    clock.advance(hours=1)
    assert desk.deliver().sent == 0  # never twice

    assert [s for s, _, _ in receiver.requests] == [503, 200]
    (_, first, _), (_, second, body) = receiver.requests
    assert first["Idempotency-Key"] == second["Idempotency-Key"] == f"appeal:{appeal.id}:v1:appeal.opened"
    assert first["webhook-id"] == second["webhook-id"] == second["Idempotency-Key"]  # Standard Webhooks
    signed = f"{second['webhook-id']}.{second['webhook-timestamp']}.{body['_raw']}".encode()
    mac = base64.b64encode(hmac.new(b"s3cret", signed, hashlib.sha256).digest()).decode()
    assert second["webhook-signature"] == f"v1,{mac}"
    assert "X-Warden-Signature" not in second  # the old scheme signed the body alone: replayable forever
    assert body["recipient_type"] == "account" and body["recipient_id"] == "acc-1"
    assert body["text"]["en"] == "Submitted, waiting for a reviewer"


def test_a_webhook_notifier_without_a_url_is_a_configuration_error() -> None:
    with pytest.raises(ValueError, match="WARDEN_WEBHOOK_URL"):
        build_notifier(Settings(notifier="webhook"))
    with pytest.raises(ValueError, match="log or webhook"):
        build_notifier(Settings(notifier="carrier-pigeon"))


SECRET = "whsec_" + base64.b64encode(b"a key of thirty-two bytes, fixed").decode()


def _note(key: str = "appeal:ap-1:v1:appeal.opened") -> Notification:
    return Notification(key, "account", "acc-1", "appeal.opened", {"text": {"zh": "已提交", "en": "Submitted"}})


def test_a_standard_webhooks_receiver_takes_a_signed_delivery_once_and_refuses_replays_and_edits() -> None:
    receiver = Receiver(secret=b"a key of thirty-two bytes, fixed", tolerance=300)
    try:
        notifier = build_notifier(Settings(notifier="webhook", webhook_url=receiver.url, webhook_secret=SECRET))
        assert isinstance(notifier, WebhookNotifier)
        notifier.send(_note())
        assert receiver.verdicts == ["ok"]
        _, headers, body = receiver.requests[0]
        assert abs(int(headers["webhook-timestamp"]) - time.time()) < 60
        raw = body["_raw"].encode()
        replay = {k: headers[k] for k in ("Content-Type", "webhook-id", "webhook-timestamp", "webhook-signature")}

        assert httpx.post(receiver.url, content=raw, headers=replay).status_code == 200  # within the tolerance
        assert receiver.verdicts[-1] == "duplicate"  # … the id was taken: dropped
        edited = raw.replace(b"Submitted", b"Approved!")
        assert httpx.post(receiver.url, content=edited, headers=replay).status_code == 401
        assert receiver.verdicts[-1] == "bad signature"
        later = replay | {"webhook-timestamp": str(int(headers["webhook-timestamp"]) + 60)}  # a new time, old mac
        assert httpx.post(receiver.url, content=raw, headers=later).status_code == 401
        assert receiver.verdicts[-1] == "bad signature"
        assert httpx.post(receiver.url, content=raw, headers=replay | {"webhook-id": "x"}).status_code == 401
        assert receiver.verdicts[-1] == "bad signature"  # the id is signed too
        receiver.now = lambda: time.time() + 301  # the captured delivery, replayed past the tolerance
        assert httpx.post(receiver.url, content=raw, headers=replay).status_code == 401
        assert receiver.verdicts[-1] == "stale"
    finally:
        receiver.close()


def test_each_retry_is_signed_afresh_with_the_same_id() -> None:
    receiver = Receiver(secret=b"s3cret", fail=1)
    clock = iter([1_800_000_000.0, 1_800_000_090.0])
    receiver.now = lambda: 1_800_000_100.0
    try:
        notifier = WebhookNotifier(receiver.url, "s3cret", now=lambda: next(clock))
        with pytest.raises(ConnectionError):
            notifier.send(_note())
        notifier.send(_note())
    finally:
        receiver.close()
    (_, first, _), (_, second, _) = receiver.requests
    assert first["webhook-id"] == second["webhook-id"] == "appeal:ap-1:v1:appeal.opened"
    assert (first["webhook-timestamp"], second["webhook-timestamp"]) == ("1800000000", "1800000090")
    assert first["webhook-signature"] != second["webhook-signature"]
    assert [status for status, _, _ in receiver.requests] == [503, 200]
    assert receiver.verdicts == ["ok", "ok"]  # the first was not taken (503), so its retry is no repeat


def test_a_whsec_secret_must_be_base64() -> None:
    with pytest.raises(ValueError, match="WARDEN_WEBHOOK_SECRET"):
        build_notifier(Settings(notifier="webhook", webhook_url="http://127.0.0.1:9/x", webhook_secret="whsec_%%%"))
