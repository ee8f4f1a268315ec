"""Who may read and change which word lists (S-A6), and screen with an enterprise's lists. Pure.

The platform's lists are kept by platform reviewers (and the platform token); an enterprise's by its admin and
platform reviewers; every global role reads them all. Each check raises `Forbidden`.
"""

from __future__ import annotations

from warden.kernel.access import GLOBAL_ROLES, Principal, Role
from warden.kernel.errors import Forbidden
from warden.word_lists.model import PLATFORM


def check_lists(principal: Principal, scope: str, write: bool) -> None:
    """403 unless the caller may read (or, with `write`, replace) the lists of `scope`."""
    if scope == PLATFORM:
        allowed = {Role.PLATFORM, Role.REVIEWER} if write else GLOBAL_ROLES
        if principal.role not in allowed:
            raise Forbidden("the platform's lists are kept by platform reviewers")
        return
    if principal.role in ({Role.REVIEWER, Role.PLATFORM} if write else GLOBAL_ROLES):
        return
    if principal.role is Role.ENTERPRISE_ADMIN and principal.enterprise_id == scope:
        return
    raise Forbidden("this token does not cover that enterprise's lists")


def check_screening(principal: Principal, enterprise_id: str | None) -> None:
    """Screening with an enterprise's lists needs a token that covers the enterprise."""
    if enterprise_id is not None and not principal.can_view_enterprise(enterprise_id):
        raise Forbidden("this token does not cover that enterprise")
