"""Notifications through the webhook sender to a real local HTTP server: retries keep their idempotency key."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import World
from tests.http_receiver import Receiver
from warden.app import App
from warden.appeals.document_store import LocalDocumentStore
from warden.appeals.notifier import WebhookNotifier, build_notifier
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
    mac = hmac.new(b"s3cret", body["_raw"].encode(), hashlib.sha256).hexdigest()
    assert second["X-Warden-Signature"] == f"sha256={mac}"
    assert body["recipient_type"] == "account" and body["recipient_id"] == "acc-1"
    assert body["text"]["en"] == "Submitted, waiting for a reviewer"


def test_a_webhook_notifier_without_a_url_is_a_configuration_error() -> None:
    with pytest.raises(ValueError, match="WARDEN_WEBHOOK_URL"):
        build_notifier(Settings(notifier="webhook"))
    with pytest.raises(ValueError, match="log or webhook"):
        build_notifier(Settings(notifier="carrier-pigeon"))
