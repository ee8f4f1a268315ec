"""Wires adapters from settings into a `Warden` (the one place that knows which engine is which)."""

from __future__ import annotations

import functools

from warden.adapters.clock import SystemClock
from warden.adapters.database import WalCheckpointer, make_engine, upgrade
from warden.adapters.memory_counters import InMemoryCounters
from warden.adapters.subject_cache import SubjectCache
from warden.domain.policy import LoadedPolicy, load_policy
from warden.domain.rules import RuleEngine
from warden.kernel.clock import Clock
from warden.kernel.counters import Counters
from warden.pipeline.effects import Effector
from warden.pipeline.feature import Feature
from warden.screening import Screener, ScreenerRegistry, ScreeningEngine, WordListScreener, build_default_engine
from warden.service import appeals as _appeals
from warden.service.unblock import Unblocking, build_sender, unblock_feature
from warden.service.usage_policy import UsageDesk, UsagePolicyFeature
from warden.service.warden import Warden
from warden.service.word_lists import WordLists, WordListsFeature
from warden.settings import Settings
from warden.weight.feature import weight_feature


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
    clock = clock or SystemClock()
    background = settings.sqlite_background_checkpoint and settings.database_url.startswith("sqlite")
    engine = make_engine(settings.database_url, background_checkpoint=background)
    if migrate:
        upgrade(engine)
    loaded = policy or load_policy(settings.policy)
    screener = build_screener(loaded)
    cache = SubjectCache()
    word_lists = None
    if isinstance(screener, ScreeningEngine):  # screening lists (issue 3): per-enterprise lists, live reload
        word_lists = WordLists(engine, clock, ScreenerRegistry(base=screener))
        word_lists.load()
        screener = word_lists
    rules = RuleEngine(loaded, screener)
    # The features, once each, in hook order (see warden.pipeline.feature). One line per feature.
    features: list[Feature] = []
    weight = weight_feature(rules, clock, cache)  # weight (issue 4): WeightSource, per-event fold, S-A5 cascade
    if weight is not None:
        features.append(weight)
    features.append(unblock_feature(rules, cache))  # unblocking (issue 5): probation, plug-in floors
    usage = UsageDesk(engine, loaded, clock)  # enterprise usage policy (issue 7)
    features.append(UsagePolicyFeature(usage))
    if word_lists is not None:
        features.append(WordListsFeature(word_lists))
    rules.effector = Effector(rules, features)  # the one place strikes are applied, with the features' floors
    counters = build_counters(settings, rules.retention_seconds())
    app = Warden(engine, loaded, rules, counters, clock, features, cache)
    app.word_lists = word_lists
    app.usage_desk = usage
    app.unblocking = Unblocking(app, build_sender())
    _appeals.attach(app)  # app.appeals: documents in WARDEN_DOCUMENT_DIR, notifier from WARDEN_NOTIFIER
    if background:
        app.checkpointer = WalCheckpointer(engine)
    if start:
        app.start()
    return app
