"""A real local HTTP endpoint for webhook tests (SMS gateway, appeal notifications): never a mock.

With a `secret` it checks deliveries as a Standard Webhooks receiver would, written from the specification
(https://www.standardwebhooks.com), not from warden's sender: `webhook-signature` must hold a `v1,` HMAC-SHA256
over `webhook-id.webhook-timestamp.body`, the timestamp must be within `tolerance` seconds of the receiver's
clock (`now`), and an id already taken is not taken again. A refusal is a 401 (signature, timestamp); a repeat
is answered 200 (so the sender stops) and recorded as `duplicate`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def verdict(
    secret: bytes, headers: Mapping[str, str], body: bytes, now: float, tolerance: float, seen: set[str]
) -> str:
    """`ok`, `duplicate`, or why the delivery is refused (`no signature`, `bad signature`, `stale`)."""
    h = {k.lower(): v for k, v in headers.items()}
    msg_id, stamp, signatures = h.get("webhook-id"), h.get("webhook-timestamp", ""), h.get("webhook-signature")
    if not msg_id or not stamp.isdigit() or not signatures:
        return "no signature"
    if abs(now - int(stamp)) > tolerance:
        return "stale"
    expected = hmac.new(secret, f"{msg_id}.{stamp}.".encode() + body, hashlib.sha256).digest()
    given = [
        base64.b64decode(sig) for version, _, sig in (s.partition(",") for s in signatures.split()) if version == "v1"
    ]
    if not any(hmac.compare_digest(expected, g) for g in given):
        return "bad signature"
    if msg_id in seen:
        return "duplicate"
    seen.add(msg_id)
    return "ok"


class Receiver:
    """Answers POSTs: the first `fail` with `fail_status`, then `status`; records every request it got. With a
    `secret` (the key's bytes), refuses deliveries that are not signed, signed wrongly or stale (see above)."""

    def __init__(
        self,
        status: int = 200,
        fail: int = 0,
        fail_status: int = 503,
        path: str = "/hook",
        secret: bytes | None = None,
        tolerance: float = 300,
    ) -> None:
        self.status = status
        self.fail = fail
        self.requests: list[tuple[int, dict[str, str], dict[str, Any]]] = []  # (answered, headers, body + _raw)
        self.verdicts: list[str] = []  # with a secret: each request's verdict, in order
        self.now: Callable[[], float] = time.time
        seen: set[str] = set()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                status = fail_status if receiver.fail > 0 else receiver.status
                receiver.fail -= 1
                if secret is not None:
                    said = verdict(secret, self.headers, body, receiver.now(), tolerance, seen)
                    receiver.verdicts.append(said)
                    if said not in ("ok", "duplicate"):
                        status = 401
                    elif status // 100 != 2 and said == "ok":
                        seen.discard(self.headers["webhook-id"])  # not processed: the retry is not a repeat
                receiver.requests.append((status, dict(self.headers), json.loads(body) | {"_raw": body.decode()}))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}{path}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def received(self) -> list[dict[str, Any]]:
        """The JSON bodies received, in order."""
        return [{k: v for k, v in body.items() if k != "_raw"} for _, _, body in self.requests]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
