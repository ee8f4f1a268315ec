"""`warden console screenshots`: photographs each role's main page of the console over the console world
(`console_world`), in headless Debian Chromium driven by Playwright (a dev dependency; never a browser download),
into `docs/console-*.png`. The same server helper serves the browser tests (tests/e2e/test_console.py).
"""

from __future__ import annotations

import socket
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from warden.app import App
from warden.demo import console_world

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AT = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)  # a fixed clock: the same pictures every time
# (file, token, tab, what to wait for, viewport width): each role's main page
SHOTS: list[tuple[str, str, str, str, int]] = [
    ("console-account.png", "member", "account", '.restriction[data-rule="sensitive_words"]', 1280),
    ("console-weight.png", "member", "weight", "#weight-out .factor", 1280),
    ("console-unblock.png", "unblocker", "unblock", "#start-unblock", 1280),
    ("console-reviewer.png", "reviewer", "review", "#appeal-out aside.history", 1280),
    ("console-admin.png", "admin", "enterprise", "#enterprise-out [data-enterprise]", 1280),
    ("console-hr.png", "hr", "cases", "#case-out [data-case]", 1280),
    ("console-auditor.png", "auditor", "platform", "#chain-card .badge", 1280),
    ("console-phone.png", "member", "account", '.restriction[data-rule="sensitive_words"]', 390),
]


@contextmanager
def serving(app: App) -> Iterator[str]:
    """The API (console included) on a free local port in a thread; yields its base URL."""
    import uvicorn

    from warden.entrypoints.http.app import create_app

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)  # listening before the server thread starts: the first request just queues
    server = uvicorn.Server(
        uvicorn.Config(create_app(app), log_level="warning", lifespan="off", timeout_graceful_shutdown=1)
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()


def take(out: Path, chromium: str = CHROMIUM) -> list[Path]:
    """Build the console world on a temporary SQLite database, serve it, and write one PNG per `SHOTS` row into
    `out`; returns the files written. ImportError without the `playwright` package."""
    from playwright.sync_api import sync_playwright

    from warden.bootstrap import bootstrap
    from warden.kernel.clock import FixedClock
    from warden.settings import Settings

    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with tempfile.TemporaryDirectory() as tmp:
        app = bootstrap(Settings(database_url=f"sqlite:///{tmp}/console.db"), clock=FixedClock(AT))
        try:
            world = console_world.build(app)
            console_world.restrict_enterprise(app, world)
            with serving(app) as base, sync_playwright() as p:
                browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
                try:
                    for name, who, tab, ready, width in SHOTS:
                        page = browser.new_page(viewport={"width": width, "height": 900})
                        _show(page, base, world.tokens[who], tab, world)
                        page.locator(ready).first.wait_for()
                        path = out / name
                        page.screenshot(path=str(path), full_page=True)
                        written.append(path)
                        page.close()
                finally:
                    browser.close()
        finally:
            app.close()
    return written


def _show(page: Any, base: str, token: str, tab: str, world: console_world.ConsoleWorld) -> None:
    page.goto(f"{base}/console/")
    page.fill("#token", token)
    page.click("#auth button[type=submit]")
    page.locator("#who:not([hidden])").wait_for()
    page.click(f"#tab-{tab}")
    if tab == "review":
        page.locator("#review-out tr[data-case] button.secondary").first.click()
    if tab == "cases":
        page.locator(f'#cases-out tr[data-case="{world.case_id}"] button').click()
