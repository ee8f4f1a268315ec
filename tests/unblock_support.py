"""Shared set-ups for the unblocking tests (issue 5): bans, relationships, a flow up to verification."""

from __future__ import annotations

import re
from datetime import timedelta

from tests.conftest import World
from warden.kernel.access import Principal, Role
from warden.unblock.senders import MemorySender
from warden.unblock.service import Unblocking

CLEAN = {"client_version": "4.1.30", "malware_flag": False, "plugin_signatures": []}
PLATFORM = Principal("t", Role.PLATFORM)
"""The platform's integration: drives any member's unblock (its app relays the member's taps) and sees all."""


def member(account_id: str) -> Principal:
    """The member's own token."""
    return Principal(account_id, Role.MEMBER, account_id=account_id)


def service(world: World) -> tuple[Unblocking, MemorySender]:
    svc = world.w.unblocking
    sender = MemorySender()
    svc.sender = sender
    return svc, sender


def plugin_ban(world: World, aid: str = "acc-1", sig: str = "auto-greeter-3.2", **kw: object) -> None:
    """A plug-in login: a step-2 login restriction (3 days, self-service from 1 day on)."""
    world.send(world.event("login", aid, device_id=f"dev-{aid}", client_version="4.1.2", plugin_signatures=[sig], **kw))


def relate(world: World, a: str, b: str, days: int = 60, talk: bool = True) -> None:
    """A contact for `days` and, with `talk`, one message each way (S-D2 relationship)."""
    at = world.clock.now() - timedelta(days=days)
    evs = [world.event("contact_added", a, at=at, contact_id=b)]
    if talk:
        evs += [
            world.event("message", a, at=at + timedelta(hours=1), text="在吗", recipient_id=b),
            world.event("message", b, at=at + timedelta(hours=2), text="在的", recipient_id=a),
        ]
    world.send(*evs)


def violation(world: World, aid: str, days_ago: float) -> None:
    """A light strike `days_ago` (phone-search velocity): on the record, long over."""
    at = world.clock.now() - timedelta(days=days_ago)
    world.send(*[world.phone_search(aid, at=at + timedelta(seconds=i)) for i in range(21)])


def ready(world: World, svc: Unblocking, aid: str = "acc-1", **health: object) -> str:
    """An application past the health check, waiting for verification."""
    app_id, _ = svc.apply(PLATFORM, aid)
    svc.health_check(PLATFORM, app_id, **(CLEAN | health))  # type: ignore[arg-type]
    assert svc.view(PLATFORM, app_id)["state"] == "awaiting_verification", svc.view(PLATFORM, app_id)
    return app_id


def code_from(sender: MemorySender, phone: str) -> str:
    m = re.search(r"\b(\d{6})\b", sender.last_to(phone))
    assert m, sender.sent
    return m.group(1)


def token_from(sender: MemorySender, phone: str) -> str:
    m = re.search(r"\b(hc_[A-Za-z0-9_\-]+)", sender.last_to(phone))
    assert m, sender.sent
    return m.group(1)
