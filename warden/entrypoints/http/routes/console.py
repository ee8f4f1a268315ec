"""The web console (SPEC: reviewers, enterprise admins, HR and end users; zh/en): static files, no build step.

The page itself needs no token; every figure on it comes from the authenticated API, called by the browser
with the bearer token the person pastes. Only the files listed here are served (no path from the URL reaches
the filesystem), and a strict Content-Security-Policy keeps the page to its own origin.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, RedirectResponse

router = APIRouter(tags=["console"], include_in_schema=False)

CONSOLE_DIR = Path(__file__).resolve().parent.parent / "console"
FILES: dict[str, str] = {
    "index.html": "text/html; charset=utf-8",
    "console.css": "text/css; charset=utf-8",
    "console.js": "text/javascript; charset=utf-8",
}
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}


def _file(name: str) -> FileResponse:
    return FileResponse(CONSOLE_DIR / name, media_type=FILES[name], headers=HEADERS | {"Cache-Control": "no-cache"})


@router.get("/console")
def console_root() -> RedirectResponse:
    """`/console` → `/console/`, so the page's relative asset paths resolve under it."""
    return RedirectResponse("/console/", status_code=308)


@router.get("/console/")
def console_index() -> FileResponse:
    return _file("index.html")


@router.get("/console/console.css")
def console_css() -> FileResponse:
    return _file("console.css")


@router.get("/console/console.js")
def console_js() -> FileResponse:
    return _file("console.js")
