"""Wires settings and adapters into an `App`: the one place that builds one, and knows which engine is which."""

from __future__ import annotations

import functools
import gc
from pathlib import Path

from warden.adapters import audit_state, metrics
from warden.adapters.audit_keys import Signer, default_key_path, load_verifier
from warden.adapters.clock import SystemClock
from warden.adapters.database import WalCheckpointer, make_engine, upgrade
from warden.adapters.memory_counters import InMemoryCounters
from warden.adapters.policy_file import load_policy
from warden.adapters.secret_file import default_code_secret_path, load_or_create
from warden.adapters.subject_cache import SubjectCache
from warden.adapters.uow import UnitOfWork
from warden.app import App
from warden.appeals.document_store import LocalDocumentStore
from warden.appeals.notifier import build_notifier
from warden.appeals.service import Appeals
from warden.enforcement.manual_actions import ManualActions
from warden.enforcement.rules import RULES
from warden.enforcement.service import EnforcementService
from warden.enforcement.texts import Texts
from warden.enforcement.tokens import Tokens
from warden.kernel.access import Role
from warden.kernel.clock import Clock
from warden.kernel.counters import Counters
from warden.pipeline.effects import Effector
from warden.pipeline.engine import RuleEngine
from warden.pipeline.feature import Feature
from warden.pipeline.ingest import Ingest
from warden.policy import LoadedPolicy, PolicyError
from warden.policy_versions.backtests import Backtests
from warden.policy_versions.feature import ShadowFeature
from warden.policy_versions.live import LivePolicy
from warden.policy_versions.service import PolicyVersions
from warden.screening import Screener, ScreenerRegistry, ScreeningEngine, WordListScreener, build_default_engine
from warden.service.contacts import ContactLedger
from warden.settings import Settings
from warden.unblock import texts as unblock_texts
from warden.unblock.feature import unblock_feature
from warden.unblock.senders import build_sender
from warden.unblock.service import Unblocking
from warden.usage_policy import texts as usage_policy_texts
from warden.usage_policy.cases import CaseDesk
from warden.usage_policy.evidence import CaseEvidence
from warden.usage_policy.feature import UsagePolicyFeature
from warden.usage_policy.figures import Figures
from warden.usage_policy.outcomes import CaseOutcomes
from warden.usage_policy.policies import PolicyAdmin
from warden.weight.feature import weight_feature
from warden.weight.service import WeightService
from warden.word_lists.feature import WordListsFeature
from warden.word_lists.service import WordLists


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


def code_secret(settings: Settings, audit_key: Path) -> bytes:
    """The one-time codes' HMAC key (`WARDEN_UNBLOCK_CODE_SECRET_FILE`, else beside the audit key)."""
    path = settings.unblock_code_secret_file
    return load_or_create(Path(path) if path else default_code_secret_path(audit_key))


