"""Who may do what in the core feature: pure role predicates over the kernel's `Principal`, and the checks that
raise the kernel's `Forbidden` (403) or `NotFound` (404) with the sentence the caller reads.

| what | who (global: platform, reviewers, auditors) |
| --- | --- |
| send events, write the directory | platform |
| read an enterprise | global; that enterprise's admins, HR, investigators, analysts |
| read an account (record, explanation, restrictions) | global; its enterprise's admins, HR, investigators; its member |
| read an enterprise's restrictions | global; that enterprise's admins and HR |
| read and verify the audit trail | auditors, reviewers, platform |
| read the policy in full (thresholds, its file's path) | global; everyone else reads its label, hash and rule titles |

Out of tenant is 403 whether or not the thing exists (no leak); only the roles that see every tenant learn that
it does not (404).
"""

from __future__ import annotations

from warden.kernel.access import GLOBAL_ROLES, Principal, Role
from warden.kernel.errors import Forbidden, NotFound
from warden.kernel.model import Account

EVENT_SENDERS = (Role.PLATFORM,)
DIRECTORY_WRITERS = (Role.PLATFORM,)
AUDIT_READERS = (Role.AUDITOR, Role.REVIEWER, Role.PLATFORM)
ENTERPRISE_RESTRICTION_READERS = (Role.ENTERPRISE_ADMIN, Role.HR)
"""Besides the global roles, who reads their own enterprise's restrictions (and sees whom a cascade counted)."""


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
