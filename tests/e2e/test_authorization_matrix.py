"""The authorisation matrix (issue 12, "how to show it"), generated from the route table, on SQLite and PostgreSQL.

Every route the app mounts × every role × the caller's own tenant and another one. Two enterprises, each with a
member who is banned, applies to unblock, appeals with a document and has a usage-policy case, a second banned
member with a helper; the callers of the enterprise roles and the member belong to `ent-1` (the member is `acc-1`,
or the helper `acc-1h` where the route is the helper's). `SPECS` says, per route, how to call it on tenant `t`
and who may: a predicate over the caller's `Principal` and the tenant's objects that asks the slice's own access
rules (`enforcement.access`, `appeals.access`, `unblock.access`, `usage_policy.access`, `weight.access`,
`word_lists.access`). A route mounted without a spec, or a spec for no route, fails the test.

For each request:

- a caller the rules refuse gets a 403 Problem Details, and the audit trail did not move (no write, no read
  recorded);
- a caller the rules let through is not refused (no 401, 403): reads answer 2xx; a write may still be a 404, 409
  or 422 for the state it finds (a second appeal on one penalty, a claim no one holds);
- nothing answers 5xx;
- an answer to a caller of `ent-1` (enterprise roles, the member) names nothing of `ent-2`: no id of its
  enterprise, accounts, applications, appeals, cases, strikes or restrictions, no phone number;
- and whatever the access rules say, no caller of `ent-1` but the platform's roles is let through on `ent-2`.

Within a route the refusals are asked first, so a write let through (a helper's single-use token) cannot turn a
refusal into a 404.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts

from tests.conftest import World
from tests.unblock_support import CLEAN, plugin_ban, relate, token_from
from warden.app import App
from warden.appeals import access as appeals_access
from warden.appeals.document_store import LocalDocumentStore
from warden.appeals.model import Appeal
from warden.appeals.notifier import MemoryNotifier
from warden.appeals.service import Appeals
from warden.appeals.uploads import tiny_png
from warden.enforcement import access as core_access
from warden.entrypoints.http.app import create_app
from warden.kernel.access import GLOBAL_ROLES, Principal, Role
from warden.kernel.errors import Forbidden
from warden.kernel.model import Account, Strike
from warden.policy_versions import access as pv_access
from warden.settings import Settings
from warden.unblock import access as unblock_access
from warden.unblock.senders import MemorySender
from warden.usage_policy import access as usage_access
from warden.usage_policy.model import Case
from warden.usage_policy.policy import CaseAction, EnterpriseUsageSettings, UsagePolicyDoc
from warden.weight import access as weight_access
from warden.word_lists import access as lists_access

with warnings.catch_warnings():  # starlette deprecates its httpx-based client; pytest makes warnings errors
    warnings.simplefilter("ignore", UserWarning)
    from fastapi.testclient import TestClient

PROBLEM = "application/problem+json"
ROLES = [Role.PLATFORM, Role.REVIEWER, Role.AUDITOR, Role.ENTERPRISE_ADMIN, Role.HR, Role.INVESTIGATOR, Role.ANALYST]
VALID_ID = "110105199003071239"  # a resident ID number: the usage policy's detector opens a case
USAGE_RULES = [
    {
        "id": "personal-data",
        "title": "个人信息",
        "category": "privacy",
        "detectors": ["id_number"],
        "severity": "high",
        "action": "block_and_warn",
        "external_only": True,
    }
]
CALLERS = [r.value for r in ROLES] + ["member"]
"""The callers of every row: one per role (the enterprise roles of ent-1), and the member (acc-1, or the helper
acc-1h on the helper's routes)."""
NO_LIMITS = Settings(rate_limit_writes="none", rate_limit_screenings="none", rate_limit_failed_auth="none")


@dataclass
class Tenant:
    """One enterprise and what the routes act on in it."""

    n: int
    ent: str
    acc: str  # the banned member: unblock application, appeal, usage-policy case
    accx: str  # a second banned member, whose application names `acch` as helper
    acch: str  # the helper
    accounts: dict[str, Account] = field(default_factory=dict)
    strike: str = ""
    strike_row: Strike | None = None
    restriction: str = ""
    unblock: str = ""
    helper_token: str = ""
    helper_request: str = ""  # the request naming acch (its id, for declining it)
    appeal: Appeal | None = None
    case: Case | None = None
    proposal: str = ""  # a proposed permanent strike (four eyes), asked for on tenant 1

    def markers(self) -> set[str]:
        """Strings that name this tenant's things: none may reach a caller of another tenant."""
        assert self.appeal is not None and self.case is not None
        ids = {self.ent, self.acc, self.accx, self.acch, self.strike, self.restriction, self.unblock}
        ids |= {self.appeal.id, self.case.id, self.helper_token, self.helper_request}
        return ids | {a.phone for a in self.accounts.values()}


@dataclass
class Call:
    """How to call a route on a tenant: path, query, JSON body or a file, and who the member is."""

    path: str
    json: Any = None
    file: bytes | None = None
    member: str = "acc"  # the member caller's account: "acc" (the banned applicant) or "acch" (the helper)


@dataclass
class Spec:
    """A route's row of the matrix: `call(t, n)` (n numbers the request, for unique ids), `allow(p, t)`, and
    whether a let-through caller must get a 2xx (`read`) or may meet the state (404, 409, 422)."""

    call: Callable[[Tenant, int], Call]
    allow: Callable[[Principal, Tenant], bool]
    read: bool = False
    tenanted: bool = True  # False: the route names no tenant; asked once, with tenant 1's objects


def passes(check: Callable[[], object]) -> bool:
    """Whether an access check (one that raises `Forbidden`) lets the caller through."""
    try:
        check()
    except Forbidden:
        return False
    return True


def role(*roles: Role) -> Callable[[Principal, Tenant], bool]:
    return lambda p, t: p.role in roles


def account(t: Tenant, key: str = "acc") -> Account:
    return t.accounts[getattr(t, key)]


def sees_account(p: Principal, t: Tenant) -> bool:
    return core_access.may_read_account(p, account(t))


def event(t: Tenant, n: int) -> dict[str, Any]:
    at = "2026-11-26T09:00:00+00:00"
    return {"id": f"mx-{t.n}-{n}", "type": "login", "occurred_at": at, "account_id": t.acc, "device_id": "d"}


def appeal(t: Tenant) -> Appeal:
    assert t.appeal is not None
    return t.appeal


def strike(t: Tenant) -> Strike:
    assert t.strike_row is not None
    return t.strike_row


def case(t: Tenant) -> Case:
    assert t.case is not None
    return t.case


def usage(roles: set[Role]) -> Callable[[Principal, Tenant], bool]:
    return lambda p, t: passes(lambda: usage_access.check_tenant(p, t.ent, roles))


def on_case(action: CaseAction | None = None) -> Callable[[Principal, Tenant], bool]:
    """May see the case and (with `action`) do it, per the shipped policy's `enterprise_usage.case_access`."""

    def allow(p: Principal, t: Tenant) -> bool:
        return passes(lambda: usage_access.check_case(p, case(t))) and (
            action is None or usage_access.may_act(p, case(t), action, EnterpriseUsageSettings())
        )

    return allow


REVIEWER = role(Role.REVIEWER)
DOC = tiny_png(1)


def pv_read(p: Principal, t: Tenant) -> bool:
    return passes(lambda: pv_access.check_read(p))


def pv_write(p: Principal, t: Tenant) -> bool:
    return passes(lambda: pv_access.check_write(p))


SPECS: dict[tuple[str, str], Spec] = {
    # --- enforcement: system, events, directory, accounts, restrictions, audit ---------------------------------
    ("GET", "/v1/ping"): Spec(lambda t, n: Call("/v1/ping"), lambda p, t: True, read=True, tenanted=False),
    ("GET", "/v1/policy"): Spec(lambda t, n: Call("/v1/policy"), lambda p, t: True, read=True, tenanted=False),
    ("POST", "/v1/events"): Spec(
        lambda t, n: Call("/v1/events", event(t, n)), lambda p, t: core_access.may_send_events(p)
    ),
    ("POST", "/v1/event-batches"): Spec(
        lambda t, n: Call("/v1/event-batches", {"events": [event(t, n)]}), lambda p, t: core_access.may_send_events(p)
    ),
    ("PUT", "/v1/enterprises/{enterprise_id}"): Spec(
        lambda t, n: Call(
            f"/v1/enterprises/{t.ent}", {"name": t.ent, "verified": True, "created_at": "2024-01-01T00:00:00+00:00"}
        ),
        lambda p, t: core_access.may_write_directory(p),
    ),
    ("GET", "/v1/enterprises/{enterprise_id}"): Spec(
        lambda t, n: Call(f"/v1/enterprises/{t.ent}"), lambda p, t: core_access.may_read_enterprise(p, t.ent), read=True
    ),
    ("PUT", "/v1/accounts/{account_id}"): Spec(
        lambda t, n: Call(
            f"/v1/accounts/{t.acc}",
            {
                "enterprise_id": t.ent,
                "phone": account(t).phone,
                "real_name_verified": account(t).real_name_verified,
                "created_at": account(t).created_at.isoformat(),
            },
        ),
        lambda p, t: core_access.may_write_directory(p),
    ),
    ("GET", "/v1/accounts/{account_id}"): Spec(lambda t, n: Call(f"/v1/accounts/{t.acc}"), sees_account, read=True),
    ("GET", "/v1/accounts/{account_id}/explanation"): Spec(
        lambda t, n: Call(f"/v1/accounts/{t.acc}/explanation"), sees_account, read=True
    ),
    ("GET", "/v1/accounts/{account_id}/restrictions"): Spec(
        lambda t, n: Call(f"/v1/accounts/{t.acc}/restrictions"), sees_account, read=True
    ),
    ("GET", "/v1/enterprises/{enterprise_id}/restrictions"): Spec(
        lambda t, n: Call(f"/v1/enterprises/{t.ent}/restrictions"),
        lambda p, t: core_access.may_read_enterprise_restrictions(p, t.ent),
        read=True,
    ),
    ("GET", "/v1/audit/entries"): Spec(
        lambda t, n: Call("/v1/audit/entries"), lambda p, t: core_access.may_read_audit(p), read=True, tenanted=False
    ),
    ("GET", "/v1/audit/verification"): Spec(
        lambda t, n: Call("/v1/audit/verification"),
        lambda p, t: core_access.may_read_audit(p),
        read=True,
        tenanted=False,
    ),
    # --- weight ---------------------------------------------------------------------------------------------------
    ("GET", "/v1/accounts/{account_id}/weight"): Spec(
        lambda t, n: Call(f"/v1/accounts/{t.acc}/weight"),
        lambda p, t: passes(lambda: weight_access.check_account(p, account(t), t.acc)),
        read=True,
    ),
    ("GET", "/v1/enterprises/{enterprise_id}/weight"): Spec(
        lambda t, n: Call(f"/v1/enterprises/{t.ent}/weight"),
        lambda p, t: passes(lambda: weight_access.check_enterprise(p, t.ent)),
        read=True,
    ),
    # --- unblocking -----------------------------------------------------------------------------------------------
    ("POST", "/v1/unblocks"): Spec(
        lambda t, n: Call("/v1/unblocks", {"account_id": t.acc}), lambda p, t: unblock_access.may_drive(p, t.acc)
    ),
    ("GET", "/v1/unblocks"): Spec(
        lambda t, n: Call(f"/v1/unblocks?account_id={t.acc}"),
        lambda p, t: unblock_access.may_view(p, t.acc, t.ent),
        read=True,
    ),
    ("GET", "/v1/unblocks/{app_id}"): Spec(
        lambda t, n: Call(f"/v1/unblocks/{t.unblock}"), lambda p, t: unblock_access.may_view(p, t.acc, t.ent), read=True
    ),
    ("POST", "/v1/unblocks/{app_id}/health-check"): Spec(
        lambda t, n: Call(f"/v1/unblocks/{t.unblock}/health-check", CLEAN),
        lambda p, t: unblock_access.may_drive(p, t.acc),
    ),
    ("POST", "/v1/unblocks/{app_id}/codes"): Spec(
        lambda t, n: Call(f"/v1/unblocks/{t.unblock}/codes"), lambda p, t: unblock_access.may_drive(p, t.acc)
    ),
    ("POST", "/v1/unblocks/{app_id}/verification"): Spec(
        lambda t, n: Call(f"/v1/unblocks/{t.unblock}/verification", {"code": "000000"}),
        lambda p, t: unblock_access.may_drive(p, t.acc),
    ),
    ("POST", "/v1/unblocks/{app_id}/helpers"): Spec(
        lambda t, n: Call(f"/v1/unblocks/{t.unblock}/helpers", {"helper_ids": [t.acch]}),
        lambda p, t: unblock_access.may_drive(p, t.acc),
    ),
    ("POST", "/v1/unblocks/{app_id}/platform-checks"): Spec(
        lambda t, n: Call(f"/v1/unblocks/{t.unblock}/platform-checks", {"kind": "face", "passed": False}),
        lambda p, t: unblock_access.may_report_platform_check(p),
    ),
    ("POST", "/v1/helper-confirmations/{token}"): Spec(
        lambda t, n: Call(f"/v1/helper-confirmations/{t.helper_token}", {"device_id": "hd"}, member="acch"),
        lambda p, t: unblock_access.may_confirm(p, t.acch),
    ),
    ("POST", "/v1/helper-requests/{request_id}/decline"): Spec(
        lambda t, n: Call(f"/v1/helper-requests/{t.helper_request}/decline", member="acch"),
        lambda p, t: unblock_access.may_decline(p, t.acch),
    ),
    ("GET", "/v1/helper-requests"): Spec(
        lambda t, n: Call(f"/v1/helper-requests?helper_id={t.acch}", member="acch"),
        lambda p, t: unblock_access.may_view(p, t.acch, t.ent),
        read=True,
    ),
    ("POST", "/v1/unblock-reports"): Spec(  # issue 15: the platform reports a third-party unblock after the fact
        lambda t, n: Call("/v1/unblock-reports", {"account_id": t.acc, "platform": f"unblock-shop-{n}"}),
        lambda p, t: unblock_access.may_report(p),
    ),
    # --- appeals and the desk -------------------------------------------------------------------------------------
    ("POST", "/v1/appeals"): Spec(
        lambda t, n: Call("/v1/appeals", {"strike_id": t.strike, "statement": "我没有使用外挂"}),
        lambda p, t: passes(lambda: appeals_access.appellant_of(p, strike(t), account(t))),
    ),
    ("GET", "/v1/appeals"): Spec(
        lambda t, n: Call("/v1/appeals"),
        lambda p, t: passes(lambda: appeals_access.list_scope(p)),
        read=True,
        tenanted=False,
    ),
    ("GET", "/v1/appeals/{appeal_id}"): Spec(
        lambda t, n: Call(f"/v1/appeals/{appeal(t).id}"), lambda p, t: appeals_access.may_view(p, appeal(t)), read=True
    ),
    ("PUT", "/v1/appeals/{appeal_id}/documents/{kind}"): Spec(
        lambda t, n: Call(f"/v1/appeals/{appeal(t).id}/documents/evidence_2", file=DOC),
        lambda p, t: appeals_access.may_view(p, appeal(t)) and appeals_access.is_appellant_side(p, appeal(t)),
    ),
    ("GET", "/v1/appeals/{appeal_id}/documents/{kind}"): Spec(
        lambda t, n: Call(f"/v1/appeals/{appeal(t).id}/documents/evidence_1"),
        lambda p, t: (
            appeals_access.may_view(p, appeal(t)) and passes(lambda: appeals_access.require_download(p, appeal(t)))
        ),
        read=True,
    ),
    ("POST", "/v1/appeals/{appeal_id}/documents/{kind}/review"): Spec(
        lambda t, n: Call(f"/v1/appeals/{appeal(t).id}/documents/evidence_1/review", {"verdict": "accepted"}),
        REVIEWER,
    ),
    ("POST", "/v1/appeals/{appeal_id}/withdrawal"): Spec(
        lambda t, n: Call(f"/v1/appeals/{appeal(t).id}/withdrawal"),
        lambda p, t: appeals_access.may_view(p, appeal(t)) and appeals_access.is_appellant_side(p, appeal(t)),
    ),
    ("GET", "/v1/review-queue"): Spec(
        lambda t, n: Call("/v1/review-queue"),
        lambda p, t: passes(lambda: appeals_access.require_desk(p)),
        read=True,
        tenanted=False,
    ),
    ("POST", "/v1/appeals/{appeal_id}/claim"): Spec(lambda t, n: Call(f"/v1/appeals/{appeal(t).id}/claim"), REVIEWER),
    ("POST", "/v1/appeals/{appeal_id}/reassignment"): Spec(
        lambda t, n: Call(f"/v1/appeals/{appeal(t).id}/reassignment", {"to": "nobody-here", "note": "换人"}),
        lambda p, t: appeals_access.may_reassign(p, None),
    ),
    ("GET", "/v1/review-colleagues"): Spec(
        lambda t, n: Call("/v1/review-colleagues"),
        lambda p, t: passes(lambda: appeals_access.require_desk(p)),
        read=True,
        tenanted=False,
    ),
    ("GET", "/v1/appeals/{appeal_id}/notes"): Spec(
        lambda t, n: Call(f"/v1/appeals/{appeal(t).id}/notes"),
        lambda p, t: appeals_access.may_read_notes(p),
        read=True,
    ),
    ("POST", "/v1/appeals/{appeal_id}/notes"): Spec(
        lambda t, n: Call(f"/v1/appeals/{appeal(t).id}/notes", {"text": f"内部备注 {n}"}),
        lambda p, t: appeals_access.may_write_note(p),
    ),
    ("POST", "/v1/appeals/{appeal_id}/release"): Spec(
        lambda t, n: Call(f"/v1/appeals/{appeal(t).id}/release"), REVIEWER
    ),
    ("POST", "/v1/appeals/{appeal_id}/decision"): Spec(
        lambda t, n: Call(
            f"/v1/appeals/{appeal(t).id}/decision", {"outcome": "uphold", "reason_code": "violation_confirmed"}
        ),
        REVIEWER,
    ),
    ("POST", "/v1/appeals/{appeal_id}/confirmation"): Spec(
        lambda t, n: Call(f"/v1/appeals/{appeal(t).id}/confirmation", {"agree": False}), REVIEWER
    ),
    ("GET", "/v1/appeals/{appeal_id}/notifications"): Spec(
        lambda t, n: Call(f"/v1/appeals/{appeal(t).id}/notifications"),
        lambda p, t: passes(lambda: appeals_access.require_outbox(p)) and appeals_access.may_view(p, appeal(t)),
        read=True,
    ),
    ("POST", "/v1/exemptions"): Spec(
        lambda t, n: Call(
            "/v1/exemptions",
            {"account_id": t.acc, "rule_id": "phone_search_velocity", "days": 3, "reason": "event sign-ups"},
        ),
        REVIEWER,
    ),
    ("POST", "/v1/flags/{flag_id}/claim"): Spec(
        lambda t, n: Call("/v1/flags/flg-none/claim"), REVIEWER, tenanted=False
    ),
    ("POST", "/v1/flags/{flag_id}/release"): Spec(
        lambda t, n: Call("/v1/flags/flg-none/release"), REVIEWER, tenanted=False
    ),
    ("POST", "/v1/flags/{flag_id}/resolution"): Spec(
        lambda t, n: Call("/v1/flags/flg-none/resolution", {"outcome": "dismissed", "note": "nothing there"}),
        REVIEWER,
        tenanted=False,
    ),
    ("POST", "/v1/enterprises/{enterprise_id}/restrictions"): Spec(
        lambda t, n: Call(f"/v1/enterprises/{t.ent}/restrictions", {"severity": "L", "reason": "spam wave"}),
        REVIEWER,
    ),
    # --- moderation: a reviewer's manual actions ------------------------------------------------------------------
    ("POST", "/v1/strikes/{strike_id}/status"): Spec(
        lambda t, n: Call(f"/v1/strikes/{t.strike}/status", {"status": "voided", "reason": "misfired"}), REVIEWER
    ),
    ("POST", "/v1/restrictions/{restriction_id}/lifting"): Spec(
        lambda t, n: Call(f"/v1/restrictions/{t.restriction}/lifting", {"reason": "served"}), REVIEWER
    ),
    ("POST", "/v1/accounts/{account_id}/strikes"): Spec(
        lambda t, n: Call(f"/v1/accounts/{t.acc}/strikes", {"severity": "L", "reason": "harassment"}),
        role(Role.REVIEWER, Role.PLATFORM),
    ),
    ("GET", "/v1/strike-proposals/{case_id}"): Spec(
        lambda t, n: Call(f"/v1/strike-proposals/{t.proposal}"),
        role(Role.REVIEWER, Role.PLATFORM, Role.AUDITOR),
        read=True,
        tenanted=False,
    ),
    ("POST", "/v1/strike-proposals/{case_id}/confirmation"): Spec(
        lambda t, n: Call(f"/v1/strike-proposals/{t.proposal}/confirmation", {"agree": False}),
        REVIEWER,
        tenanted=False,
    ),
    # a proposal to end a permanent or an enterprise ban (four eyes, issue 12 item 4): readers of proposals, and a
    # second reviewer to decide; no proposal exists in the fixture, so let-through callers meet a 404
    ("GET", "/v1/ban-ending-proposals/{proposal_id}"): Spec(
        lambda t, n: Call("/v1/ban-ending-proposals/ben-none"),
        role(Role.REVIEWER, Role.PLATFORM, Role.AUDITOR),
        tenanted=False,
    ),
    ("POST", "/v1/ban-ending-proposals/{proposal_id}/confirmation"): Spec(
        lambda t, n: Call("/v1/ban-ending-proposals/ben-none/confirmation", {"agree": False}),
        REVIEWER,
        tenanted=False,
    ),
    ("GET", "/v1/tokens"): Spec(lambda t, n: Call("/v1/tokens"), role(Role.PLATFORM), read=True, tenanted=False),
    ("GET", "/v1/me"): Spec(lambda t, n: Call("/v1/me"), lambda p, t: True, read=True, tenanted=False),  # issue 14
    # --- enterprise usage policy ----------------------------------------------------------------------------------
    ("PUT", "/v1/enterprises/{enterprise_id}/usage-policy"): Spec(
        lambda t, n: Call(f"/v1/enterprises/{t.ent}/usage-policy", {"version": 1, "rules": USAGE_RULES}),
        usage(usage_access.POLICY_WRITERS),
    ),
    ("GET", "/v1/enterprises/{enterprise_id}/usage-policy"): Spec(
        lambda t, n: Call(f"/v1/enterprises/{t.ent}/usage-policy"), usage(usage_access.POLICY_READERS), read=True
    ),
    ("PUT", "/v1/enterprises/{enterprise_id}/departments"): Spec(
        lambda t, n: Call(f"/v1/enterprises/{t.ent}/departments", {"departments": {"sales": [t.acc]}}),
        usage(usage_access.POLICY_WRITERS),
    ),
    ("POST", "/v1/enterprises/{enterprise_id}/violation-reports"): Spec(
        lambda t, n: Call(
            f"/v1/enterprises/{t.ent}/violation-reports",
            {
                "account_id": t.accx,
                "category": "conduct",
                "description": "rude to a customer",
                "observed_at": "2026-11-26T08:00:00+00:00",
            },
        ),
        usage(usage_access.REPORTERS),
    ),
    ("GET", "/v1/enterprises/{enterprise_id}/cases"): Spec(
        lambda t, n: Call(f"/v1/enterprises/{t.ent}/cases"), usage(usage_access.CASE_LISTERS), read=True
    ),
    ("GET", "/v1/cases/{case_id}"): Spec(lambda t, n: Call(f"/v1/cases/{case(t).id}"), on_case(), read=True),
    ("POST", "/v1/cases/{case_id}/statement"): Spec(
        lambda t, n: Call(
            f"/v1/cases/{case(t).id}/statement", {"responsibility": "oversight_self_reported", "text": "I sent it"}
        ),
        on_case("statement"),
    ),
    ("POST", "/v1/cases/{case_id}/outcome"): Spec(
        lambda t, n: Call(f"/v1/cases/{case(t).id}/outcome", {"outcome": "warning", "note": "first time"}),
        on_case("decide"),
    ),
    ("POST", "/v1/cases/{case_id}/evidence"): Spec(
        lambda t, n: Call(f"/v1/cases/{case(t).id}/evidence", file=DOC), on_case("evidence")
    ),
    ("GET", "/v1/cases/{case_id}/evidence/{evidence_id}"): Spec(
        lambda t, n: Call(f"/v1/cases/{case(t).id}/evidence/evd_none"),  # allowed callers meet its 404
        lambda p, t: (
            passes(lambda: usage_access.check_case(p, case(t)))
            and (usage_access.sees_content(p, EnterpriseUsageSettings(), case(t)) or usage_access.owns_case(p, case(t)))
        ),
    ),
    ("POST", "/v1/cases/{case_id}/outcome-reversal"): Spec(
        lambda t, n: Call(f"/v1/cases/{case(t).id}/outcome-reversal", {"reason": "a mistake"}), on_case("reverse")
    ),
    ("POST", "/v1/cases/{case_id}/outcome-reversal/confirmation"): Spec(  # allowed callers meet its 409
        lambda t, n: Call(f"/v1/cases/{case(t).id}/outcome-reversal/confirmation", {"agree": False}),
        on_case("reverse"),
    ),
    ("POST", "/v1/cases/{case_id}/training-completion"): Spec(
        lambda t, n: Call(f"/v1/cases/{case(t).id}/training-completion"), on_case("complete_training")
    ),
    ("PUT", "/v1/cases/{case_id}/classification"): Spec(
        lambda t, n: Call(f"/v1/cases/{case(t).id}/classification", {"misclassified": True, "note": "a test number"}),
        on_case("classify"),
    ),
    ("GET", "/v1/enterprises/{enterprise_id}/compliance-figures"): Spec(
        lambda t, n: Call(f"/v1/enterprises/{t.ent}/compliance-figures"), usage(usage_access.FIGURE_READERS), read=True
    ),
    # --- policy versions (issue 18): global roles read; platform and reviewers write (calls that change nothing) ---
    ("GET", "/v1/policies"): Spec(lambda t, n: Call("/v1/policies"), pv_read, read=True, tenanted=False),
    ("GET", "/v1/policies/{version_id}"): Spec(lambda t, n: Call("/v1/policies/1"), pv_read, read=True, tenanted=False),
    ("GET", "/v1/policies/{version_id}/diff"): Spec(
        lambda t, n: Call("/v1/policies/1/diff?against=1"), pv_read, read=True, tenanted=False
    ),
    ("GET", "/v1/policies/{version_id}/shadow-diff"): Spec(
        lambda t, n: Call("/v1/policies/1/shadow-diff"), pv_read, read=True, tenanted=False
    ),
    ("GET", "/v1/policy-stages"): Spec(lambda t, n: Call("/v1/policy-stages"), pv_read, read=True, tenanted=False),
    ("GET", "/v1/rules/{rule_id}/figures"): Spec(
        lambda t, n: Call("/v1/rules/phone_search_velocity/figures"), pv_read, read=True, tenanted=False
    ),
    ("POST", "/v1/policies"): Spec(
        lambda t, n: Call("/v1/policies", {"text": "version: x\n", "comment": "invalid"}), pv_write, tenanted=False
    ),
    ("POST", "/v1/policies/{version_id}/promotion"): Spec(
        lambda t, n: Call("/v1/policies/1/promotion", {"stage": "shadow", "reason": "live already"}),
        pv_write,
        tenanted=False,
    ),
    ("POST", "/v1/policies/{version_id}/rollback"): Spec(
        lambda t, n: Call("/v1/policies/1/rollback", {"reason": "live already"}), pv_write, tenanted=False
    ),
    ("POST", "/v1/policy-stages/{stage}/end"): Spec(
        lambda t, n: Call("/v1/policy-stages/shadow/end", {"reason": "none running"}), pv_write, tenanted=False
    ),
    ("POST", "/v1/backtests"): Spec(  # an unknown version: 422 for those let through, no run started
        lambda t, n: Call("/v1/backtests", {"candidate_version": 99}), pv_write, tenanted=False
    ),
    ("GET", "/v1/backtests/{backtest_id}"): Spec(lambda t, n: Call("/v1/backtests/bkt-none"), pv_read, tenanted=False),
    ("GET", "/v1/backtests"): Spec(lambda t, n: Call("/v1/backtests"), pv_read, read=True, tenanted=False),
    # --- word lists -----------------------------------------------------------------------------------------------
    ("GET", "/v1/word-lists/{scope}"): Spec(
        lambda t, n: Call(f"/v1/word-lists/{t.ent}"),
        lambda p, t: passes(lambda: lists_access.check_lists(p, t.ent, write=False)),
        read=True,
    ),
    ("PUT", "/v1/word-lists/{scope}"): Spec(
        lambda t, n: Call(f"/v1/word-lists/{t.ent}", {"terms": [["加微信", "spam", "low"]], "allow": []}),
        lambda p, t: passes(lambda: lists_access.check_lists(p, t.ent, write=True)),
    ),
    ("POST", "/v1/screenings"): Spec(
        lambda t, n: Call("/v1/screenings", {"text": "加我领红包", "enterprise_id": t.ent}),
        # a member screens their own text with their own enterprise's lists (issue 13: they see only whether it
        # would be blocked); the matrix's member callers belong to ent-1, the first tenant
        lambda p, t: (p.role is Role.MEMBER and t.n == 1) or passes(lambda: lists_access.check_screening(p, t.ent)),
    ),
}


def mounted(app: FastAPI) -> list[tuple[str, str]]:
    """(method, path template) of every API route, as mounted (the console's static pages aside)."""
    out = []
    for rc in iter_route_contexts(app.router.routes):
        if isinstance(rc.original_route, APIRoute) and rc.path.startswith("/v1/"):
            out += [(m, rc.path) for m in sorted(rc.methods or ())]
    return out


# --- the world -----------------------------------------------------------------------------------------------------


@dataclass
class Matrix:
    warden: App
    client: TestClient
    tenants: list[Tenant]
    callers: dict[str, tuple[Principal, str]]  # name → (principal, secret)


@pytest.fixture
def matrix(world: World, warden: App, tmp_path: Path) -> Iterator[Matrix]:
    warden.appeals = Appeals(
        warden.uow, warden.enforcement, warden.rules, LocalDocumentStore(tmp_path / "docs"), MemoryNotifier()
    )
    sender = MemorySender()
    warden.unblocking.sender = sender
    world.enterprise("ent-2")
    tenants = [Tenant(n, f"ent-{n}", f"acc-{n}", f"acc-{n}x", f"acc-{n}h") for n in (1, 2)]
    for t in tenants:
        for aid in (t.acc, t.accx, t.acch):
            if aid != "acc-1":
                world.account(aid, t.ent)
            t.accounts[aid] = warden.enforcement.get_account(aid)
        plugin_ban(world, t.acc)
        plugin_ban(world, t.accx)
        relate(world, t.accx, t.acch)
    world.clock.advance(days=1, hours=1)  # a step-2 ban may be unblocked from its second day

    tokens = warden.tokens
    callers = {r.value: tokens.create(r, None if r in GLOBAL_ROLES else "ent-1") for r in ROLES}
    callers["member"] = tokens.create(Role.MEMBER, account_id="acc-1")
    callers["member@acch"] = tokens.create(Role.MEMBER, account_id="acc-1h")
    proposer = tokens.create(Role.REVIEWER)[0]  # a second reviewer: the matrix's may confirm (four eyes)
    for t in tenants:
        member = tokens.create(Role.MEMBER, account_id=t.acc)[0]
        admin = tokens.create(Role.ENTERPRISE_ADMIN, t.ent)[0]
        subject = warden.enforcement.subject(t.acc)
        t.strike_row = subject.strikes[-1]
        t.strike = t.strike_row.id
        t.restriction = next(r.id for r in subject.restrictions if r.strike_id == t.strike)
        t.unblock, _ = warden.unblocking.apply(member, t.acc)
        platform = Principal("platform-setup", Role.PLATFORM)
        helped, _ = warden.unblocking.apply(platform, t.accx)
        warden.unblocking.health_check(platform, helped, **CLEAN)  # type: ignore[arg-type]
        warden.unblocking.nominate(platform, helped, [t.acch])
        t.helper_token = token_from(sender, t.accounts[t.acch].phone)
        t.helper_request = warden.unblocking.helper_requests(platform, t.acch)[0]["id"]
        t.appeal, _ = warden.appeals.open(member, t.strike, "我没有使用外挂", None)
        warden.appeals.upload(member, t.appeal.id, "evidence_1", DOC, "evidence.png")
        doc = UsagePolicyDoc.model_validate({"rules": USAGE_RULES})
        warden.usage_policies.put_policy(admin, t.ent, doc, 0)
        leak = world.event("message", t.acc, text=f"号码 {VALID_ID}", to_external=True, recipient_id=f"wx-{t.n}")
        world.send(leak)
        cases, _ = warden.cases.list_cases(admin, t.ent)
        t.case = cases[0]
    tenants[0].proposal = warden.appeals.manual_strikes.request(proposer, "acc-2x", "S", "fraud ring").case_id
    app = create_app(warden, NO_LIMITS)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Matrix(warden, client, tenants, callers)


def audit_count(warden: App) -> int:
    with warden.engine.connect() as conn:
        return int(conn.execute(sa.text("SELECT count(*) FROM audit_log")).scalar_one())


# --- the test ------------------------------------------------------------------------------------------------------


def test_every_route_for_every_role_in_its_own_tenant_and_another_answers_as_the_access_rules_say(
    matrix: Matrix,
) -> None:
    m = matrix
    routes = mounted(m.client.app)  # type: ignore[arg-type]
    assert not [r for r in routes if r not in SPECS], "routes without a row in the matrix"
    assert not [s for s in SPECS if s not in routes], "rows for routes that are not mounted"
    other = m.tenants[1].markers()
    wrong: list[str] = []
    asked = 0
    n = 0
    reads = [r for r in routes if r[0] == "GET"]
    for method, template in reads + [r for r in routes if r[0] != "GET"]:  # every read before any write
        spec = SPECS[(method, template)]
        plan = []
        for t in m.tenants if spec.tenanted else m.tenants[:1]:
            for name in CALLERS:
                as_helper = name == "member" and spec.call(t, 0).member == "acch"
                principal, secret = m.callers["member@acch" if as_helper else name]
                allowed = spec.allow(principal, t)
                if t.n == 2 and principal.role not in GLOBAL_ROLES and allowed:  # whatever the access rules say
                    wrong.append(f"{method} {template}: the rules let {name} of ent-1 act on ent-2")
                plan.append((allowed, name, principal, secret, t))
        plan.sort(key=lambda x: x[0])  # refusals first: a write let through cannot turn a later 403 into a 404
        for allowed, name, principal, secret, t in plan:
            n += 1
            m.warden.clock.advance(milliseconds=1)  # two answers never share an instant (ids derive from it)
            call = spec.call(t, n)
            where = f"{method} {call.path} as {name} ({'own' if t.n == 1 else 'other'} tenant)"
            before = audit_count(m.warden)
            headers = {"Authorization": f"Bearer {secret}"}
            if call.file is not None:
                files = {"file": ("e.png", call.file, "image/png")}
                r = m.client.request(method, call.path, headers=headers, files=files)
            else:
                r = m.client.request(method, call.path, headers=headers, json=call.json)
            asked += 1
            if r.status_code >= 500:
                wrong.append(f"{where}: {r.status_code} {r.text[:200]}")
            elif not allowed:
                if r.status_code != 403 or r.headers.get("content-type") != PROBLEM:
                    wrong.append(f"{where}: expected 403, got {r.status_code} {r.text[:200]}")
                elif audit_count(m.warden) != before:
                    wrong.append(f"{where}: refused, but the audit trail moved")
            elif r.status_code in (401, 403) or (spec.read and r.status_code // 100 != 2):
                wrong.append(
                    f"{where}: expected {'2xx' if spec.read else 'no refusal'}, got {r.status_code} {r.text[:200]}"
                )
            if allowed and r.status_code // 100 == 2 and principal.role not in GLOBAL_ROLES:
                leaked = sorted(x for x in other if x and x in r.text)
                if leaked:
                    wrong.append(f"{where}: a caller of ent-1 was shown {leaked}")
    assert not wrong, f"{len(wrong)} of {asked} requests answered wrongly:\n" + "\n".join(wrong)
    assert asked > 700