def bootstrap(
    settings: Settings | None = None,
    *,
    policy: LoadedPolicy | None = None,
    clock: Clock | None = None,
    migrate: bool = True,
    start: bool = True,
    sign: bool = True,
) -> App:
    """The application on `settings`. `migrate`: bring the schema up to date first; `start`: record the policy in use
    (an audit entry when it is new); `sign`: sign the audit chain at each commit, creating the key when absent
    (read-only tools such as `warden audit verify` pass False for all three, so they write nothing)."""
    settings = settings or Settings()
    clock = clock or SystemClock()
    background = settings.sqlite_background_checkpoint is True and settings.database_url.startswith("sqlite")
    engine = make_engine(settings.database_url, background_checkpoint=background)
    metrics.watch_pool(engine)  # warden_db_pool_checked_out / _size (adapters/metrics.py)
    if migrate:
        upgrade(engine)
    key = Path(settings.audit_key_file) if settings.audit_key_file else default_key_path(settings.database_url)
    signer = Signer(key) if sign else None
    audit_state.install(engine, signer)  # seal the state rows and sign the chain's head at every commit
    loaded = policy or load_policy(settings.policy)
    screener = build_screener(loaded)
    cache = SubjectCache()
    uow = UnitOfWork(engine, clock, settings.partitions)
    word_lists = None
    if isinstance(screener, ScreeningEngine):  # screening lists (issue 3): per-enterprise lists, live reload
        word_lists = WordLists(uow, ScreenerRegistry(base=screener))
        word_lists.load()
        screener = word_lists
    rules = RuleEngine(loaded, screener, RULES)  # the S-A rules (warden.enforcement.rules)
    boot_screener = screener

    def screener_for(lp: LoadedPolicy) -> Screener:  # a stored version's screener: the boot one for the same words
        same = lp.policy.rules.sensitive_words == loaded.policy.rules.sensitive_words
        return boot_screener if same else build_screener(lp)

    live = LivePolicy(engine, rules, screener_for)  # the policy's life (issue 18): stored versions, hot reload
    shadow = ShadowFeature(live)
    # The features, once each, in hook order (see warden.pipeline.feature). One line per feature.
    features: list[Feature] = [shadow]  # first: a shadow judges the state the live decision saw (issue 18)
    weight_upkeep = weight_feature(rules, clock, cache)  # weight (issue 4): WeightSource, per-event fold, S-A5 cascade
    if weight_upkeep is not None:
        features.append(weight_upkeep)
    features.append(unblock_feature(rules, cache))  # unblocking (issue 5): probation, plug-in floors
    usage_settings = loaded.policy.enterprise_usage  # enterprise usage policy (issue 7)
    usage_policies = PolicyAdmin(uow, usage_settings, shipped_engine)  # screens with the engine's folding (issue 13)
    cases = CaseDesk(uow, usage_settings, loaded.policy.timezone)
    case_outcomes = CaseOutcomes(uow, usage_settings, loaded.policy.timezone)
    cases.due_check = case_outcomes.due  # issue 15: what fell due is escalated before each case request
    features.append(UsagePolicyFeature(usage_policies, cases))
    if word_lists is not None:
        features.append(WordListsFeature(word_lists))
    contacts = ContactLedger()  # the S-A4 cap counts live external contacts in event time (issue 10)
    rules.contacts = contacts
    features.append(contacts)
    rules.effector = Effector(rules, features)  # the one place strikes are applied, with the features' floors
    live.floors = [f for f in features if f is not shadow]
    counters = build_counters(settings, rules.retention_seconds())
    shadow.counters = counters
    # The explanations' catalogue: enforcement's own, plus each slice's rule titles and reason sentences.
    texts = Texts(
        {
            **unblock_texts.RULE_TITLES,  # unblocking (issue 5): abnormal unblocks (S-D4)
            **usage_policy_texts.RULE_TITLES,  # enterprise usage policy (issue 7): deregistered, app removed
        },
        {
            "usage_policy.blocked": usage_policy_texts.reason_text,
            "usage_policy.warned": usage_policy_texts.reason_text,
        },
        {rule: usage_policy_texts.way_back for rule in usage_policy_texts.RULE_TITLES},  # S-E4 (issue 15)
    )
    pipeline = Ingest(
        engine, loaded, rules, counters, clock, cache, features, watch=live, partitions=settings.partitions
    )
    live.lock = pipeline.batch_lock

    def check(lp: LoadedPolicy) -> None:  # what bootstrap would refuse in a policy beyond its schema
        probe = RuleEngine(lp, screener, RULES)
        weight_feature(probe, clock, SubjectCache())
        try:
            unblock_feature(probe, SubjectCache())
        except ValueError as exc:
            raise PolicyError(lp.source, [f"{lp.source}:?: {exc}"]) from exc

    manual_actions = ManualActions(uow, rules, features)  # voids, lifts, enterprise restrictions, ban endings
    verifier = signer or load_verifier(key)
    enforcement = EnforcementService(
        uow, rules, pipeline, features, manual_actions, texts, verifier=verifier, phone_region=settings.phone_region
    )
    appeals = Appeals(uow, enforcement, rules, LocalDocumentStore(settings.document_dir), build_notifier(settings))
    app = App(
        engine=engine,
        uow=uow,
        policy=loaded,
        rules=rules,
        counters=counters,
        clock=clock,
        features=features,
        cache=cache,
        texts=texts,
        pipeline=pipeline,
        enforcement=enforcement,
        manual_actions=manual_actions,
        tokens=Tokens(uow, settings.token_lifetime),
        # the feature slices' services, each built once here (one line per slice)
        word_lists=word_lists,  # screening lists (issue 3)
        unblocking=Unblocking(  # unblocking (issue 5)
            uow, rules, build_sender(settings), code_secret(settings, key) if sign else None
        ),
        usage_policies=usage_policies,  # enterprise usage policy (issue 7)
        cases=cases,
        case_outcomes=case_outcomes,
        usage_figures=Figures(uow, usage_policies),
        case_evidence=CaseEvidence(uow, usage_settings, lambda: app.appeals),  # the appeals' document checks
        weight=WeightService(uow, rules),  # weight (issue 4)
        appeals=appeals,  # appeals and the review desk (issue 6)
        policy_versions=PolicyVersions(uow, live, check),  # the policy's life (issue 18)
        backtests=Backtests(uow, live, stale_after=settings.backtest_stale_after),
        live_policy=live,
    )
    cases.after_commit = case_outcomes.after_commit = app.deliver_outbox  # the one outbox, after commit
    appeals.desk.reviewers = lambda: app.tokens.holders(Role.REVIEWER)  # whom a case may be reassigned to
    if background:
        app.checkpointer = WalCheckpointer(engine)
    if start:
        app.start()
    return app


def freeze_heap() -> None:
    """For a long-running process (`warden serve`, its workers, `warden consume`), once the App is built: collect,
    then move every object alive now out of the collector's sight (`gc.freeze`). The start-up heap (policy models,
    the screening automata's tables, SQLAlchemy's metadata, FastAPI's routes: ~450,000 objects) lives as long as
    the process, yet every full collection walked all of it again: 0.2–0.4 s during which no request was answered,
    the single decision's p99 on this machine (issue 16). Objects made later are collected as usual."""
    gc.collect()
    gc.freeze()
