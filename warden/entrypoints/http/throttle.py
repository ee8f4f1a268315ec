"""Rate limits at the edge, where guessing pays (issue 12): one place, run by the guard (`guard.EdgeGuard`).

| budget | counts | per | setting | default |
| --- | --- | --- | --- | --- |
| `failed_auth` | bad bearer tokens | client address | `WARDEN_RATE_LIMIT_FAILED_AUTH` | 10/minute;100/hour |
| `screenings` | `POST /v1/screenings` | principal | `WARDEN_RATE_LIMIT_SCREENINGS` | 30/minute;500/day |
| `writes` | POST, PUT, PATCH, DELETE | principal (not platform) | `WARDEN_RATE_LIMIT_WRITES` | 120/minute;3000/day |
| `platform_writes` | the same, for platform tokens | platform token | `WARDEN_RATE_LIMIT_PLATFORM_WRITES` | none |

A budget is one or more moving windows (`10/minute;100/hour`: all must hold) kept by the `limits` library: in
process memory by default, in Redis (`WARDEN_REDIS_URL`, keys under `WARDEN_REDIS_PREFIX:limits`) with
`WARDEN_COUNTERS=redis`, so every server process shares one count. Each request takes its slot with the library's
atomic hit (a lock in memory, a Lua script in Redis), so concurrent requests are counted exactly: of 40 sent at
once against a budget of 30, exactly 30 pass. A request a shorter window let through but a longer one refused
keeps its slot in the shorter one (fewer pass, never more).

**Failed authentications.** A failed lookup takes a slot atomically and, when none is left, is answered 429 rather
than 401. A valid token is checked first and never refused by this budget: it is not a guess, and many people
share an address behind a NAT or a proxy, so ten bad tokens from one of them must not lock out the rest. Once an
address's budget is spent, a secret not shaped like a token (`tokens.SECRET_SHAPE`) is refused unread; one shaped
like a token is still looked up (one indexed read). The trade-off: past the budget a guesser learns 429 (wrong) from
200 (right), so the budget bounds the work and the noise, not the odds; those are the secret's 192 random bits (at
a billion guesses a second, ~10^41 years to find one). Requests without a token cost nothing: they guess nothing.
The client address is the one the server sees (behind a proxy, run uvicorn with
`--proxy-headers --forwarded-allow-ips` so it is the client's).

**Per principal.** A principal's route budgets (`ROUTE_BUDGETS`) and its write budget are taken once the token is
known and before the body is read; a refused request never reaches the route.

A refusal is a 429 Problem Details naming the budget, its setting, the window that is full (`limit`), and when to
retry (`retry_after`, seconds, also the `Retry-After` header): when the window's oldest slot frees.

The budgets fail closed: while Redis cannot be reached, a request that needs a caller is a 503 (`unavailable`),
never let through uncounted; requests that need none (`/v1/ping`, the console's pages) are answered as usual.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage, RedisStorage, Storage
from limits.strategies import MovingWindowRateLimiter
from starlette.responses import JSONResponse

from warden.entrypoints.http.problem_texts import BUDGET_WORDS, EDGE
from warden.entrypoints.http.problems import problem
from warden.kernel.access import Principal, Role
from warden.kernel.i18n import Lang
from warden.settings import Settings

log = logging.getLogger("warden.http")
TOO_MANY_REQUESTS = "https://warden.dev/problems/too-many-requests"
UNAVAILABLE = "https://warden.dev/problems/rate-limits-unavailable"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
ROUTE_BUDGETS: dict[tuple[str, str], str] = {("POST", "/v1/screenings"): "screenings"}
"""Routes with a budget of their own, (method, path template) → budget name: where an answer is worth guessing for
(the screener's verdict on a text shows how to word around it)."""


@dataclass(frozen=True)
class Budget:
    """A named rate limit: its moving windows (`items`, empty: no limit), what it counts, per what, its setting."""

    name: str
    counts: str
    per: str
    setting: str
    items: tuple[RateLimitItem, ...]

    @classmethod
    def parse(cls, name: str, counts: str, per: str, setting: str, value: str) -> Budget:
        """`value` in the `limits` notation (`10/minute;100/hour`), or `none` / empty for no limit."""
        off = value.strip().lower() in ("", "none")
        return cls(name, counts, per, setting, () if off else tuple(parse_many(value)))


@dataclass(frozen=True)
class Refusal:
    """A request over a budget: which budget and window, and in how many whole seconds a slot frees (≥ 1)."""

    budget: Budget
    item: RateLimitItem
    retry_after: int

    @property
    def rate(self) -> str:
        """The full window in words: `10 per 1 minute`."""
        return f"{self.item.amount} per {self.item.multiples} {self.item.GRANULARITY.name}"

    def response(self, lang: Lang) -> JSONResponse:
        """The 429 in the request's language `lang` (its `limit` member is for programs: never translated)."""
        b = self.budget
        return problem(
            429,
            "Too many requests",
            EDGE["too_many_requests"],
            TOO_MANY_REQUESTS,
            headers={"Retry-After": str(self.retry_after)},
            extensions={
                "limit": {"budget": b.name, "setting": b.setting, "per": b.per, "rate": self.rate},
                "retry_after": self.retry_after,
            },
            lang=lang,
            params={
                "amount": self.item.amount,
                "window": BUDGET_WORDS.render(self.item.GRANULARITY.name, lang, n=self.item.multiples),
                "counts": BUDGET_WORDS.lookup(b.counts, lang, b.counts),
                "per": BUDGET_WORDS.lookup(b.per, lang, b.per),
                "setting": b.setting,
                "retry_after": self.retry_after,
            },
        )


def storage_for(settings: Settings) -> Storage:
    """Where the counts live: Redis with `WARDEN_COUNTERS=redis` (shared by every process), else process memory."""
    if settings.counters == "redis":  # its errors raised as `limits.errors.StorageError` (see `unavailable`)
        return RedisStorage(settings.redis_url, key_prefix=f"{settings.redis_prefix}:limits", wrap_exceptions=True)
    return MemoryStorage()


def unavailable(error: Exception, lang: Lang) -> JSONResponse:
    """The answer while the counts cannot be kept (Redis unreachable): a 503, the request not let through."""
    log.error("rate limits unavailable: %s", error)
    return problem(
        503,
        "Service unavailable",
        EDGE["rate_limits_unavailable"],
        UNAVAILABLE,
        headers={"Retry-After": "5"},
        lang=lang,
    )


class Throttle:
    """The edge's budgets over one storage (see the module docstring). Calls block on the storage (Redis: one round
    trip each): the guard runs them in its thread pool, with the token lookup."""

    def __init__(self, settings: Settings, storage: Storage | None = None) -> None:
        self.storage = storage or storage_for(settings)
        self.limiter = MovingWindowRateLimiter(self.storage)
        s = settings
        self.failed_auth = Budget.parse(
            "failed_auth",
            "failed authentications",
            "client address",
            "WARDEN_RATE_LIMIT_FAILED_AUTH",
            s.rate_limit_failed_auth,
        )
        self.budgets = {
            b.name: b
            for b in (
                Budget.parse(
                    "screenings", "screenings", "principal", "WARDEN_RATE_LIMIT_SCREENINGS", s.rate_limit_screenings
                ),
                Budget.parse("writes", "writes", "principal", "WARDEN_RATE_LIMIT_WRITES", s.rate_limit_writes),
                Budget.parse(
                    "platform_writes",
                    "writes",
                    "platform token",
                    "WARDEN_RATE_LIMIT_PLATFORM_WRITES",
                    s.rate_limit_platform_writes,
                ),
            )
        }

    # --- failed authentications, per client address ---------------------------------------------------------

    def authenticate(
        self, address: str, check: Callable[[], Principal | None], plausible: bool = True
    ) -> Principal | Refusal | None:
        """`check()` (the token lookup) under the address's budget: the principal, None for a bad token within the
        budget (a 401), or a refusal (429). A valid token is never refused here (it is not a guess), whatever the
        address's budget; a bad one takes a slot. Once the budget is spent, a secret that is not `plausible` (not
        shaped like a token) is refused without `check` running."""
        budget = self.failed_auth
        if not budget.items:
            return check()
        spent = self._full(budget, address)
        if spent is not None and not plausible:
            return spent
        principal = check()
        if principal is not None:
            return principal
        return spent or self._hit(budget, address)

    # --- per principal --------------------------------------------------------------------------------------

    def request(self, principal: Principal, method: str, path: str) -> Refusal | None:
        """Take one slot of each budget a request by `principal` to `path` (a route's template) counts against:
        the route's own, then writes. The first refusal, or None."""
        names = [ROUTE_BUDGETS[(method, path)]] if (method, path) in ROUTE_BUDGETS else []
        if method in WRITE_METHODS:
            names.append("platform_writes" if principal.role is Role.PLATFORM else "writes")
        for name in names:
            refused = self._hit(self.budgets[name], _who(principal))
            if refused is not None:
                return refused
        return None

    # --- the library --------------------------------------------------------------------------------------------

    def _hit(self, budget: Budget, key: str) -> Refusal | None:
        """One slot in every window of `budget` for `key`, atomically per window; the first full window, or None."""
        for item in budget.items:
            if not self.limiter.hit(item, "warden", budget.name, key):
                return self._refusal(budget, item, key)
        return None

    def _full(self, budget: Budget, key: str) -> Refusal | None:
        """The first window of `budget` with no slot left for `key` (nothing taken), or None."""
        for item in budget.items:
            if not self.limiter.test(item, "warden", budget.name, key):
                return self._refusal(budget, item, key)
        return None

    def _refusal(self, budget: Budget, item: RateLimitItem, key: str) -> Refusal:
        reset = self.limiter.get_window_stats(item, "warden", budget.name, key).reset_time
        return Refusal(budget, item, max(1, math.ceil(reset - time.time())))  # the library's clock


def _who(principal: Principal) -> str:
    """Whose budget a request spends: the person's (all their tokens share it), else the token's."""
    return principal.person_id or principal.token_id
