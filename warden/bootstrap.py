"""Wires adapters from settings into a `Warden` (the one place that knows which engine is which)."""

from __future__ import annotations

import functools

from warden.adapters.database import WalCheckpointer, make_engine, upgrade
from warden.domain.clock import Clock, SystemClock
from warden.domain.counters import Counters, InMemoryCounters
from warden.domain.policy import LoadedPolicy, load_policy
from warden.domain.rules import RuleEngine
from warden.screening import Screener, ScreenerRegistry, ScreeningEngine, WordListScreener, build_default_engine
from warden.service.warden import Warden
from warden.settings import Settings


@functools.cache
def shipped_engine() -> ScreeningEngine:
    """The engine over the shipped dictionaries, built once per process (it takes most of a second)."""
    return build_default_engine()


def build_screener(policy: LoadedPolicy) -> Screener:
    rule = policy.policy.rules.sensitive_words
    words = [(w.term, w.category, w.severity) for w in rule.words]
    if rule.engine == "evasion":
        return shipped_engine().with_lists(terms=words, allow=[])
    return WordListScreener(words)


def build_counters(settings: Settings, retention: float) -> Counters:
    if settings.counters == "memory":
        return InMemoryCounters(retention)
    if settings.counters == "redis":
        from warden.adapters.redis_counters import RedisCounters

        return RedisCounters.from_url(settings.redis_url, retention, settings.redis_prefix)
    raise ValueError(f"WARDEN_COUNTERS={settings.counters!r} is not known; use memory or redis")


def bootstrap(
    settings: Settings | None = None,
    *,
    policy: LoadedPolicy | None = None,
    clock: Clock | None = None,
    migrate: bool = True,
    start: bool = True,
) -> Warden:
    settings = settings or Settings()
    background = settings.sqlite_background_checkpoint and settings.database_url.startswith("sqlite")
    engine = make_engine(settings.database_url, background_checkpoint=background)
    if migrate:
        upgrade(engine)
    loaded = policy or load_policy(settings.policy)
    rules = RuleEngine(loaded, build_screener(loaded))
    counters = build_counters(settings, rules.retention_seconds())
    app = Warden(engine, loaded, rules, counters, clock or SystemClock())
    # Feature wiring: each feature attaches its seams here (rules.weights, rules.strike_hooks,
    # rules.step_floors, app.observers). Keep one block per feature.
    # --- S-A4 cap: live external contacts in event time (issue 10) ---
    from warden.service.contacts import attach_contacts

    attach_contacts(app)  # rules.contacts and the ledger observer

    # --- weight (issue 4) ---
    from warden.service.weight import attach_weight

    attach_weight(app)  # rules.weights, the S-A5 strike hook and the weight observer

    # --- unblocking (issue 5) ---
    from warden.service.unblock import install as install_unblocking

    install_unblocking(app)  # probation/plug-in floors, evidence note, batch loader; sender from WARDEN_UNBLOCK_*

    # --- appeals (issue 6) ---
    from warden.service import appeals as _appeals

    _appeals.attach(app)  # app.appeals: documents in WARDEN_DOCUMENT_DIR, notifier from WARDEN_NOTIFIER

    # --- enterprise usage policy (issue 7) ---
    from warden.service.usage_policy import attach as attach_usage_desk

    attach_usage_desk(app)

    # --- screening lists (issue 3) ---
    if isinstance(rules.screener, ScreeningEngine):
        from warden.service.word_lists import WordLists

        app.word_lists = WordLists(app, ScreenerRegistry(base=rules.screener))
        rules.screener = app.word_lists
        app.word_lists.load()
    # --- end of feature wiring ---
    if background:
        app.checkpointer = WalCheckpointer(engine)
    if start:
        app.start()
    return app
