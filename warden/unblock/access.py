"""Who may drive and see an unblock (S-D1, S-D2). Pure: the service asks with what it read, this answers.

Members act for themselves; the platform's integration may act for any member (its app relays the member's
taps); enterprise admins and HR may look at their members' applications; reviewers and auditors see all.
Out of scope answers 403 whether or not the thing exists, so only platform-wide roles learn that it does not.
"""

from __future__ import annotations

from warden.kernel.access import GLOBAL_ROLES, Principal, Role


def may_drive(principal: Principal, account_id: str) -> bool:
    """Apply, check health, ask for codes, verify, name helpers: the owner, or the platform for them."""
    return principal.role is Role.PLATFORM or (principal.role is Role.MEMBER and principal.account_id == account_id)


def may_confirm(principal: Principal, helper_id: str) -> bool:
    """Confirm as a helper: the named helper, or the platform for them."""
    return principal.role is Role.PLATFORM or (principal.role is Role.MEMBER and principal.account_id == helper_id)


def may_decline(principal: Principal, helper_id: str) -> bool:
    """Decline a help request (issue 14): the named helper, or the platform for them (as confirming)."""
    return may_confirm(principal, helper_id)


def may_report_platform_check(principal: Principal) -> bool:
    """Report the platform's own face/ID check of a requester (issue 15): the platform's integration only."""
    return principal.role is Role.PLATFORM


def may_view(principal: Principal, account_id: str, enterprise_id: str) -> bool:
    """See an account's applications, or what a helper was asked."""
    return principal.can_view_account(account_id, enterprise_id)


def told_missing(principal: Principal) -> bool:
    """Whether a missing account or application is a 404 for this caller (else a 403, as if out of scope)."""
    return principal.role in GLOBAL_ROLES


def may_report(principal: Principal) -> bool:
    """Report a third-party unblock after the fact (S-D4): the platform's integration only."""
    return principal.role is Role.PLATFORM
