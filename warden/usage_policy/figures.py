"""Reading an enterprise's compliance: its figures (S-E1–S-E5, issue 7 §5) and cases rendered for a caller's role,
with stable pseudonyms for those who may not see real account ids."""

from __future__ import annotations

from typing import Any

from warden.adapters import store as core
from warden.kernel.access import Principal
from warden.kernel.clock import Clock
from warden.kernel.errors import NotFound
from warden.usage_policy import access, store
from warden.usage_policy.model import Case, figures, pseudonym
from warden.usage_policy.policies import PolicyAdmin
from warden.usage_policy.store import Engine
from warden.usage_policy.views import CaseOut, Namer, render_case


class Figures:
    """Figures and case views; pseudonym keys come from the enterprise's policy row (`PolicyAdmin`)."""

    def __init__(self, engine: Engine, policies: PolicyAdmin, clock: Clock) -> None:
        self.engine = engine
        self.policies = policies
        self.clock = clock

    def figures(self, enterprise_id: str, names_visible: bool) -> dict[str, Any]:
        """The enterprise's figures (the shape of `views.FiguresOut`; times in seconds), with real account ids
        only when `names_visible`."""
        with store.reading(self.engine) as conn:
            if core.get_enterprise(conn, enterprise_id) is None:
                raise NotFound(f"no enterprise {enterprise_id!r}")
            cases = store.enterprise_cases(conn, enterprise_id)
            hits = store.hits_per_rule(conn, enterprise_id)
        name = (lambda a: a) if names_visible else self.namer(enterprise_id)
        return figures(cases, hits, self.clock.now(), name) | {
            "enterprise_id": enterprise_id,
            "names": "real" if names_visible else "pseudonymised",
        }

    def figures_for(self, principal: Principal, enterprise_id: str) -> dict[str, Any]:
        """`figures` for a caller who may read them; real names for content roles."""
        access.check_tenant(principal, enterprise_id, access.FIGURE_READERS)
        return self.figures(enterprise_id, names_visible=access.sees_content(principal))

    def namer(self, enterprise_id: str) -> Namer:
        key = self.policies.pseudonym_key(enterprise_id)
        return lambda account_id: pseudonym(key, enterprise_id, account_id)

    def case_view(self, case: Case, entries: list[dict[str, Any]] | None, principal: Principal, lang: str) -> CaseOut:
        """A case as this caller may see it (`views.render_case`), with its timeline when `entries` is given."""
        now = self.clock.now()
        name = (lambda a: a) if access.shows_real_names(principal, case) else self.namer(case.enterprise_id)
        return render_case(case, entries, principal, lang, now, self.policies.settings, name)
