"""Wires adapters from settings into a `Warden` (the one place that knows which engine is which)."""

from __future__ import annotations

from warden.adapters.database import make_engine, upgrade
from warden.domain.clock import Clock, SystemClock
from warden.domain.counters import Counters, InMemoryCounters
from warden.domain.policy import LoadedPolicy, load_policy
from warden.domain.rules import RuleEngine
from warden.screening import Screener, WordListScreener
from warden.service.warden import Warden
from warden.settings import Settings


def build_screener(policy: LoadedPolicy) -> Screener:
    rule = policy.policy.rules.sensitive_words
    words = [(w.term, w.category, w.severity) for w in rule.words]
    if rule.engine == "evasion":
        try:
            from warden.screening import build_default_engine  # type: ignore[attr-defined]
        except ImportError:
            return WordListScreener(words)
        return build_default_engine().with_lists(terms=words, allow=[])
    return WordListScreener(words)


def build_counters(settings: Settings, retention: float) -> Counters:
    if settings.counters == "memory":
        return InMemoryCounters(retention)
    raise ValueError(f"WARDEN_COUNTERS={settings.counters!r} is not available (use memory)")


def bootstrap(
    settings: Settings | None = None,
    *,
    policy: LoadedPolicy | None = None,
    clock: Clock | None = None,
    migrate: bool = True,
    start: bool = True,
) -> Warden:
    settings = settings or Settings()
    engine = make_engine(settings.database_url)
    if migrate:
        upgrade(engine)
    loaded = policy or load_policy(settings.policy)
    rules = RuleEngine(loaded, build_screener(loaded))
    counters = build_counters(settings, rules.retention_seconds())
    app = Warden(engine, loaded, rules, counters, clock or SystemClock())
    # Feature wiring: each feature attaches its seams here (rules.weights, rules.strike_hooks,
    # rules.step_floors, app.observers). Keep one block per feature.
    # --- weight (issue 4) ---
    from warden.service.weight import attach_weight

    attach_weight(app)  # rules.weights, the S-A5 strike hook and the weight observer

    # --- unblocking (issue 5) ---

    # --- appeals (issue 6) ---

    # --- enterprise usage policy (issue 7) ---

    # --- end of feature wiring ---
    if start:
        app.start()
    return app
