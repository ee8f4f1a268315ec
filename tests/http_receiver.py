"""A real local HTTP endpoint for webhook tests (SMS gateway, appeal notifications): never a mock."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Receiver:
    """Answers POSTs: the first `fail` with `fail_status`, then `status`; records every request it got."""

    def __init__(self, status: int = 200, fail: int = 0, fail_status: int = 503, path: str = "/hook") -> None:
        self.status = status
        self.fail = fail
        self.requests: list[tuple[int, dict[str, str], dict[str, Any]]] = []  # (answered, headers, body + _raw)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                status = fail_status if receiver.fail > 0 else receiver.status
                receiver.fail -= 1
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
