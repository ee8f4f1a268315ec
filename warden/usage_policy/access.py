"""Who may do what with an enterprise's usage policy and its cases (Purview-style roles). Pure.

The enterprise admin configures and sees cases pseudonymised without content; HR and investigators see content
and decide; analysts see figures only; platform reviewers and auditors read every enterprise; an employee sees
their own case, gives a statement and reports what they saw. Out of scope answers 403 whether or not the thing
exists. Each check raises `Forbidden`; each predicate returns a bool.
"""

from __future__ import annotations

from warden.kernel.access import Principal, Role
from warden.kernel.errors import Forbidden
from warden.usage_policy.model import Case

CONTENT_ROLES = {Role.HR, Role.INVESTIGATOR, Role.REVIEWER, Role.AUDITOR}
"""Who sees case content (messages, statements, evidence) and real account ids."""
DECIDING_ROLES = {Role.HR, Role.INVESTIGATOR}
CASE_READERS = {Role.ENTERPRISE_ADMIN, Role.HR, Role.INVESTIGATOR, Role.REVIEWER, Role.AUDITOR}
FIGURE_READERS = {Role.ENTERPRISE_ADMIN, Role.HR, Role.INVESTIGATOR, Role.ANALYST, Role.REVIEWER, Role.AUDITOR}
POLICY_READERS = {Role.ENTERPRISE_ADMIN, Role.HR, Role.INVESTIGATOR, Role.REVIEWER, Role.AUDITOR}
POLICY_WRITERS = {Role.ENTERPRISE_ADMIN}
REPORTERS = {Role.MEMBER, Role.ENTERPRISE_ADMIN, Role.HR, Role.INVESTIGATOR}
CASE_LISTERS = CASE_READERS | {Role.MEMBER}


def check_tenant(principal: Principal, enterprise_id: str, roles: set[Role]) -> None:
    """403 unless the caller has one of `roles` and (for enterprise roles) is of this enterprise."""
    if principal.role not in roles:
        raise Forbidden(f"this needs one of the roles: {', '.join(sorted(r.value for r in roles))}")
    if not principal.can_view_enterprise(enterprise_id) and principal.role is not Role.MEMBER:
        raise Forbidden("this token does not cover that enterprise")
    if principal.role is Role.MEMBER and principal.enterprise_id != enterprise_id:
        raise Forbidden("this token does not cover that enterprise")


def is_global_reader(principal: Principal) -> bool:
    """Platform reviewers and auditors read every enterprise's cases (and get a 404 for a missing one)."""
    return principal.role in (Role.REVIEWER, Role.AUDITOR)


def check_case(principal: Principal, case: Case | None) -> None:
    """403 unless the caller may see `case`; `None` (no such case) is a 403 too, except for global readers,
    who are told nothing more than that (the caller raises their 404)."""
    if is_global_reader(principal):
        return
    if case is None:
        raise Forbidden("this token does not cover that case")
    if principal.role is Role.MEMBER:
        if principal.account_id != case.account_id:
            raise Forbidden("this token does not cover that case")
        return
    if principal.role not in CASE_READERS or principal.enterprise_id != case.enterprise_id:
        raise Forbidden("this token does not cover that case")


def check_statement_giver(principal: Principal) -> None:
    """A statement comes from the employee (whose case it is, see `check_case`), or is recorded by HR or an
    investigator."""
    if principal.role is not Role.MEMBER and principal.role not in DECIDING_ROLES:
        raise Forbidden("a statement comes from the employee, or is recorded by HR or an investigator")


def check_decider(principal: Principal, what: str = "of the enterprise decides a case") -> None:
    """Only HR or an investigator decides, classifies, or records training completion."""
    if principal.role not in DECIDING_ROLES:
        raise Forbidden(f"only HR or an investigator {what}")


def sees_content(principal: Principal) -> bool:
    """Content (messages, statements, evidence) and real account ids."""
    return principal.role in CONTENT_ROLES


def owns_case(principal: Principal, case: Case) -> bool:
    """The employee the case is about."""
    return principal.role is Role.MEMBER and principal.account_id == case.account_id


def own_cases_only(principal: Principal) -> str | None:
    """The account an employee's case listing is limited to (None: every case of the enterprise)."""
    return principal.account_id if principal.role is Role.MEMBER else None


def shows_real_names(principal: Principal, case: Case) -> bool:
    """Real account ids in a case: for content roles and for the employee it is about; pseudonyms otherwise."""
    return sees_content(principal) or owns_case(principal, case)
