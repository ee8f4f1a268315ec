"""Readiness checks of the servers warden depends on. Each returns None when the server answers, else the reason
in a line an operator can act on (`database: OperationalError: connection refused …`). None raises."""

from __future__ import annotations

import asyncio

from sqlalchemy import text
from sqlalchemy.engine import Engine

from warden.settings import mask_url


def why(exc: BaseException) -> str:
    """An error in one line: its class and the first line of its message (`TimeoutError: no answer in time` for a
    timeout that says nothing)."""
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    if not first and isinstance(exc, TimeoutError):
        first = "no answer in time"
    return f"{exc.__class__.__name__}: {first}"[:300]


def check_database(engine: Engine) -> str | None:
    """`SELECT 1` on a pooled connection (the pool's own timeout bounds the wait); the reason is the query's own
    error (`OperationalError: … terminating connection` for a pooled connection the server had dropped: closing it
    no longer hides that behind SQLAlchemy's `PendingRollbackError`, see `database._ended`)."""
    shown = f"database {mask_url(engine.url.render_as_string(hide_password=True))}"
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        return f"{shown}: {why(exc)}"
    return None


def check_redis(url: str, timeout: float = 2.0) -> str | None:
    """PING, within `timeout` seconds."""
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
        try:
            client.ping()
        finally:
            client.close()
    except Exception as exc:
        return f"redis {mask_url(url)}: {why(exc)}"
    return None


def check_nats(url: str, timeout: float = 2.0) -> str | None:
    """Connect (one attempt per server) and ask JetStream for its account info, within `timeout` seconds. The reason
    is the connection's own error (`ConnectionRefusedError: …`), not the client's give-up; nothing is logged (the
    probe's answer says it)."""
    from warden.adapters.intake import NatsUnreachable, connect_nats

    async def probe() -> None:
        nc = await connect_nats(url, timeout=timeout, attempts=1, wait=0.05, quiet=True)
        try:
            await nc.jetstream().account_info()
        finally:
            await nc.close()

    try:
        asyncio.run(asyncio.wait_for(probe(), timeout * 2))
    except NatsUnreachable as exc:
        return f"nats {exc}"
    except BaseException as exc:  # nats raises its own error classes, some outside Exception's tree on cancel
        if isinstance(exc, KeyboardInterrupt | SystemExit):
            raise
        return f"nats {mask_url(url)}: {why(exc)}"
    return None
