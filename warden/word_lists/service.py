"""Word lists (S-A6): the platform's and each enterprise's, with allow-lists.

Stored in `word_lists`, audited, and live without a restart: this process swaps its engine at once, and
other processes swap theirs at their next ingest batch (they notice that someone else wrote to the audit
chain, then compare list versions: one query, only then). The shipped dictionaries and the policy's
`sensitive_words.words` are the base every scope builds on.

Every public method a person calls takes the caller's `Principal` first (checked by `access.py`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from warden.adapters import store as core
from warden.adapters.uow import Connection, UnitOfWork
from warden.enforcement.policy import Circumstances, SensitiveWords
from warden.enforcement.rules.words import judge
from warden.kernel.access import GLOBAL_ROLES, Principal, Role
from warden.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound
from warden.kernel.events import FieldError
from warden.kernel.i18n import Lang, Text
from warden.pipeline.ports import BatchScreener
from warden.screening import PLATFORM, Hit, Screener, ScreenerRegistry
from warden.screening.explain import techniques
from warden.screening.folding import fold_text
from warden.screening.message import why_named
from warden.screening.terms import term_message
from warden.word_lists import store
from warden.word_lists.access import check_lists, check_screening
from warden.word_lists.model import validate_lists
from warden.word_lists.views import (
    ContextOut,
    HitOut,
    ListChangeOut,
    ScreeningOut,
    SituationOut,
    WordListChangedOut,
    WordListOut,
)

UNKNOWN_ENTERPRISE = Text(
    zh="没有企业 {id}；请先登记该企业，或不指定 enterprise_id 只用平台词表筛查",
    en="no enterprise {id}; register it first, or leave enterprise_id out to screen with the platform's lists",
)


class WordLists:
    """The platform's and each enterprise's lists: a `BatchScreener` (the rules screen through it) and the
    service that changes them."""

    def __init__(self, uow: UnitOfWork, registry: ScreenerRegistry) -> None:
        self.uow = uow
        self.registry = registry
        self._versions: dict[str, int] = {}
        self._batch: dict[tuple[str, str], tuple[Hit, ...]] = {}

    # the Screener seam, scoped: the S-A6 rule screens a member's text with their enterprise's lists
    def screen(self, text: str) -> list[Hit]:
        return self.screen_in(None, text)

    def screen_in(self, scope: str | None, text: str) -> list[Hit]:
        key = scope if scope in self._versions else PLATFORM
        hits = self._batch.get((key, text))
        return list(hits) if hits is not None else self.registry.get(key).screen(text)

    def prepare(self, texts: Iterable[tuple[str | None, str]]) -> None:
        """Screen a batch's texts ahead, one `screen_many` pass per scope (about ten times cheaper per text
        than one call each); `screen_in` then answers from it until `release`."""
        by_scope: dict[str, list[str]] = {}
        for scope, text in texts:
            if text:
                by_scope.setdefault(scope if scope in self._versions else PLATFORM, []).append(text)
        batch: dict[tuple[str, str], tuple[Hit, ...]] = {}
        for scope, items in by_scope.items():
            unique = list(dict.fromkeys(items))
            for text, hits in zip(unique, self.registry.get(scope).screen_many(unique), strict=True):
                batch[(scope, text)] = hits
        self._batch = batch

    def release(self) -> None:
        self._batch = {}

    def load(self) -> None:
        with self.uow.reading() as tx:
            self.refresh(tx.conn)

    def refresh(self, conn: Connection) -> None:
        """Take over lists that another process changed."""
        for scope, version, terms_text, allow_text in store.all_lists(conn):
            if self._versions.get(scope) != version:
                terms, allow = store.decode(terms_text, allow_text)
                self.registry.set_lists(scope, terms, allow)
                self._versions[scope] = version
                self.release()

    def get(self, principal: Principal, scope: str) -> WordListOut:
        """A scope's own lists (version 0, and no updated_at/updated_by set, while it has none); NotFound for an
        enterprise nobody registered, as `put` says."""
        check_lists(principal, scope, write=False)
        with self.uow.reading() as tx:
            if scope != PLATFORM and core.get_enterprise(tx.conn, scope) is None:
                raise NotFound(f"no enterprise {scope!r}")
            return _view(tx.conn, scope)

    def put(
        self,
        principal: Principal,
        scope: str,
        terms: Sequence[Any],
        allow: Sequence[Any],
        expected_version: int | None = None,
        lang: Lang = "zh",
    ) -> WordListChangedOut:
        """Replace a scope's lists; 409 if `expected_version` is stale, 422 naming each bad entry (in `lang`).
        Audited with what changed; returns the lists and the change (version, terms/allow added and removed)."""
        check_lists(principal, scope, write=True)
        new_terms, new_allow = validate_lists(terms, allow, lang, term_message)
        self.registry.get(PLATFORM).with_lists(new_terms, new_allow)  # a list the engine refuses changes nothing
        with self.uow.writing(lock=True) as tx:  # the writers' lock: two editors of one list queue up
            if scope != PLATFORM and core.get_enterprise(tx.conn, scope) is None:
                raise NotFound(f"no enterprise {scope!r}")
            found = store.lists_of(tx.conn, scope)
            version = found[2] if found else 0
            if expected_version is not None and expected_version != version:
                raise Conflict(f"the list is at version {version}, not {expected_version}; reload and retry")
            old_terms = set(found[0]) if found else set()
            old_allow = set(found[1]) if found else set()
            store.save(
                tx.conn, scope, new_terms, new_allow, version + 1, tx.now, principal.actor, exists=found is not None
            )
            change = ListChangeOut(
                version=version + 1,
                terms_added=sorted(x[0] for x in set(new_terms) - old_terms),
                terms_removed=sorted(x[0] for x in old_terms - set(new_terms)),
                allow_added=sorted(set(new_allow) - old_allow),
                allow_removed=sorted(old_allow - set(new_allow)),
            )
            tx.audit.append(tx.now, principal.actor, "word_list.changed", f"word_list:{scope}", change.model_dump())
        self.registry.set_lists(scope, new_terms, new_allow)
        self._versions[scope] = version + 1
        self.release()
        with self.uow.reading() as tx:
            lists = _view(tx.conn, scope)
        return WordListChangedOut(**lists.model_dump(), change=change)


def _view(conn: Connection, scope: str) -> WordListOut:
    found = store.lists_of(conn, scope)
    if found is None:
        return WordListOut(scope=scope, terms=[], allow=[], version=0)
    terms, allow, version, at, by = found
    return WordListOut(
        scope=scope, terms=[list(x) for x in terms], allow=allow, version=version, updated_at=at, updated_by=by
    )


def screen_text(
    principal: Principal,
    uow: UnitOfWork,
    screener: Screener,
    rule: SensitiveWords,
    text: str,
    enterprise_id: str | None,
    situation: Circumstances,
) -> ScreeningOut:
    """What S-A6 would make of `text` sent in `situation`: the screener's hits (with the enterprise's own lists too
    when one is named and the screener keeps lists per scope) judged by the policy (`judge`, as ingest does).

    What the caller sees depends on who asks, so the screen is no oracle for spammers: a member screens their own
    text with their enterprise's lists and sees only whether it would be blocked; an enterprise role sees the
    outcome and the hits (term, category, offsets); platform roles see everything: the folded text, each hit's
    channel and techniques and its effect, and the context entry that applied. 403 for an enterprise the caller
    does not cover (a member: other than their own); 422 naming `enterprise_id` for one not registered (after the
    access check, so a token learns nothing of enterprises it does not cover)."""
    if principal.role is Role.MEMBER:
        with uow.reading() as tx:
            account = core.get_account(tx.conn, principal.account_id or "")
        own = account.enterprise_id if account is not None else None
        if enterprise_id is not None and enterprise_id != own:
            raise Forbidden("a member screens with their own enterprise's lists only")
        enterprise_id = own
    else:
        check_screening(principal, enterprise_id)
        if enterprise_id is not None:
            with uow.reading() as tx:
                known = core.get_enterprise(tx.conn, enterprise_id) is not None
            if not known:  # screening with the platform's lists alone would answer a question nobody asked
                raise InvalidInput(
                    f"no enterprise {enterprise_id!r}",
                    [FieldError(field="enterprise_id", message="no such enterprise; register it first")],
                    text=UNKNOWN_ENTERPRISE,
                    params={"id": repr(enterprise_id)},
                )
    hits = screener.screen_in(enterprise_id, text) if isinstance(screener, BatchScreener) else screener.screen(text)
    if principal.role is Role.MEMBER:
        return ScreeningOut(text=text, blocked=judge(rule, hits, situation.kind, lambda: situation).blocked)
    return screening(rule, text, hits, situation, full=principal.role in GLOBAL_ROLES)


def screening(
    rule: SensitiveWords, text: str, hits: Sequence[Hit], situation: Circumstances, full: bool
) -> ScreeningOut:
    """The S-A6 judgement of `text`'s `hits` in `situation`, as shown: with `full` (platform roles, `warden screen`)
    the folded text, each hit's channel and techniques and the context entry that applied; without, the outcome and
    the hits (term, category, offsets, effect) only."""
    j = judge(rule, hits, situation.kind, lambda: situation)
    strong, weak, passed = set(j.strong), set(j.weak), set(j.passed)

    def effect(h: Hit) -> str:
        if h in strong:
            return "blocks" if j.blocked else "warns"
        return "warns" if h in weak else ("passed" if h in passed else "ignored")

    out = [
        HitOut(
            term=h.term,
            category=h.category,
            severity=h.severity,
            channel=h.channel if full else None,
            start=h.start,
            end=h.end,
            matched=h.matched,
            techniques=list(techniques(h)) if full else None,
            effect=effect(h),
            named=why_named(h, hits, text) if full else None,
        )
        for h in hits
    ]
    age = situation.contact_age
    return ScreeningOut(
        text=text,
        blocked=j.blocked,
        outcome=j.outcome,
        folded=fold_text(text) if full else None,
        situation=SituationOut(
            kind=situation.kind,
            audience=situation.audience,
            contact_age_seconds=int(age.total_seconds()) if age is not None else None,
            initiated_by=situation.initiated_by,
        ),
        context=(
            ContextOut(
                name=j.context.name,
                note=j.context.note,
                verdict=j.context.verdict or ("deny" if situation.kind == "greeting" else "warn"),
                pass_categories=j.context.pass_categories,
            )
            if full and j.context is not None
            else None
        ),
        hits=out,
    )
