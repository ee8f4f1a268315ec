"""Who may do what with an enterprise's usage policy and its cases (Purview-style roles). Pure.

The enterprise admin configures the policy; what the admin, HR and investigators see and may do on a case is the
policy's `enterprise_usage.case_access` (issue 15, `case_role`); analysts see figures only; platform reviewers and
auditors read every enterprise and act on none; an employee sees their own case, gives a statement, uploads
evidence and reports what they saw. Out of scope answers 403 whether or not the thing
exists. Each check raises `Forbidden`; each predicate returns a bool.
"""

from __future__ import annotations

from warden.kernel.access import Principal, Role
from warden.kernel.errors import Forbidden
from warden.usage_policy.model import Case
from warden.usage_policy.policy import CaseAction, CaseRoleAccess, EnterpriseUsageSettings

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


PLATFORM_READERS = CaseRoleAccess(see_content=True, real_names=True, actions=())
"""Platform reviewers and auditors: read everything, act on nothing (fixed, not policy)."""
OWN_CASE = CaseRoleAccess(see_content=True, real_names=True, actions=("statement", "evidence"))
"""The employee on their own case (fixed): sees it (never who reported it), gives a statement, uploads evidence."""
NOTHING = CaseRoleAccess(see_content=False, real_names=False, actions=())


def case_role(principal: Principal, s: EnterpriseUsageSettings, case: Case | None = None) -> CaseRoleAccess:
    """What the caller sees and may do on a case of its enterprise: the policy's `case_access` for the enterprise
    roles (admin, HR, investigator), fixed for the platform readers and for the employee on their own case."""
    role = principal.role
    if role in (Role.REVIEWER, Role.AUDITOR):
        return PLATFORM_READERS
    if role is Role.MEMBER:
        return OWN_CASE if case is not None and principal.account_id == case.account_id else NOTHING
    if role in (Role.ENTERPRISE_ADMIN, Role.HR, Role.INVESTIGATOR):
        return getattr(s.case_access, role.value)  # type: ignore[no-any-return]
    return NOTHING


ACTION_WORDS = {
    "statement": "record a statement",
    "evidence": "upload evidence",
    "decide": "decide a case",
    "complete_training": "record training completion",
    "classify": "classify a case",
    "reverse": "reverse an outcome",
}


def check_case_action(principal: Principal, case: Case, action: CaseAction, s: EnterpriseUsageSettings) -> None:
    """403 unless the policy's `case_access` (or the fixed rule for employees and platform readers) lets the
    caller do `action` on `case` (which `check_case` already let it see)."""
    if action not in case_role(principal, s, case).actions:
        raise Forbidden(
            f"the role {principal.role.value} may not {ACTION_WORDS[action]} on this case "
            "(enterprise_usage.case_access in the policy)"
        )


def may_act(principal: Principal, case: Case, action: CaseAction, s: EnterpriseUsageSettings) -> bool:
    return action in case_role(principal, s, case).actions


def sees_content(principal: Principal, s: EnterpriseUsageSettings, case: Case | None = None) -> bool:
    """Content (messages, statements, evidence, notes) of the enterprise's cases."""
    return case_role(principal, s, case).see_content and not owns_case(principal, case)


def owns_case(principal: Principal, case: Case | None) -> bool:
    """The employee the case is about."""
    return case is not None and principal.role is Role.MEMBER and principal.account_id == case.account_id


def own_cases_only(principal: Principal) -> str | None:
    """The account an employee's case listing is limited to (None: every case of the enterprise)."""
    return principal.account_id if principal.role is Role.MEMBER else None


def shows_real_names(principal: Principal, s: EnterpriseUsageSettings, case: Case | None = None) -> bool:
    """Real account ids: per the caller's `case_access` (the employee always sees their own)."""
    return case_role(principal, s, case).real_names
