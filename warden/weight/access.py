"""Who may see a weight (S-B). Pure role predicates over the kernel's `Principal`.

A member sees their own account; enterprise admins and HR see their enterprise and its members; platform,
reviewers and auditors see all. Out of tenant is 403 whether or not the thing exists (no leak).
"""

from __future__ import annotations

from warden.kernel.access import Principal, Role
from warden.kernel.errors import Forbidden, NotFound
from warden.kernel.model import Account

SEES_ALL = (Role.PLATFORM, Role.REVIEWER, Role.AUDITOR)
"""Roles that see every tenant, and so may learn that an account does not exist."""


def check_account(principal: Principal, account: Account | None, account_id: str = "") -> None:
    """Raise unless `principal` may see `account` (None: it does not exist: NotFound for a role that sees all,
    Forbidden for any other, so a tenant cannot probe for ids)."""
    if account is None:
        if principal.role in SEES_ALL:
            raise NotFound(f"no account {account_id!r}")
        raise Forbidden("this token does not cover that account")
    if not principal.can_view_account(account.id, account.enterprise_id):
        raise Forbidden("this token does not cover that account")


def check_enterprise(principal: Principal, enterprise_id: str) -> None:
    """Raise Forbidden unless `principal` covers the enterprise (whether or not it exists)."""
    if not principal.can_view_enterprise(enterprise_id):
        raise Forbidden("this token does not cover that enterprise")
