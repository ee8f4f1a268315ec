"""The unblocking service (S-D1–D5, S-D7, S-C3 probation), built once by bootstrap: `app.unblocking`.

Flow: apply (the per-phone cap is claimed here, atomically) → health check → verification by a one-time
code and/or helpers' confirmations → the restrictions lift (the strikes stay on the record) → for
friend-assisted unblocks, abnormal-unblock detection may reverse it at once.

`Unblocking` holds what every use case needs (the unit of work, the live policy, the effector, the sender) and
gathers the use cases, one module each: `apply.Applications` (the cap, applying, the health check, lifting),
`verify.Codes` (one-time codes), `helpers.Helpers` (friend assistance), `abnormal.AbnormalUnblocks` (detection
and reversal) and `reading.Reading` (views and the callers' access checks). Each public method below takes the
caller's `Principal` first, checks it (`access.py`: 403 out of scope, whether or not the thing exists; 404 only
for platform-wide roles) and runs one use case in one transaction; the caller's `actor` is `principal.actor`.

Locking: a use case that changes an application first takes that application's row lock (a plain UPDATE),
and `apply` takes the phone's quota row by compare-and-set; both happen before the audit chain's lock, so
lock order is always row → audit and cannot deadlock.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime
from typing import Any

from warden.adapters.uow import UnitOfWork
from warden.enforcement.texts import Lang
from warden.kernel.access import Principal
from warden.kernel.errors import Forbidden
from warden.pipeline.effects import Effector
from warden.pipeline.engine import RuleEngine
from warden.unblock import access
from warden.unblock.abnormal import AbnormalUnblocks
from warden.unblock.apply import Applications
from warden.unblock.helpers import Helpers
from warden.unblock.platform_checks import PlatformChecks
from warden.unblock.policy import UnblockPolicy
from warden.unblock.reading import Reading
from warden.unblock.senders import LogSender, OtpSender
from warden.unblock.verify import Codes
from warden.unblock.views import confirmation_view


class Unblocking:
    """The way back. `sender` may be replaced (tests and the demo keep what was sent)."""

    def __init__(
        self, uow: UnitOfWork, rules: RuleEngine, sender: OtpSender | None = None, code_secret: bytes | None = None
    ) -> None:
        """`code_secret`: the HMAC key of stored one-time codes (bootstrap reads it from its file; None: a random
        one for this process, for tools that never check a code)."""
        self.uow = uow
        self.code_secret = code_secret or secrets.token_bytes(32)
        self.rules = rules  # the policy in force is read from the rules, live
        self.sender: OtpSender = sender or LogSender()
        self.abnormal = AbnormalUnblocks(self)
        self.applications = Applications(self)
        self.codes = Codes(self)
        self.helpers = Helpers(self)
        self.platform_checks = PlatformChecks(self)
        self.reading = Reading(self)

    @property
    def policy(self) -> UnblockPolicy:
        return self.rules.policy.unblocking

    @property
    def timezone(self) -> str:
        """The policy's time zone (IANA name): the times people read are in it."""
        return self.rules.policy.timezone

    def code_digest(self, app_id: str, code: str) -> str:
        """The stored form of a one-time code: HMAC-SHA256 with the server's secret over the application id and the
        code (hex, 64 characters); without the secret file, the stored hash cannot be tested against the codes."""
        return hmac.new(self.code_secret, f"{app_id}\x1f{code}".encode(), hashlib.sha256).hexdigest()

    @property
    def effector(self) -> Effector:
        return self.rules.effector

    # --- the use cases, by name (see each module for what they do) ------------------------------------------

    def apply(
        self, p: Principal, account_id: str | None = None, idempotency_key: str | None = None
    ) -> tuple[str, bool]:
        """Apply to unblock `account_id` (a member: their own, if omitted). Returns (application id, created)."""
        account_id = self.reading.own(p, account_id, "account_id", "name the account to unblock")
        self.reading.check_drive(p, account_id)
        return self.applications.apply(account_id, p.actor, idempotency_key)

    def health_check(
        self,
        p: Principal,
        app_id: str,
        *,
        client_version: str,
        malware_flag: bool,
        plugin_signatures: list[str],
        device_id: str | None = None,
        ip: str | None = None,
    ) -> None:
        self.reading.check_application(p, app_id, drive=True)
        self.applications.health_check(
            app_id,
            p.actor,
            client_version=client_version,
            malware_flag=malware_flag,
            plugin_signatures=plugin_signatures,
            device_id=device_id,
            ip=ip,
        )

    def send_code(self, p: Principal, app_id: str, lang: Lang = "zh") -> None:
        self.reading.check_application(p, app_id, drive=True)
        self.codes.send_code(app_id, p.actor, lang)

    def verify_code(self, p: Principal, app_id: str, code: str, lang: Lang = "zh") -> None:
        self.reading.check_application(p, app_id, drive=True)
        with self.abnormal.notices():  # a lift is judged (S-D4); a reversal is told to both sides after commit
            self.codes.verify_code(app_id, p.actor, code, lang)

    def nominate(self, p: Principal, app_id: str, helper_ids: list[str], lang: Lang = "zh") -> None:
        self.reading.check_application(p, app_id, drive=True)
        self.helpers.nominate(app_id, p.actor, helper_ids, lang)

    def report_platform_check(
        self, p: Principal, app_id: str, *, kind: str, passed: bool, reference: str | None = None
    ) -> None:
        """The platform reports its own face/ID check of the requester (issue 15): platform role only (403 for any
        other, whether or not the application exists)."""
        if not access.may_report_platform_check(p):
            raise Forbidden("only the platform reports its face/ID check")
        self.reading.check_application(p, app_id, drive=True)
        with self.abnormal.notices():  # the check may be the last step: a lift is judged and both sides told (S-D4)
            self.platform_checks.report(app_id, p.actor, kind=kind, passed=passed, reference=reference)

    def confirm(
        self, p: Principal, token: str, device_id: str | None = None, ip: str | None = None, lang: Lang = "zh"
    ) -> dict[str, Any]:
        """A helper confirms with their token: `{helper_state, application_id, refusals: [{code, params, text}]}`."""
        self.reading.check_confirm(p, token)
        with self.abnormal.notices():  # a lift is judged (S-D4); a reversal is told to both sides after commit
            return confirmation_view(self.helpers.confirm(token, p.actor, device_id, ip), lang, self.timezone)

    def decline(self, p: Principal, request_id: str, lang: Lang = "zh") -> dict[str, Any]:
        """A helper declines a request naming them (issue 14): the request as `HelperRequest` reads it, now
        `declined`; the requester reads `helper.declined` in their application. 403 for anyone but the named helper
        (or the platform for them); 409 when it is no longer pending."""
        self.reading.check_decline(p, request_id)
        return self.reading.helper_request(self.helpers.decline(request_id, p.actor), lang)

    def view(self, p: Principal, app_id: str, lang: Lang = "zh") -> dict[str, Any]:
        """The application as `views.application_view` renders it."""
        self.reading.check_application(p, app_id, drive=False)
        return self.reading.view(app_id, lang)

    def list_for(
        self, p: Principal, account_id: str | None = None, lang: Lang = "zh", limit: int = 50
    ) -> list[dict[str, Any]]:
        """An account's applications (a member: their own, if omitted), newest first."""
        account_id = self.reading.own(p, account_id, "account_id", "give account_id")
        self.reading.check_view(p, account_id)
        return self.reading.list_for(account_id, lang, limit)

    def helper_requests(self, p: Principal, helper_id: str | None = None, lang: Lang = "zh") -> list[dict[str, Any]]:
        """What a helper (a member: themself, if omitted) was asked, newest first."""
        helper_id = self.reading.own(p, helper_id, "helper_id", "give helper_id")
        self.reading.check_view(p, helper_id)
        return self.reading.helper_requests(helper_id, lang)

    def report_third_party(
        self,
        p: Principal,
        account_id: str,
        platform: str,
        occurred_at: datetime | None = None,
        application_id: str | None = None,
        note: str | None = None,
        lang: Lang = "zh",
    ) -> dict[str, Any]:
        """The platform reports that an account was unblocked through a third-party platform (S-D4, issue 15):
        `{report, created, application}` (the unblock as judged again with the report). Platform role only."""
        if not access.may_report(p):
            raise Forbidden("only the platform reports third-party unblocks")
        with self.abnormal.notices():
            report, created = self.abnormal.report(p.actor, account_id, platform, occurred_at, application_id, note)
        return {"report": report, "created": created, "application": self.reading.view(report["application_id"], lang)}
