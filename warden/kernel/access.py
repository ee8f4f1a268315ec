"""Who may see and do what (roles scoped to a tenant), and who is acting. Pure: the HTTP layer asks, this answers.

**One person, one identity** (issue 12). Every token belongs to a person (`people`); a person may hold several
tokens (a reviewer's laptop and phone, a second role). The actor string recorded in the audit trail names the
person, not the token: `role:person[@scope]` (`reviewer:zhang`, `member:p-1@acc-1`). Four-eyes checks compare
people (`same_person`), so two tokens of one person are one pair of eyes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


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
    """Who is calling: the token (`token_id`), its role and scope, and the person it belongs to (`person_id`;
    None for a principal built in process — the CLI, a test — which then stands for a person of its own id)."""

    token_id: str
    role: Role
    enterprise_id: str | None = None
    account_id: str | None = None
    person_id: str | None = None

    @property
    def person(self) -> str:
        """The person acting: `person_id`, else the token id."""
        return self.person_id or self.token_id

    @property
    def actor(self) -> str:
        """The audit trail's name for who acted: `role:person[@scope]`."""
        scope = self.account_id or self.enterprise_id
        return f"{self.role.value}:{self.person}" + (f"@{scope}" if scope else "")

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


def person_of(actor: str) -> str:
    """The person an actor string names: `reviewer:zhang@ent-1` → `zhang`; an actor without a role (`cli`,
    `system`) is its own name."""
    _, sep, rest = actor.partition(":")
    return rest.partition("@")[0] if sep else actor


def same_person(a: str | None, b: str | None) -> bool:
    """Whether two actor strings name one person, whatever role or token each acted with (four eyes)."""
    return a is not None and b is not None and person_of(a) == person_of(b)


def validate_scope(role: Role, enterprise_id: str | None, account_id: str | None) -> str | None:
    """The error for a token whose scope does not fit its role, or None."""
    if role in GLOBAL_ROLES and (enterprise_id or account_id):
        return f"role {role.value} is platform-wide; do not give an enterprise or account"
    if role in ENTERPRISE_ROLES and (not enterprise_id or account_id):
        return f"role {role.value} needs an enterprise (and no account)"
    if role is Role.MEMBER and not account_id:
        return "role member needs the account it belongs to"
    return None


ACTOR_FIELDS = ("actor", "claimed_by", "proposed_by", "decided_by", "confirmed_by", "declined_by", "requested_by")
"""Keys of answers that name an actor; `with_actor_labels` puts `<key>_label` (the person's name) beside each."""


def actor_label(actor: str, names: Mapping[str, str]) -> str:
    """The name people read for `actor`: its person's name (`names`: person id → name), else the actor itself
    (`rules`, `system`, `cli`, a person who is not known)."""
    return names.get(person_of(actor), actor)


def actors_in(obj: Any) -> set[str]:
    """Every actor string under `ACTOR_FIELDS` keys in a nest of dicts and lists."""
    found: set[str] = set()
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k in ACTOR_FIELDS and isinstance(v, str):
                found.add(v)
            else:
                found |= actors_in(v)
    elif isinstance(obj, list):
        for v in obj:
            found |= actors_in(v)
    return found


def with_actor_labels(obj: Any, names: Mapping[str, str]) -> Any:
    """`obj` (dicts and lists, changed in place and returned) with `<key>_label` beside every actor key of
    `ACTOR_FIELDS` (None beside a None actor); the raw actor stays for machines."""
    if isinstance(obj, dict):
        for k in [k for k in obj if k in ACTOR_FIELDS]:
            v = obj[k]
            obj[f"{k}_label"] = actor_label(v, names) if isinstance(v, str) else None
        for k, v in obj.items():
            if k not in ACTOR_FIELDS:
                with_actor_labels(v, names)
    elif isinstance(obj, list):
        for v in obj:
            with_actor_labels(v, names)
    return obj
