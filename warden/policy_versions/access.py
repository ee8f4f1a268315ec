"""Who may read and change the policy's versions. Pure.

Every global role (platform, reviewers, auditors) reads versions, stages, shadow differences and figures; only the
platform's integration and trust-and-safety reviewers write a version or move one between stages. Everyone else: 403.
"""

from __future__ import annotations

from warden.kernel.access import GLOBAL_ROLES, Principal, Role
from warden.kernel.errors import Forbidden

WRITERS = frozenset({Role.PLATFORM, Role.REVIEWER})


def check_read(principal: Principal) -> None:
    if principal.role not in GLOBAL_ROLES:
        raise Forbidden("policy versions are read by the platform's roles only")


def check_write(principal: Principal) -> None:
    if principal.role not in WRITERS:
        raise Forbidden("only the platform or a reviewer may write or promote a policy version")
