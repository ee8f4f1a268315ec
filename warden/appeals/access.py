"""Who may do what on the appeals desk: pure predicates and guards over the `Principal` (no I/O).

Out of scope is 403 whether or not the thing exists, so a token never learns of appeals it does not cover.
"""

from __future__ import annotations

from typing import Literal

from warden.appeals.model import Appeal, AppealKind
from warden.kernel.access import GLOBAL_ROLES, Principal, Role, same_person
from warden.kernel.errors import Conflict, Forbidden, NotFound
from warden.kernel.model import Account, Strike


def may_view(p: Principal, a: Appeal) -> bool:
    """Reviewers, platform and auditors see every appeal; an admin their enterprise's; a member their own."""
    if p.role in GLOBAL_ROLES:
        return True
    if p.role is Role.ENTERPRISE_ADMIN:
        return p.enterprise_id == a.enterprise_id
    return p.role is Role.MEMBER and a.account_id is not None and p.account_id == a.account_id


def is_appellant_side(p: Principal, a: Appeal) -> bool:
    """The member of a member appeal; the enterprise's admin of an enterprise appeal."""
    if a.kind is AppealKind.ENTERPRISE:
        return p.role is Role.ENTERPRISE_ADMIN and p.enterprise_id == a.enterprise_id
    return p.role is Role.MEMBER and p.account_id == a.account_id


def visible(p: Principal, a: Appeal | None, appeal_id: str) -> Appeal:
    """The appeal if the caller may see it; out of scope is 403 whether or not it exists (no leak)."""
    if a is None:
        if p.role in GLOBAL_ROLES:
            raise NotFound(f"no appeal {appeal_id!r}")
        raise Forbidden("this token does not cover that appeal")
    if not may_view(p, a):
        raise Forbidden("this token does not cover that appeal")
    return a


def require_reviewer(p: Principal) -> None:
    if p.role is not Role.REVIEWER:
        raise Forbidden("this needs the reviewer role")


def require_role(p: Principal, *roles: Role) -> None:
    """The manual actions' gate (reviewer; for strike requests also platform; to read them also auditor)."""
    if p.role not in roles:
        raise Forbidden(f"this needs one of the roles: {', '.join(r.value for r in roles)}")


def require_desk(p: Principal) -> None:
    """The review queue is for reviewers, platform and auditors."""
    if p.role not in GLOBAL_ROLES:
        raise Forbidden("the review queue is for reviewers")


def require_outbox(p: Principal) -> None:
    if p.role not in GLOBAL_ROLES:
        raise Forbidden("the notification outbox is for reviewers and auditors")


def list_scope(p: Principal) -> tuple[Literal["enterprise", "account"], str | None] | None:
    """Which appeals a listing covers: ("enterprise", id), ("account", id), or None for all."""
    if p.role is Role.ENTERPRISE_ADMIN:
        return ("enterprise", p.enterprise_id)
    if p.role is Role.MEMBER:
        return ("account", p.account_id)
    if p.role not in GLOBAL_ROLES:
        raise Forbidden("this role sees no appeals")
    return None


def require_appellant(p: Principal, a: Appeal, what: str) -> None:
    """`what`: "uploads documents to this appeal", "withdraws an appeal"."""
    if not is_appellant_side(p, a):
        raise Forbidden(f"only the appellant {what}")


def require_download(p: Principal, a: Appeal) -> None:
    """Documents go to reviewers and the appellant's side (an admin also sees their members' evidence)."""
    allowed = p.role is Role.REVIEWER or is_appellant_side(p, a)
    if a.kind is AppealKind.MEMBER and p.role is Role.ENTERPRISE_ADMIN and p.enterprise_id == a.enterprise_id:
        allowed = True
    if not allowed:
        raise Forbidden("documents are served only to the appellant's side and reviewers")


def no_strike(p: Principal) -> Forbidden:
    """The refusal for a strike the caller may not appeal (or that does not exist: the same answer)."""
    if p.role in (Role.MEMBER, Role.ENTERPRISE_ADMIN):
        return Forbidden("this token cannot appeal that penalty")
    return Forbidden("appeals are opened by the member (own penalty) or the enterprise admin (enterprise's)")


def appellant_of(p: Principal, strike: Strike, account: Account | None) -> tuple[AppealKind, str, str | None]:
    """(kind, enterprise id, account id) of the appeal `p` may open on `strike`; `account` is the struck account
    (None for an enterprise strike). A member appeals their own penalty, an admin their enterprise's."""
    if strike.subject_type == "account":
        assert account is not None
        if not (p.role is Role.MEMBER and p.account_id == account.id):
            if p.role is Role.ENTERPRISE_ADMIN and p.enterprise_id == account.enterprise_id:
                raise Forbidden("a member appeals their own penalty (我要申诉); the admin cannot do it for them")
            raise no_strike(p)
        return AppealKind.MEMBER, account.enterprise_id, account.id
    if not (p.role is Role.ENTERPRISE_ADMIN and p.enterprise_id == strike.subject_id):
        raise no_strike(p)
    return AppealKind.ENTERPRISE, strike.subject_id, None


def must_hold(p: Principal, case_id: str, holder: str | None) -> None:
    """A reviewer acts on a case only while holding its claim (`holder`: who holds it, if anyone)."""
    if holder != p.actor:
        who = f"it is claimed by {holder}" if holder else "nobody holds it"
        raise Conflict(f"claim {case_id} first ({who})")


def may_read_notes(p: Principal) -> bool:
    """Reviewers' internal notes (issue 14): the desk's roles (reviewers, platform, auditors); never the appellant."""
    return p.role in GLOBAL_ROLES


def may_write_note(p: Principal) -> bool:
    """An internal note is written by a reviewer."""
    return p.role is Role.REVIEWER


def may_reassign(p: Principal, holder: str | None) -> bool:
    """A reviewer reassigns a case they hold, or one nobody holds (issue 14); a colleague's claim stays theirs."""
    return p.role is Role.REVIEWER and (holder is None or same_person(holder, p.actor))
