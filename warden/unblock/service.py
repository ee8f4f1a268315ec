"""The unblocking service (S-D1–D5, S-D7, S-C3 probation), built once by bootstrap: `app.unblocking`.

Flow: apply (the per-phone cap is claimed here, atomically) → health check → verification by a one-time
code and/or helpers' confirmations → the restrictions lift (the strikes stay on the record) → for
friend-assisted unblocks, abnormal-unblock detection may reverse it at once.

`Unblocking` holds what every use case needs (engine, clock, the live policy, the effector, the sender) and
gathers the use cases, one module each: `apply.Applications` (the cap, applying, the health check, lifting),
`verify.Codes` (one-time codes), `helpers.Helpers` (friend assistance), `abnormal.AbnormalUnblocks` (detection
and reversal) and `reading.Reading` (views and the callers' access checks). Each public method is one
transaction.

Locking: a use case that changes an application first takes that application's row lock (a plain UPDATE),
and `apply` takes the phone's quota row by compare-and-set; both happen before the audit chain's lock, so
lock order is always row → audit and cannot deadlock.
"""

from __future__ import annotations

from typing import Any

from warden.enforcement.texts import Lang
from warden.kernel.access import Principal
from warden.kernel.clock import Clock
from warden.pipeline.effects import Effector
from warden.pipeline.engine import RuleEngine
from warden.unblock.abnormal import AbnormalUnblocks
from warden.unblock.apply import Applications
from warden.unblock.helpers import Helpers
from warden.unblock.policy import UnblockPolicy
from warden.unblock.reading import Reading
from warden.unblock.senders import LogSender, OtpSender
from warden.unblock.store import Engine
from warden.unblock.verify import Codes


class Unblocking:
    """The way back. `sender` may be replaced (tests and the demo keep what was sent)."""

    def __init__(self, engine: Engine, clock: Clock, rules: RuleEngine, sender: OtpSender | None = None) -> None:
        self.engine = engine
        self.clock = clock
        self.rules = rules  # the policy in force is read from the rules, live
        self.sender: OtpSender = sender or LogSender()
        self.abnormal = AbnormalUnblocks(self)
        self.applications = Applications(self)
        self.codes = Codes(self)
        self.helpers = Helpers(self)
        self.reading = Reading(self)

    @property
    def policy(self) -> UnblockPolicy:
        return self.rules.policy.unblocking

    @property
    def effector(self) -> Effector:
        return self.rules.effector

    # --- the use cases, by name (see each module for what they do) ------------------------------------------

    def apply(self, account_id: str, actor: str, idempotency_key: str | None = None) -> tuple[str, bool]:
        return self.applications.apply(account_id, actor, idempotency_key)

    def health_check(
        self,
        app_id: str,
        actor: str,
        *,
        client_version: str,
        malware_flag: bool,
        plugin_signatures: list[str],
        device_id: str | None = None,
        ip: str | None = None,
    ) -> None:
        self.applications.health_check(
            app_id,
            actor,
            client_version=client_version,
            malware_flag=malware_flag,
            plugin_signatures=plugin_signatures,
            device_id=device_id,
            ip=ip,
        )

    def send_code(self, app_id: str, actor: str, lang: Lang = "zh") -> None:
        self.codes.send_code(app_id, actor, lang)

    def verify_code(self, app_id: str, actor: str, code: str) -> None:
        self.codes.verify_code(app_id, actor, code)

    def nominate(self, app_id: str, actor: str, helper_ids: list[str], lang: Lang = "zh") -> None:
        self.helpers.nominate(app_id, actor, helper_ids, lang)

    def helper_of(self, token: str) -> str:
        return self.helpers.helper_of(token)

    def confirm(self, token: str, actor: str, device_id: str | None = None, ip: str | None = None) -> dict[str, Any]:
        return self.helpers.confirm(token, actor, device_id, ip)

    def account_of(self, app_id: str) -> str:
        return self.reading.account_of(app_id)

    def view(self, app_id: str, lang: Lang = "zh") -> dict[str, Any]:
        return self.reading.view(app_id, lang)

    def list_for(self, account_id: str, lang: Lang = "zh", limit: int = 50) -> list[dict[str, Any]]:
        return self.reading.list_for(account_id, lang, limit)

    def helper_requests(self, helper_id: str, lang: Lang = "zh") -> list[dict[str, Any]]:
        return self.reading.helper_requests(helper_id, lang)

    # --- who may do what (the routes ask; `access.py` answers) ----------------------------------------------

    def check_drive(self, principal: Principal, account_id: str) -> None:
        self.reading.check_drive(principal, account_id)

    def check_application(self, principal: Principal, app_id: str, *, drive: bool) -> str:
        return self.reading.check_application(principal, app_id, drive=drive)

    def check_view(self, principal: Principal, account_id: str) -> None:
        self.reading.check_view(principal, account_id)

    def check_confirm(self, principal: Principal, token: str) -> str:
        return self.reading.check_confirm(principal, token)
