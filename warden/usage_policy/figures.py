"""Reading an enterprise's compliance: its figures (S-E1–S-E5, issue 7 §5) and cases rendered for a caller's role,
with stable pseudonyms for those who may not see real account ids."""

from __future__ import annotations

from typing import Any

from warden.adapters import store as core
from warden.adapters.store import M
from warden.adapters.uow import UnitOfWork
from warden.kernel.access import Principal
from warden.kernel.errors import NotFound
from warden.usage_policy import access, store
from warden.usage_policy.model import Case, figures, pseudonym
from warden.usage_policy.policies import PolicyAdmin
from warden.usage_policy.views import CaseOut, FiguresOut, Namer, render_case


class Figures:
    """Figures and case views; pseudonym keys come from the enterprise's policy row (`PolicyAdmin`)."""

    def __init__(self, uow: UnitOfWork, policies: PolicyAdmin) -> None:
        self.uow = uow
        self.policies = policies

    def figures(self, principal: Principal, enterprise_id: str) -> FiguresOut:
        """The enterprise's figures (times in seconds) for a caller who may read them (`access.FIGURE_READERS`),
        with real account ids for the content roles and pseudonyms for the others."""
        access.check_tenant(principal, enterprise_id, access.FIGURE_READERS)
        names_visible = access.shows_real_names(principal, self.policies.settings)
        with self.uow.reading() as tx:
            if core.get_enterprise(tx.conn, enterprise_id) is None:
                raise NotFound(f"no enterprise {enterprise_id!r}")
            cases = store.enterprise_cases(tx.conn, enterprise_id)
            hits = store.hits_per_rule(tx.conn, enterprise_id)
        name = (lambda a: a) if names_visible else self.namer(enterprise_id)
        return FiguresOut.model_validate(
            figures(cases, hits, tx.now, name)
            | {"enterprise_id": enterprise_id, "names": "real" if names_visible else "pseudonymised"}
        )

    def namer(self, enterprise_id: str) -> Namer:
        key = self.policies.pseudonym_key(enterprise_id)
        return lambda account_id: pseudonym(key, enterprise_id, account_id)

    def labelled(self, answer: M) -> M:
        """`answer` with the person's name beside each actor (`core.label_model`)."""
        with self.uow.reading() as tx:
            return core.label_model(tx.conn, answer)

    def case_view(self, case: Case, entries: list[dict[str, Any]] | None, principal: Principal, lang: str) -> CaseOut:
        """A case as this caller may see it (`views.render_case`), with its timeline when `entries` is given.
        The caller got `case` (and `entries`) from `CaseDesk` or `CaseOutcomes`, which checked it may see them."""
        now = self.uow.clock.now()
        name = (
            (lambda a: a)
            if access.shows_real_names(principal, self.policies.settings, case)
            else self.namer(case.enterprise_id)
        )
        out = render_case(case, entries, principal, lang, now, self.policies.settings, name)
        with self.uow.reading() as tx:
            return core.label_model(tx.conn, out)
