"""Who may do what in the core feature: pure role predicates over the kernel's `Principal`, and the checks that
raise the kernel's `Forbidden` (403) or `NotFound` (404) with the sentence the caller reads.

| what | who (global: platform, reviewers, auditors) |
| --- | --- |
| send events, write the directory | platform |
| read an enterprise | global; that enterprise's admins, HR, investigators, analysts |
| read an account (record, explanation, restrictions) | global; its enterprise's admins, HR, investigators; its member |
| read an enterprise's restrictions | global; that enterprise's admins and HR |
| read and verify the audit trail | auditors, reviewers, platform |
| list the API tokens | platform |
| lift a restriction, void or overturn a strike | reviewers |
| … when it ends a permanent or an enterprise ban | a reviewer proposes, a *different person* confirms |
| read such a proposal | reviewers, platform, auditors |

**Four eyes on ending a ban** (issue 12). A permanent ban (ladder step 5, scope account, no end) and any restriction
of an enterprise end only when two people agree: `needs_second_person` says which restrictions, `weakened` whether a
change ends or shortens one. People, not tokens, are compared (`kernel.access.same_person`).
| read the policy in full (thresholds, its file's path) | global; everyone else reads its label, hash and rule titles |

Out of tenant is 403 whether or not the thing exists (no leak); only the roles that see every tenant learn that
it does not (404).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime

from warden.kernel.access import GLOBAL_ROLES, Principal, Role
from warden.kernel.errors import Forbidden, NotFound
from warden.kernel.model import SCOPE_ORDER, Account, Restriction, Scope

EVENT_SENDERS = (Role.PLATFORM,)
DIRECTORY_WRITERS = (Role.PLATFORM,)
AUDIT_READERS = (Role.AUDITOR, Role.REVIEWER, Role.PLATFORM)
ENTERPRISE_RESTRICTION_READERS = (Role.ENTERPRISE_ADMIN,)  # issue 15: the admin appeals them; HR does not
"""Besides the global roles, who reads their own enterprise's restrictions (and sees whom a cascade counted)."""
TOKEN_READERS = (Role.PLATFORM,)
MODERATORS = (Role.REVIEWER,)
"""Who lifts restrictions, voids or overturns strikes, and confirms a proposal to end a ban."""
PROPOSAL_READERS = (Role.REVIEWER, Role.PLATFORM, Role.AUDITOR)

PERSON_HANDLE_RULE = "1 to 64 of a-z, 0-9, '.', '_', '-', starting with a letter or digit (case does not count)"
_HANDLE = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")


def person_handle(raw: str) -> str | None:
    """The canonical handle of a person (NFKC, lower case, trimmed), or None when `raw` is not one
    (`PERSON_HANDLE_RULE`). `Zhang` and `ｚｈａｎｇ` are both `zhang`: one person."""
    pid = unicodedata.normalize("NFKC", raw).strip().casefold()
    return pid if _HANDLE.fullmatch(pid) else None


def needs_second_person(r: Restriction, top: int) -> bool:
    """Whether ending `r` takes a second person: a permanent ban (no end, the ladder's top, scope account) or any
    restriction of an enterprise (as the appeals desk's four eyes: `appeals.model.needs_four_eyes`)."""
    return r.subject_type == "enterprise" or r.permanent or r.step >= top or r.scope is Scope.ACCOUNT


def weakened(before: Restriction, after: Restriction | None, now: datetime) -> bool:
    """Whether `after` (the same restriction once a change is made; None: gone) ends or eases `before` as it
    stands at `now`: no longer active, an end where there was none or an earlier one, or a narrower scope."""
    if not before.active_at(now):
        return False
    if after is None or not after.active_at(now):
        return True
    if after.ends_at is not None and (before.ends_at is None or after.ends_at < before.ends_at):
        return True
    return SCOPE_ORDER[after.scope] < SCOPE_ORDER[before.scope]


def may_send_events(p: Principal) -> bool:
    return p.role in EVENT_SENDERS


def may_write_directory(p: Principal) -> bool:
    return p.role in DIRECTORY_WRITERS


def may_read_audit(p: Principal) -> bool:
    return p.role in AUDIT_READERS


def may_read_policy_in_full(p: Principal) -> bool:
    """Thresholds and where the policy file lives are for the platform's roles (issue 12)."""
    return p.role in GLOBAL_ROLES


def may_read_enterprise(p: Principal, enterprise_id: str) -> bool:
    return p.can_view_enterprise(enterprise_id)


def may_read_account(p: Principal, account: Account) -> bool:
    return p.can_view_account(account.id, account.enterprise_id)


def may_read_enterprise_restrictions(p: Principal, enterprise_id: str) -> bool:
    return p.role in GLOBAL_ROLES or (p.role in ENTERPRISE_RESTRICTION_READERS and p.enterprise_id == enterprise_id)


def may_list_tokens(p: Principal) -> bool:
    return p.role in TOKEN_READERS


def may_moderate(p: Principal) -> bool:
    return p.role in MODERATORS


def told_missing(p: Principal) -> bool:
    """Whether `p` may learn that a thing does not exist (a role that sees every tenant)."""
    return p.role in GLOBAL_ROLES


def _require(p: Principal, allowed: bool, roles: tuple[Role, ...]) -> None:
    if not allowed:
        raise Forbidden(f"this needs one of the roles: {', '.join(r.value for r in roles)}")


def check_send_events(p: Principal) -> None:
    _require(p, may_send_events(p), EVENT_SENDERS)


def check_write_directory(p: Principal) -> None:
    _require(p, may_write_directory(p), DIRECTORY_WRITERS)


def check_read_audit(p: Principal) -> None:
    _require(p, may_read_audit(p), AUDIT_READERS)


def check_list_tokens(p: Principal) -> None:
    _require(p, may_list_tokens(p), TOKEN_READERS)


def check_moderate(p: Principal) -> None:
    _require(p, may_moderate(p), MODERATORS)


def check_read_proposals(p: Principal) -> None:
    _require(p, p.role in PROPOSAL_READERS, PROPOSAL_READERS)


def check_enterprise(p: Principal, enterprise_id: str) -> None:
    """Forbidden unless `p` covers the enterprise, whether or not it exists."""
    if not may_read_enterprise(p, enterprise_id):
        raise Forbidden("this token does not cover that enterprise")


def check_enterprise_restrictions(p: Principal, enterprise_id: str) -> None:
    """Forbidden unless `p` may read the enterprise's restrictions, whether or not it exists."""
    if not may_read_enterprise_restrictions(p, enterprise_id):
        raise Forbidden("this token does not cover that enterprise")


def check_account(p: Principal, account: Account | None, account_id: str) -> Account:
    """`account` if `p` may read it. A missing account (None) is NotFound for the global roles and Forbidden for
    every other, like an account out of the caller's tenant."""
    if account is None:
        if told_missing(p):
            raise NotFound(f"no account {account_id!r}")
        raise Forbidden("this token does not cover that account")
    if not may_read_account(p, account):
        raise Forbidden("this token does not cover that account")
    return account
