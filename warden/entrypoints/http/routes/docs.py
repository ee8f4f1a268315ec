"""`/docs` without internet access (issue 14): Swagger UI's assets are shipped in the package
(`warden/entrypoints/http/swagger/`, from npm's swagger-ui-dist, see its VERSION) and served from here, so the
interactive API docs work on a machine with no route to a CDN."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse

from warden.kernel.errors import NotFound

router = APIRouter(include_in_schema=False)

SWAGGER_DIR = Path(__file__).resolve().parent.parent / "swagger"
ASSETS: dict[str, str] = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
}


@router.get("/docs")
def docs() -> HTMLResponse:
    """Swagger UI over `/openapi.json`, every asset from this server."""
    return get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="warden — API",
        swagger_js_url="/docs-assets/swagger-ui-bundle.js",
        swagger_css_url="/docs-assets/swagger-ui.css",
        swagger_favicon_url="data:,",
    )


@router.get("/docs-assets/{name}")
def docs_asset(name: str) -> FileResponse:
    """One of the shipped Swagger UI files (only those named in `ASSETS`; anything else is 404)."""
    if name not in ASSETS:
        raise NotFound(f"no docs asset {name!r}")
    return FileResponse(SWAGGER_DIR / name, media_type=ASSETS[name], headers={"Cache-Control": "max-age=86400"})
