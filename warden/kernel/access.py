"""Who may see and do what (roles scoped to a tenant). Pure: the HTTP layer asks, this answers."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    PLATFORM = "platform"  # the platform's integration: ingest, directory, read all
    REVIEWER = "reviewer"  # trust-and-safety reviewers: read all, manual actions
    AUDITOR = "auditor"  # read all and the audit trail, change nothing
    ENTERPRISE_ADMIN = "enterprise_admin"  # their enterprise only
    HR = "hr"  # their enterprise only
    INVESTIGATOR = "investigator"  # their enterprise only: sees case content and decides (issue 7)
    ANALYST = "analyst"  # their enterprise only: counts, never content or names (issue 7)
    MEMBER = "member"  # their own account only


GLOBAL_ROLES = {Role.PLATFORM, Role.REVIEWER, Role.AUDITOR}
ENTERPRISE_ROLES = {Role.ENTERPRISE_ADMIN, Role.HR, Role.INVESTIGATOR, Role.ANALYST}


@dataclass(frozen=True)
class Principal:
    token_id: str
    role: Role
    enterprise_id: str | None = None
    account_id: str | None = None

    @property
    def actor(self) -> str:
        scope = self.account_id or self.enterprise_id
        return f"{self.role.value}:{self.token_id}" + (f"@{scope}" if scope else "")

    def can_view_enterprise(self, enterprise_id: str) -> bool:
        if self.role in GLOBAL_ROLES:
            return True
        return self.role in ENTERPRISE_ROLES and self.enterprise_id == enterprise_id

    def can_view_account(self, account_id: str, enterprise_id: str) -> bool:
        if self.role in GLOBAL_ROLES:
            return True
        if self.role in ENTERPRISE_ROLES:  # analysts see counts only, never an account
            return self.enterprise_id == enterprise_id and self.role is not Role.ANALYST
        return self.role is Role.MEMBER and self.account_id == account_id

    def has(self, *roles: Role) -> bool:
        return self.role in roles


def validate_scope(role: Role, enterprise_id: str | None, account_id: str | None) -> str | None:
    """The error for a token whose scope does not fit its role, or None."""
    if role in GLOBAL_ROLES and (enterprise_id or account_id):
        return f"role {role.value} is platform-wide; do not give an enterprise or account"
    if role in ENTERPRISE_ROLES and (not enterprise_id or account_id):
        return f"role {role.value} needs an enterprise (and no account)"
    if role is Role.MEMBER and not account_id:
        return "role member needs the account it belongs to"
    return None
