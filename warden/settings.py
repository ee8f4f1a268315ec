"""Settings from the environment (`WARDEN_*`). Unset means the embedded default: SQLite, in-process counters.

The one configuration module: every process (`serve`, `consume`, the CLI) reads these. `warden config show` prints
the effective values (`Settings.shown`), with secrets masked: fields marked `secret` and passwords inside URLs.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from warden.kernel.durations import Duration


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WARDEN_", extra="ignore")

    database_url: str = "sqlite:///warden.db"
    policy: str | None = None  # path of the policy file; None = the shipped default
    counters: str = "memory"  # memory | redis
    redis_url: str = "redis://127.0.0.1:6379/0"
    redis_prefix: str = "warden"  # key prefix, so environments can share one Redis
    host: str = "127.0.0.1"
    port: int = 8000
    # the audit chain's signing key, kept outside the database (adapters/audit_keys.py); created on first use.
    # Unset: beside the SQLite file, or ~/.local/state/warden/audit-key.pem for PostgreSQL.
    audit_key_file: str | None = None  # WARDEN_AUDIT_KEY_FILE
    # --- the HTTP edge (issue 12): the most bytes of a request body read; larger is a 413 (entrypoints/http/guard.py)
    http_max_body_bytes: int = Field(8 * 1024 * 1024, ge=1024)  # WARDEN_HTTP_MAX_BODY_BYTES: JSON and other bodies
    # WARDEN_HTTP_MAX_UPLOAD_BYTES: multipart/form-data (appeal documents); keep it above the policy's
    # appeals.max_upload_bytes (10 MiB) plus the form's overhead, so a too-large file is named, not cut off
    http_max_upload_bytes: int = Field(16 * 1024 * 1024, ge=1024)
    # --- API tokens (issue 12): how long a new token lives unless `warden token create --expires-in` says otherwise
    token_lifetime: Duration = timedelta(days=90)  # WARDEN_TOKEN_LIFETIME: 90d, 12h, … (at most 730 days)
    # --- backtests (issue 18): a queued or running backtest whose process shows no sign of life (a heartbeat with its
    # progress and every few seconds) for this long is failed as orphaned at the next start or read; keep it well
    # above a pause of the process (a long garbage collection, a suspended VM). WARDEN_BACKTEST_STALE_AFTER
    backtest_stale_after: Duration = timedelta(minutes=5)
    # SQLite: checkpoint the write-ahead log from a background thread (database.WalCheckpointer), so no writer pays
    # for one inline (the p99 tail). Unset: the long-running commands (`serve`, `intake`, the demo's server) do and
    # the rest do not; WARDEN_SQLITE_BACKGROUND_CHECKPOINT=false: never; true: every process.
    sqlite_background_checkpoint: bool | None = None
    # --- unblocking (issue 5): how one-time codes and helper requests reach a phone (see warden.unblock.senders)
    unblock_sender: Literal["log", "webhook"] = "log"  # WARDEN_UNBLOCK_SENDER
    # WARDEN_UNBLOCK_WEBHOOK_URL: the operator's SMS gateway; shown as its scheme and host only (a path may be a key)
    unblock_webhook_url: str | None = Field(None, json_schema_extra={"secret_path": True})
    # WARDEN_UNBLOCK_WEBHOOK_TOKEN: sent as a bearer token
    unblock_webhook_token: str | None = Field(None, json_schema_extra={"secret": True})
    unblock_webhook_timeout: float = 5.0  # seconds
    # the one-time codes' HMAC key (adapters/secret_file.py), created on first use; unset: beside the audit key
    unblock_code_secret_file: str | None = None  # WARDEN_UNBLOCK_CODE_SECRET_FILE
    # --- identity keys (issue 12): where a phone number written without a country is read; every bound phone is
    # stored, capped and messaged in E.164 (warden.enforcement.phones)
    phone_region: str = "CN"  # WARDEN_PHONE_REGION: an ISO 3166 region code
    # --- appeals (issue 6): where documents live, how appellants hear of changes ---
    document_dir: str = "./var/documents"
    notifier: str = "log"  # log | webhook
    # WARDEN_WEBHOOK_URL: where appeal notifications go; shown as its scheme and host only (many hooks carry their key
    # in the path, `https://hooks.example/services/T0/B0/<key>`)
    webhook_url: str | None = Field(None, json_schema_extra={"secret_path": True})
    webhook_secret: str | None = Field(None, json_schema_extra={"secret": True})
    # --- rate limits at the HTTP edge (issue 12; entrypoints/http/throttle.py): `N/second|minute|hour|day`, several
    # joined with `;` (all must hold), or `none`. Counted in memory, or in Redis with WARDEN_COUNTERS=redis.
    rate_limit_failed_auth: str = "10/minute;100/hour"  # WARDEN_RATE_LIMIT_FAILED_AUTH: bad bearer tokens, per address
    rate_limit_screenings: str = "30/minute;500/day"  # WARDEN_RATE_LIMIT_SCREENINGS: POST /v1/screenings, per principal
    rate_limit_writes: str = "120/minute;3000/day"  # WARDEN_RATE_LIMIT_WRITES: POST/PUT/PATCH/DELETE, per principal
    # WARDEN_RATE_LIMIT_PLATFORM_WRITES: the same for platform tokens, the integration that sends every login and
    # contact request for a decision (POST /v1/events): none by default, so the platform's own traffic is never refused
    rate_limit_platform_writes: str = "none"
    # --- operations (issue 17; docs/DEPLOY.md) ---
    # WARDEN_LOG_FORMAT: json (one JSON object a line), text (for people), auto (text when stderr is a terminal)
    log_format: Literal["auto", "json", "text"] = "auto"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"  # WARDEN_LOG_LEVEL
    access_log: bool = True  # WARDEN_ACCESS_LOG: one `warden.access` line per HTTP request
    # WARDEN_METRICS_ALLOW: the networks that may scrape GET /metrics on the API without a token (comma-separated
    # CIDRs; `none`: nobody). Any other address gets a 403. Behind a proxy every request comes from the proxy: do not
    # route /metrics through it, or scrape a consumer's own port. Default: this host only.
    metrics_allow: str = "127.0.0.0/8,::1/128"
    # WARDEN_METRICS_HOST / WARDEN_METRICS_PORT: `warden consume`'s own metrics and probe listener (/metrics, /livez,
    # /readyz; unauthenticated, so bind it to a private interface). Unset port: none.
    metrics_host: str = "127.0.0.1"
    metrics_port: int | None = Field(None, ge=1, le=65535)
    # WARDEN_NATS_URL: the JetStream server `warden consume` reads (unless --nats says otherwise); when set, the
    # API's /readyz also checks it answers.
    nats_url: str | None = None
    # --- scale-out (issue 17; kernel/partition.py, docs/DEPLOY.md) ---
    # WARDEN_PARTITIONS: how many partitions an installation's events are split into (by enterprise): each has its own
    # JetStream subject, audit chain and lock. Fixed per installation (recorded in the database on first start).
    partitions: int = Field(16, ge=1, le=1024)
    # WARDEN_AUDIT_ROOT_INTERVAL: seconds between signed root entries over every chain's head (`warden consume`)
    audit_root_interval: float = Field(60.0, gt=0)
    # WARDEN_SHUTDOWN_GRACE: seconds `serve` lets requests in flight finish after SIGTERM (then they are cut off);
    # `consume` always finishes the batch it is committing and hands back the deliveries it has not started.
    shutdown_grace: float = Field(30.0, ge=0)

    @field_validator("metrics_allow")
    @classmethod
    def _networks(cls, value: str) -> str:
        metrics_networks(value)  # ValueError naming the bad entry
        return value

    @field_validator("nats_url")
    @classmethod
    def _nats(cls, value: str | None) -> str | None:
        if value is None or not value.strip():  # set but empty: as if unset
            return None
        problem = nats_url_problem(value)
        if problem is not None:
            raise ValueError(problem)
        return value

    def shown(self) -> dict[str, Any]:
        """The effective settings by field name, JSON-ready, with secrets masked: a field marked `secret` shows
        `***` when set, and a URL keeps everything but its password (`postgresql://warden:***@db/warden`)."""
        out: dict[str, Any] = {}
        for name, info in type(self).model_fields.items():
            value = getattr(self, name)
            extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
            if extra.get("secret") and value is not None:
                value = "***"
            elif isinstance(value, str) and "://" in value:
                value = mask_url(value, path=not extra.get("secret_path"))
            elif isinstance(value, timedelta):
                value = f"{int(value.total_seconds())}s"
            out[name] = value
        return out

    @field_validator(
        "rate_limit_failed_auth", "rate_limit_screenings", "rate_limit_writes", "rate_limit_platform_writes"
    )
    @classmethod
    def _rates(cls, value: str) -> str:
        from limits import parse_many

        if value.strip().lower() not in ("", "none"):
            parse_many(value)  # ValueError: "couldn't parse rate limit string …"
        return value


NATS_SCHEMES = ("nats", "tls", "ws", "wss")
"""The URL schemes a NATS server is reached by (`WARDEN_NATS_URL`, `--nats`)."""


def mask_url(url: str, path: bool = True) -> str:
    """`url` with its password (and any query string or fragment, which may carry a token) replaced by `***`; a NATS
    URL's lone user part is its token (`nats://<token>@host`) and is masked too. `path=False`: the path as well (a
    webhook whose key is part of its path). Several comma-separated URLs (NATS servers): each.

    The credentials run to the *last* `@` (a password may hold `/`, `#`, `?`, `,` or `@` unencoded, which SQLAlchemy
    reads as part of it, and the database connects): masking the host too when in doubt, never showing a secret."""
    pieces = url.split(",")
    if len(pieces) > 1 and all("://" in piece for piece in pieces):
        return ",".join(mask_url(piece, path) for piece in pieces)
    scheme, sep, rest = url.partition("://")
    user = ""
    if sep and "@" in rest and not rest.startswith("/"):  # (`sqlite:////a@b/w.db`: no host, a file's path)
        userinfo, _, rest = rest.rpartition("@")
        name, colon, _secret = userinfo.partition(":")
        if any(c in name for c in "/?#") or (not colon and any(c in userinfo for c in "/?#")):
            user = "***@"  # not a plain `user[:password]`: show none of it
        elif colon:
            user = f"{name}:***@"
        else:
            user = "***@" if scheme in NATS_SCHEMES else f"{userinfo}@"
    try:
        parts = urlsplit(f"{scheme}{sep}{rest}")
    except ValueError:
        return "***"
    shown = parts.path if path or parts.path in ("", "/") else "/***"
    query, fragment = ("?***" if parts.query else ""), ("#***" if parts.fragment else "")
    return f"{scheme}{sep}{user}{parts.netloc}{shown}{query}{fragment}" if sep else url  # `sqlite:///` kept whole


def nats_url_problem(value: str) -> str | None:
    """Why `value` is not a NATS server URL (or several, comma-separated), or None: each needs a scheme of
    `NATS_SCHEMES`, a host, and a port in range when given."""
    for part in value.split(","):
        part = part.strip()
        try:
            url = urlsplit(part)
            url.port  # noqa: B018  (ValueError when out of range or not a number)
        except ValueError:
            return f"{mask_url(part)!r} is not a URL (its port must be a number, 1-65535)"
        if url.scheme not in NATS_SCHEMES or not url.hostname:
            example = "like nats://127.0.0.1:4222; schemes nats, tls, ws, wss"
            return f"{mask_url(part)!r} is not a NATS server URL ({example})"
    return None


def metrics_networks(value: str) -> list[Any]:
    """The networks of `WARDEN_METRICS_ALLOW` (`none` or empty: no network). ValueError names a bad entry."""
    import ipaddress

    if value.strip().lower() in ("", "none"):
        return []
    nets = []
    for part in value.split(","):
        try:
            nets.append(ipaddress.ip_network(part.strip(), strict=False))
        except ValueError as exc:
            raise ValueError(f"WARDEN_METRICS_ALLOW: {part.strip()!r} is not a network (e.g. 10.0.0.0/8)") from exc
    return nets
